#!/usr/bin/env bash
# Per-call cost of system calls (not a test): upstream vs patched toolchain,
# side by side. Same source (probe/callcost) built by both.
#  - ns per call: ROUNDS rounds; in each round every mode runs once per side,
#    alternating which side goes first; per mode the median of each side, the
#    median of the per-round differences (patched - upstream) and a 95 %
#    interval of that median (bootstrap over rounds).
#  - instructions per call (user space, kernel not counted): valgrind
#    --tool=callgrind --toggle-collect=main.loop<Mode>, the loop's
#    instructions / N; median of CG_RUNS runs (the Syscall paths vary a little
#    with the scheduler: sysmon retaking the P while valgrind serialises the
#    threads); GODEBUG=asyncpreemptoff=1: callgrind asserts on the preemption
#    signal (threads.c "sigNum == ...sig"). CG_DETAIL=dir keeps the callgrind files (callgrind_annotate).
# usage: call-cost.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  -> markdown on stdout
# env: ROUNDS (default 15), N (calls per run, default 200000), CG_N (20000),
#      CG_RUNS (3), MODES (default: every mode of probe/callcost but pingpong,
#      which runs with N/100 round trips)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=${1:?usage: call-cost.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}
upstream=${2:-/usr/local/go}
rounds=${ROUNDS:-15} n=${N:-200000} cgn=${CG_N:-20000} cgruns=${CG_RUNS:-3}
modes=${MODES:-getpid rawgetpid sysgetpid read1 osread1 futexwake rtfutex pingpong}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
# -checklinkname=0: the rtfutex mode pulls runtime.futexwakeup with a linkname
(cd "$here/probe" && GOFLAGS=-buildvcs=false "$upstream/bin/go" build -ldflags=-checklinkname=0 -o "$w/up" ./callcost &&
  GOFLAGS=-buildvcs=false "$patched/bin/go" build -ldflags=-checklinkname=0 -o "$w/pa" ./callcost) >&2
count() { [ "$1" = pingpong ] && echo $(( $2 / 100 )) || echo "$2"; }
: >"$w/ns"
for r in $(seq 1 "$rounds"); do
  for m in $modes; do
    sides="up pa"; [ $((r % 2)) = 0 ] && sides="pa up"
    for s in $sides; do
      echo "$r $m $s $("$w/$s" "$m" "$(count "$m" "$n")")" >>"$w/ns"
    done
  done
  echo "call-cost: round $r/$rounds" >&2
done
: >"$w/ir"
if command -v valgrind >/dev/null; then
  for m in $modes; do
    [ "$m" = pingpong ] && continue
    for s in up pa; do
      for i in $(seq 1 "$cgruns"); do
        out=${CG_DETAIL:-$w}/cg.$s.$m.$i; mkdir -p "$(dirname "$out")"
        ir=
        for try in 1 2 3; do  # valgrind itself crashes now and then on Go binaries
          GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="main.loop*" \
            "$w/$s" "$m" "$cgn" >/dev/null 2>"$w/cg.err" || true
          ir=$(sed -nE 's/.*Collected : ([0-9]+).*/\1/p' "$w/cg.err")
          [ -n "$ir" ] && break
        done
        echo "$m $s ${ir:-nan}" >>"$w/ir"
      done
    done
  done
fi
python3 - "$w/ns" "$w/ir" "$cgn" "$rounds" "$n" <<'PY'
import json, random, statistics as st, sys
nsf, irf, cgn, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
ns = {}
for line in open(nsf):
    r, m, s, js = line.split(" ", 3)
    ns.setdefault(m, {}).setdefault(int(r), {})[s] = json.loads(js)["ns_per_call"]
ir = {}
for line in open(irf):
    m, s, v = line.split()
    if v != "nan":
        ir.setdefault(m, {}).setdefault(s, []).append(int(v) / cgn)
random.seed(1)
print(f"ns per call: {rounds} alternated rounds of {n} calls (pingpong: {int(n)//100} round trips); "
      f"instructions per call: callgrind, {cgn} calls, median of the runs")
print()
print("| mode | upstream ns | patched ns | patched − upstream ns (95 % CI) | upstream instr | patched instr | + instr |")
print("|---|---|---|---|---|---|---|")
for m, byr in ns.items():
    rs = sorted(r for r in byr if "up" in byr[r] and "pa" in byr[r])
    up = [byr[r]["up"] for r in rs]; pa = [byr[r]["pa"] for r in rs]
    d = [b - a for a, b in zip(up, pa)]
    boot = sorted(st.median(random.choices(d, k=len(d))) for _ in range(2000))
    lo, hi = boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
    iu, ip = ir.get(m, {}).get("up"), ir.get(m, {}).get("pa")
    f = lambda v: f"{st.median(v):.0f}" if v else "-"
    di = f"{st.median(ip) - st.median(iu):+.0f}" if iu and ip else "-"
    print(f"| {m} | {st.median(up):.1f} | {st.median(pa):.1f} | {st.median(d):+.1f} ({lo:+.1f} … {hi:+.1f}) | {f(iu)} | {f(ip)} | {di} |")
PY
