#!/bin/sh
# Nx target workspace:interposer-cost — what the sim runtime (libbinaryfs.so) adds to caddy's request path:
# patched native caddy (dist/apps/caddy/bin/out/caddy.native) vs the same binary signed (dist/apps/caddy/sign),
# both on the host in a private mount + network namespace (no container; /caddy is the served site for the
# native one), with the sim policy service and the session. Writes $OUT (dist/tools/interposer-cost):
#   strace-<t>.txt   system calls per request (strace -c -f, REQS requests at 500 req/s after a warm-up)
#   cg-<t>-<N>.*     cachegrind totals with 500 and 2000 recorded requests (valgrind; skipped without it)
#   bench.json       caddy-test bench, native vs confidential alternated (MODE cpu|fixed|saturation, ROUNDS, SLICE, RATE)
#   summary.md       the figures per request, printed at the end
# Root only (unshare, chroot). Env: REQS (5000), ROUNDS (6), SLICE (3s), RATE (1500), MODE (cpu), CONNECTIONS (8),
# STRACE (1), CG (1: cachegrind).
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/interposer-cost} OUT=${OUT:-$REPO/dist/tools/interposer-cost}
export REPO WORK
[ "$(id -u)" = 0 ] || { echo "interposer-cost: needs root (private mount and network namespace)" >&2; exit 2; }
bin=$REPO/dist/apps/caddy/bin/out sign=$REPO/dist/apps/caddy/sign
tools=$REPO/dist/apps/caddy/tools/image.json   # caddy-test is built into caddy's tools image
for f in $bin/caddy.native $tools $sign/caddy.native $sign/libbinaryfs.so $sign/measurement.json \
  $REPO/dist/apps/caddy/policy/session.yml $REPO/dist/apps/caddy/site/caddy $REPO/packages/cas-policy/dist/cli.js; do
  [ -e "$f" ] || { echo "interposer-cost: $f is missing (nx run caddy:policy and caddy:tools build it)" >&2; exit 2; }
done
rm -rf "$WORK" "$OUT"; mkdir -p "$WORK/native" "$WORK/sign" "$WORK/bin" "$WORK/res" "$WORK/logs" "$OUT"
cp $bin/caddy.native "$WORK/native/"
docker run --rm --entrypoint cat "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ref"])' $tools)" /out/caddy-test > "$WORK/caddy-test"
chmod +x "$WORK/caddy-test"
cp $sign/caddy.native $sign/libbinaryfs.so $sign/measurement.json "$WORK/sign/"
ln -s caddy.native "$WORK/native/caddy"; ln -s caddy.native "$WORK/sign/caddy"   # cg.sh runs `caddy` from PATH
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["measurement"])' $sign/measurement.json > "$WORK/measurements"
cp "$REPO"/tools/interposer-cost/*.sh "$WORK/bin/"
ns() { unshare -mn --propagation private "$WORK/bin/inns.sh" "$@"; }
step() { echo "interposer-cost: $* ($(date -u +%T))"; }
for t in native sign; do
  [ "${STRACE:-1}" = 1 ] || break
  step "strace, $t"
  ns "$WORK/bin/trace.sh" $t "${REQS:-5000}" "$WORK/res/tr-$t"
  cp "$WORK/res/tr-$t.strace-c" "$OUT/strace-$t.txt"; cp "$WORK/res/tr-$t.load.json" "$OUT/strace-$t.load.json"
done
if [ "${CG:-1}" = 1 ] && [ -x /usr/bin/valgrind.bin ]; then
  step "cachegrind, native and sign (500 and 2000 requests each, at 50 req/s: minutes)"
  ns "$WORK/bin/cgpair.sh" native sign
  cp "$WORK"/res/cg-* "$OUT/" 2>/dev/null || true
fi
step "caddy-test bench --mode ${MODE:-cpu}, native vs sign"
MODE=${MODE:-cpu} ns "$WORK/bin/bench.sh" "$OUT/bench.json" "${ROUNDS:-6}" "${SLICE:-3s}" "${RATE:-1500}" native sign | tail -4
nm --defined-only "$WORK/sign/libbinaryfs.so" | awk '$2 ~ /[tT]/ {print $3}' > "$WORK/interposer-functions"
python3 "$REPO/tools/interposer-cost/summary.py" "$OUT" "$WORK/interposer-functions" "${REQS:-5000}" | tee "$OUT/summary.md"
