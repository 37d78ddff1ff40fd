#!/usr/bin/env bash
# Benchmark (not a test): upstream vs patched toolchain, side by side in one run.
# Same source (probe/bench) built by both; each measurement alternates
# upstream/patched. HTTP: the hello servers of both toolchains run at once on
# CPU 1, the open-loop constant-rate generator (built by upstream) on CPU 0
# alternates between them in short slices (abload): percentiles over all of a
# side's requests, p99 ratio with a 95% interval from resampling slice pairs.
# usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  -> markdown on stdout
# env: RATE (req/s, default 2000), SLICE (default 3s), PAIRS (default 40),
#      ROUNDS of the micro benchmarks (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=${1:?usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}
upstream=${2:-/usr/local/go}
rate=${RATE:-2000} slice=${SLICE:-3s} pairs=${PAIRS:-40} rounds=${ROUNDS:-3}
w=$(mktemp -d); servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true; rm -rf "$w"' EXIT
(cd "$here/probe" && GOFLAGS=-buildvcs=false "$upstream/bin/go" build -o "$w/up" ./bench && GOFLAGS=-buildvcs=false "$patched/bin/go" build -o "$w/pa" ./bench) >&2
echo "| round | measurement | upstream | patched | ratio patched/upstream |"
echo "|---|---|---|---|---|"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f"{b/a:.3f}" if a else "-")' "$1" "$2"; }
for r in $(seq 1 "$rounds"); do
  for m in "getpid 2000000 ns_per_op" "readzero 1000000 ns_per_op" "file 3000 mb_per_s"; do
    set -- $m
    u=$(field "$("$w/up" "$1" "$2")" "$3"); p=$(field "$("$w/pa" "$1" "$2")" "$3")
    echo "| $r | $1 ($3) | $u | $p | $(ratio "$u" "$p") |"
  done
done
pin() { if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
port=$((18100 + RANDOM % 800))
# started without the pin function (a backgrounded function is a subshell: $! would be it, not the server)
cpu1=(); [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null && cpu1=(taskset -c 1)
"${cpu1[@]}" "$w/up" serve "127.0.0.1:$port" >/dev/null & servers+=($!)
"${cpu1[@]}" "$w/pa" serve "127.0.0.1:$((port + 1))" >/dev/null & servers+=($!)
sleep 1
res=$(pin 0 "$w/up" abload "http://127.0.0.1:$port/" "http://127.0.0.1:$((port + 1))/" "$rate" "$slice" "$pairs")
python3 - "$res" "$rate" "$slice" "$pairs" <<'PY'
import json, sys
r, rate, sl, pairs = json.loads(sys.argv[1]), *sys.argv[2:]
a, b = r["a"], r["b"]
lo, hi = r["p99_ratio_ci95"]
print(f"| all | http req/s @ {rate}/s ({pairs} slice pairs of {sl}) | {a['req_per_s']:.1f} | {b['req_per_s']:.1f} | {r['req_ratio_b_a']:.3f} |")
print(f"| all | http p50 ms | {a['p50_ms']} | {b['p50_ms']} | {r['p50_ratio_b_a']:.3f} |")
print(f"| all | http p99 ms (errors up/pa: {a['errors']}/{b['errors']}) | {a['p99_ms']} | {b['p99_ms']} | {r['p99_ratio_b_a']:.3f} (95% CI {lo:.3f}–{hi:.3f}) |")
PY
