#!/bin/sh
# usage (inside inroot): bench.sh OUT ROUNDS SLICE RATE target...   targets: native, or a sign dir name (signA, signB, …)
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
OUT=$1; ROUNDS=$2; SLICE=$3; RATE=$4; shift 4
T=""
for t in "$@"; do
  if [ "$t" = native ]; then T="$T --target native=$WORK/native/caddy.native run --config /tls/Caddyfile --adapter caddyfile"
  else T="$T --target $t=env SCONE_CONFIG_ID=caddy/binaryfs SCONE_CAS_ADDR=127.0.0.1:8081 SCONE_LOG=error $WORK/$t/caddy.native"; fi
done
IFS='
'
set -- $(echo "$T" | sed 's/ --target /\n--target\n/g' | tail -n +2)
exec $WORK/caddy-test bench --mode ${MODE:-cpu} --ca /tls/ca.pem --ca-install "" --rounds $ROUNDS --slice $SLICE --rate $RATE --connections ${CONNECTIONS:-8} --out $OUT --log-dir $WORK/logs "$@"
