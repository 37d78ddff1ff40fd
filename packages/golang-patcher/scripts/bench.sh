#!/usr/bin/env bash
# Benchmark (not a test): upstream vs patched toolchain, side by side in one run.
# Same source (probe/bench) built by both; each measurement alternates
# upstream/patched. HTTP: hello server of each toolchain under the same
# open-loop constant-rate load (generator built by upstream, pinned nothing).
# usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  -> markdown on stdout
# env: RATE (req/s, default 2000), DUR (default 10s), ROUNDS (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=${1:?usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}
upstream=${2:-/usr/local/go}
rate=${RATE:-2000} dur=${DUR:-10s} rounds=${ROUNDS:-3}
w=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$w"' EXIT
(cd "$here/probe" && GOFLAGS=-buildvcs=false "$upstream/bin/go" build -o "$w/up" ./bench && GOFLAGS=-buildvcs=false "$patched/bin/go" build -o "$w/pa" ./bench) >&2
echo "| round | measurement | upstream | patched | ratio patched/upstream |"
echo "|---|---|---|---|---|"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f"{b/a:.3f}" if a else "-")' "$1" "$2"; }
for r in $(seq 1 "$rounds"); do
  for m in "getpid 2000000 ns_per_op" "readzero 1000000 ns_per_op" "file 300 mb_per_s"; do
    set -- $m
    u=$(field "$("$w/up" "$1" "$2")" "$3"); p=$(field "$("$w/pa" "$1" "$2")" "$3")
    echo "| $r | $1 ($3) | $u | $p | $(ratio "$u" "$p") |"
  done
  for tc in up pa; do
    port=$((18100 + RANDOM % 800))
    "$w/$tc" serve "127.0.0.1:$port" >/dev/null & spid=$!
    sleep 1
    res=$("$w/up" load "http://127.0.0.1:$port/" "$rate" "$dur")
    kill "$spid"; wait "$spid" 2>/dev/null || true
    eval "${tc}_rps=$(field "$res" req_per_s) ${tc}_p99=$(field "$res" p99_ms) ${tc}_p50=$(field "$res" p50_ms) ${tc}_err=$(field "$res" errors)"
  done
  echo "| $r | http req/s @ $rate/s, $dur | $up_rps | $pa_rps | $(ratio "$up_rps" "$pa_rps") |"
  echo "| $r | http p50 ms | $up_p50 | $pa_p50 | $(ratio "$up_p50" "$pa_p50") |"
  echo "| $r | http p99 ms (errors up/pa: $up_err/$pa_err) | $up_p99 | $pa_p99 | $(ratio "$up_p99" "$pa_p99") |"
done
