#!/bin/sh
# inside inroot: cg.sh NAME(native|signX) N_REQ OUTPREFIX — callgrind, collection on after warm-up, dumped after N requests
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
NAME=$1; N=$2; O=$3
ln -sfn $WORK/$NAME $WORK/cur
VG="/usr/bin/valgrind.bin --tool=cachegrind --cache-sim=no --cachegrind-out-file=$O.cg.%p"
ENV="PATH=$WORK/cur SCONE_LOG=error HOME=/root GODEBUG=asyncpreemptoff=1"
if [ "$NAME" = native ]; then env -i $ENV $VG caddy run --config /tls/Caddyfile --adapter caddyfile >$O.log 2>&1 &
else env -i $ENV SCONE_CONFIG_ID=caddy/vg SCONE_CAS_ADDR=127.0.0.1:8081 $VG caddy run --config /etc/caddy/Caddyfile --adapter caddyfile >$O.log 2>&1 & fi
P=$!
for i in $(seq 600); do kill -0 $P 2>/dev/null || exit 1; bash -c 'echo > /dev/tcp/127.0.0.1/443' 2>/dev/null && break; sleep 0.5; done
$WORK/caddy-test load --url https://localhost/caddy/caddy.go --ca /tls/ca.pem --connections 8 --rate 50 --duration 4s --timeout 60s > $O.warm.txt 2>&1
$WORK/caddy-test load --url https://localhost/caddy/caddy.go --ca /tls/ca.pem --connections 8 --rate 50 --duration $((N/50))s --timeout 60s --out $O.load.json > $O.load.txt 2>&1
kill $P; wait $P
