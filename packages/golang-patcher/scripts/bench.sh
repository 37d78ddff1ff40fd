#!/usr/bin/env bash
# Benchmark (not a test): upstream vs patched toolchain, side by side in one run.
# Same source (probe/bench) built by both; each measurement alternates
# upstream/patched. HTTP: the project's load generator and bench method
# (packages/bench, confidential-bench, built by upstream, on CPU 0) against the
# hello servers of both toolchains (CPU 1), alternated in short slices in a
# balanced order, each slice a fresh server; ratios with bootstrap 95 % intervals.
# usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  (default: the same release, scripts/upstream-goroot.sh)  -> markdown on stdout
# env: RATE (req/s, default 2000), SLICE (default 3s), HTTP_ROUNDS (default 8),
#      BENCH_MODE (fixed | cpu | saturation; default fixed),
#      ROUNDS of the micro benchmarks (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=${1:?usage: bench.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}
upstream=${2:-$("$here/scripts/upstream-goroot.sh" "$patched")}
rate=${RATE:-2000} slice=${SLICE:-3s} http_rounds=${HTTP_ROUNDS:-8} rounds=${ROUNDS:-3}
w=$(mktemp -d); servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true; rm -rf "$w"' EXIT
(cd "$here/probe" && GOFLAGS=-buildvcs=false "$upstream/bin/go" build -o "$w/up" ./bench && GOFLAGS=-buildvcs=false "$patched/bin/go" build -o "$w/pa" ./bench) >&2
(cd "$here/../bench" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$upstream/bin/go" build -o "$w/cb" ./cmd/confidential-bench) >&2
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
cpu1=""; [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null && cpu1="taskset -c 1 "
addr="127.0.0.1:$((18100 + RANDOM % 800))"
pin 0 "$w/cb" bench --url "http://$addr/" --addr "$addr" --expect hello --workdir "$w" \
  --target "upstream=${cpu1}$w/up serve $addr" --target "patched=${cpu1}$w/pa serve $addr" \
  --rate "$rate" --slice "$slice" --rounds "$http_rounds" --out "$w/bench.json" >&2
python3 - "$w/bench.json" "$slice" <<'PY'
import json, sys
b, sl = json.load(open(sys.argv[1])), sys.argv[2]
up, pa = b["targets"]
r = b["ratios"][1]
def iv(x):  # the interval's text, as packages/bench writes it
    return x["text"] if x else "—"
m = b["method"]
what = f'{m["mode"]}, {m["rounds"]} rounds of {sl} slices, {b["load"]["rate"]:.0f} req/s'
print(f'| all | http req/s ({what}) | {up["result"]["throughput"]:.1f} | {pa["result"]["throughput"]:.1f} | {iv(r["throughput"])} |')
for k, name in (("p50", "p50"), ("p99", "p99")):
    print(f'| all | http {name} ms (errors up/pa: {up["result"]["errors"]}/{pa["result"]["errors"]}) | {up["result"]["latencyMs"][k]} | {pa["result"]["latencyMs"][k]} | {iv(r[k])} |')
if up["cpu"] and pa["cpu"]:
    print(f'| all | http server CPU µs/req | {up["cpu"]["serverUsPerRequest"]} | {pa["cpu"]["serverUsPerRequest"]} | {iv(r["cpu"])} |')
PY
