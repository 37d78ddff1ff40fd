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
# env: BEFORE=GOROOT a second patched toolchain (e.g. the previous patch) run
#      as a third side in the same rounds (before/after in one run),
#      ROUNDS (default 15), N (calls per run, default 200000), CG_N (20000),
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
  GOFLAGS=-buildvcs=false "$patched/bin/go" build -ldflags=-checklinkname=0 -o "$w/pa" ./callcost &&
  if [ -n "${BEFORE:-}" ]; then GOFLAGS=-buildvcs=false "$BEFORE/bin/go" build -ldflags=-checklinkname=0 -o "$w/bf" ./callcost; fi) >&2
all="up pa"; [ -n "${BEFORE:-}" ] && all="up bf pa"
count() { [ "$1" = pingpong ] && echo $(( $2 / 100 )) || echo "$2"; }
: >"$w/ns"
for r in $(seq 1 "$rounds"); do
  for m in $modes; do
    sides=$all; [ $((r % 2)) = 0 ] && sides=$(echo "$all" | tr ' ' '\n' | tac | tr '\n' ' ')
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
    for s in $all; do
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
python3 - "$w/ns" "$w/ir" "$cgn" "$rounds" "$n" $all <<'PY'
import json, random, statistics as st, sys
nsf, irf, cgn, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
sides = sys.argv[6:]
name = {"up": "upstream", "bf": "patched before", "pa": "patched"}
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
hdr = ["mode", "upstream ns"] + [f"{name[s]} ns, − upstream (95 % CI)" for s in sides[1:]] + ["upstream instr"] + [f"{name[s]} instr (+)" for s in sides[1:]]
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for m, byr in ns.items():
    rs = sorted(r for r in byr if all(s in byr[r] for s in sides))
    up = [byr[r]["up"] for r in rs]
    row = [m, f"{st.median(up):.1f}"]
    for s in sides[1:]:
        pa = [byr[r][s] for r in rs]
        d = [b - a for a, b in zip(up, pa)]
        boot = sorted(st.median(random.choices(d, k=len(d))) for _ in range(2000))
        lo, hi = boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
        row.append(f"{st.median(pa):.1f}, {st.median(d):+.1f} ({lo:+.1f} … {hi:+.1f})")
    iu = ir.get(m, {}).get("up")
    row.append(f"{st.median(iu):.0f}" if iu else "-")
    for s in sides[1:]:
        ip = ir.get(m, {}).get(s)
        row.append(f"{st.median(ip):.0f} ({st.median(ip) - st.median(iu):+.0f})" if ip and iu else "-")
    print("| " + " | ".join(row) + " |")
PY
