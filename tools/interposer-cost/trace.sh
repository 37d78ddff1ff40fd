#!/bin/sh
# inside inroot: trace.sh NAME(native|signX) N_REQ OUTPREFIX
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
NAME=$1; N=$2; O=$3
if [ "$NAME" = native ]; then $WORK/native/caddy.native run --config /tls/Caddyfile --adapter caddyfile >$O.log 2>&1 &
else env SCONE_CONFIG_ID=caddy/binaryfs SCONE_CAS_ADDR=127.0.0.1:8081 SCONE_LOG=error $WORK/$NAME/caddy.native >$O.log 2>&1 & fi
P=$!
for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/443) 2>/dev/null && break; bash -c 'echo > /dev/tcp/127.0.0.1/443' 2>/dev/null && break; sleep 0.2; done
$WORK/caddy-test load --url https://localhost/caddy/caddy.go --ca /tls/ca.pem --connections 8 --rate 500 --duration 2s >/dev/null 2>&1
strace -f -c -o $O.strace-c -p $P 2>/dev/null & S=$!
sleep 1
$WORK/caddy-test load --url https://localhost/caddy/caddy.go --ca /tls/ca.pem --connections 8 --rate 500 --duration $((N/500))s --out $O.load.json > $O.load.txt 2>&1
kill -INT $S; wait $S
# a detailed trace of a few requests
strace -f -tt -o $O.strace -p $P 2>/dev/null & S=$!
sleep 1
$WORK/caddy-test load --url https://localhost/caddy/caddy.go --ca /tls/ca.pem --connections 1 --rate 5 --duration 2s >/dev/null 2>&1
kill -INT $S; wait $S
kill $P; wait $P
