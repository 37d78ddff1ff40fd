#!/usr/bin/env bash
# Per-call cost of system calls (not a test): upstream vs patched toolchain,
# side by side. Same source (probe/callcost) built by both.
#  - ns per call: ROUNDS rounds; in each round every mode runs once per side,
#    alternating which side goes first. Each run times batches of 2000 calls
#    and reports its fastest batch (the least disturbed by other load on
#    shared cores) and its mean; per mode the median over rounds of each
#    side, the median of the per-round differences (patched - upstream) and
#    a 95 % interval of that median (bootstrap over rounds).
#  - instructions per call (user space, kernel not counted): valgrind
#    --tool=callgrind --toggle-collect=main.loop<Mode>, the loop's
#    instructions / N; median of CG_RUNS runs (the Syscall paths vary a little
#    with the scheduler: sysmon retaking the P while valgrind serialises the
#    threads); GODEBUG=asyncpreemptoff=1: callgrind asserts on the preemption
#    signal (threads.c "sigNum == ...sig"). CG_DETAIL=dir keeps the callgrind files (callgrind_annotate).
#  - the Go side alone (patched only): modes nosys and g0nosys with
#    LD_PRELOAD=probe/callcost/c/fakesys.so, whose syscall(0x7fff) returns
#    at once (no kernel entry), next to a C loop of the same libc call
#    (probe/callcost/c/named.c sys_nosys): ns and instructions per call.
#    The C loop's instructions for named wrappers vs syscall(2) (read,
#    write, epoll_pwait, getpid) come from the same program.
# usage: call-cost.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  (default: the same release, scripts/upstream-goroot.sh)  -> markdown on stdout
# env: BEFORE=GOROOT a second patched toolchain (e.g. the previous patch) run
#      as a third side in the same rounds (before/after in one run),
#      ROUNDS (default 15), N (calls per run, default 200000), CG_N (20000),
#      CG_RUNS (3), MODES (default: every mode of probe/callcost but pingpong,
#      which runs with N/100 round trips)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=${1:?usage: call-cost.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}
upstream=${2:-$("$here/scripts/upstream-goroot.sh" "$patched")}
rounds=${ROUNDS:-15} n=${N:-200000} cgn=${CG_N:-20000} cgruns=${CG_RUNS:-3}
modes=${MODES:-getpid rawgetpid sysgetpid read1 osread1 futexwake rtfutex pingpong}
fakeN=${FAKE_N:-2000000}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
# -checklinkname=0: the rtfutex mode pulls runtime.futexwakeup with a linkname
(cd "$here/probe" && GOFLAGS=-buildvcs=false "$upstream/bin/go" build -tags callcost -ldflags=-checklinkname=0 -o "$w/up" ./callcost &&
  GOFLAGS=-buildvcs=false "$patched/bin/go" build -tags callcost -ldflags=-checklinkname=0 -o "$w/pa" ./callcost &&
  if [ -n "${BEFORE:-}" ]; then GOFLAGS=-buildvcs=false "$BEFORE/bin/go" build -tags callcost -ldflags=-checklinkname=0 -o "$w/bf" ./callcost; fi) >&2
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
# the Go side alone: the fakesys layer (no kernel entry), patched sides and C
gcc -O2 -fPIC -shared -o "$w/fakesys.so" "$here/probe/callcost/c/fakesys.c" -ldl
gcc -O2 -o "$w/named" "$here/probe/callcost/c/named.c" -lpthread
fsides=${all#up }
: >"$w/fake"
for r in $(seq 1 "$rounds"); do
  for s in c $fsides; do
    if [ "$s" = c ]; then
      echo "$r c sys_nosys $(LD_PRELOAD=$w/fakesys.so "$w/named" sys_nosys "$fakeN")" >>"$w/fake"
    else
      for m in nosys g0nosys; do
        echo "$r $s $m $(LD_PRELOAD=$w/fakesys.so "$w/$s" "$m" "$fakeN")" >>"$w/fake"
      done
    fi
  done
done
: >"$w/fakeir"
if command -v valgrind >/dev/null; then
  for s in $fsides; do
    for m in nosys g0nosys; do
      LD_PRELOAD=$w/fakesys.so GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect="main.loop*" "$w/$s" "$m" "$cgn" >/dev/null 2>"$w/cg.err" || true
      echo "$s $m $(sed -nE 's/.*Collected : ([0-9]+).*/\1/p' "$w/cg.err")" >>"$w/fakeir"
    done
  done
  for m in sys_nosys sys_getpid getpid sys_read read sys_write write sys_epoll_pwait epoll_pwait sys_futex; do
    pre=; [ "$m" = sys_nosys ] && pre=$w/fakesys.so
    LD_PRELOAD=$pre valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="loop_*" \
      "$w/named" "$m" "$cgn" >/dev/null 2>"$w/cg.err" || true
    echo "c $m $(sed -nE 's/.*Collected : ([0-9]+).*/\1/p' "$w/cg.err")" >>"$w/fakeir"
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
    j = json.loads(js)
    ns.setdefault(m, {}).setdefault(int(r), {})[s] = (j.get("min_ns_per_call", j["ns_per_call"]), j["ns_per_call"])
ir = {}
for line in open(irf):
    m, s, v = line.split()
    if v != "nan":
        ir.setdefault(m, {}).setdefault(s, []).append(int(v) / cgn)
random.seed(1)
print(f"ns per call: {rounds} alternated rounds of {n} calls (pingpong: {int(n)//100} round trips), "
      "each run's fastest batch of 2000 (pingpong 20), median over the rounds "
      "[each run's mean in brackets]; instructions per call: callgrind, "
      f"{cgn} calls, median of the runs")
print()
hdr = ["mode", "upstream ns"] + [f"{name[s]} ns, − upstream (95 % CI)" for s in sides[1:]] + ["upstream instr"] + [f"{name[s]} instr (+)" for s in sides[1:]]
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
def ci(d):
    boot = sorted(st.median(random.choices(d, k=len(d))) for _ in range(2000))
    return boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
for m, byr in ns.items():
    rs = sorted(r for r in byr if all(s in byr[r] for s in sides))
    up = [byr[r]["up"][0] for r in rs]; upm = [byr[r]["up"][1] for r in rs]
    row = [m, f"{st.median(up):.1f} [{st.median(upm):.1f}]"]
    for s in sides[1:]:
        pa = [byr[r][s][0] for r in rs]; pam = [byr[r][s][1] for r in rs]
        d = [b - a for a, b in zip(up, pa)]; dm = [b - a for a, b in zip(upm, pam)]
        lo, hi = ci(d)
        row.append(f"{st.median(pa):.1f}, {st.median(d):+.1f} ({lo:+.1f} … {hi:+.1f}) [{st.median(pam):.1f}, {st.median(dm):+.1f}]")
    iu = ir.get(m, {}).get("up")
    row.append(f"{st.median(iu):.0f}" if iu else "-")
    for s in sides[1:]:
        ip = ir.get(m, {}).get(s)
        row.append(f"{st.median(ip):.0f} ({st.median(ip) - st.median(iu):+.0f})" if ip and iu else "-")
    print("| " + " | ".join(row) + " |")

# the Go side alone
fake = {}
for line in open(sys.argv[1].replace("/ns", "/fake")):
    r, s, m, js = line.split(" ", 3)
    j = json.loads(js)
    fake.setdefault((s, m), {})[int(r)] = j.get("min_ns_per_call", j["ns_per_call"])
fir = {}
for line in open(sys.argv[1].replace("/ns", "/fakeir")):
    p = line.split()
    if len(p) == 3 and p[2]:
        fir[(p[0], p[1])] = int(p[2]) / cgn
c = fake.get(("c", "sys_nosys"), {})
print()
print("Without the kernel (LD_PRELOAD fakesys.so: syscall(0x7fff) returns at once), "
      f"{rounds} alternated rounds: ns per call (fastest batch of 2000, median over the rounds); "
      "the C loop is a plain libc call")
print()
print("| path | ns (median) | − C loop ns (95 % CI) | instr | − C loop instr |")
print("|---|---|---|---|---|")
ci = fir.get(("c", "sys_nosys"))
print(f"| C: syscall(0x7fff) | {st.median(c.values()):.1f} | | {ci:.0f} | |" if c and ci else "| C | - | | | |")
for (s, m), byr in fake.items():
    if s == "c":
        continue
    rs = sorted(r for r in byr if r in c)
    d = [byr[r] - c[r] for r in rs]
    boot = sorted(st.median(random.choices(d, k=len(d))) for _ in range(2000))
    lo, hi = boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
    i = fir.get((s, m))
    print(f"| {name[s]}: {m} | {st.median(byr.values()):.1f} | {st.median(d):+.1f} ({lo:+.1f} … {hi:+.1f}) | "
          + (f"{i:.0f} | {i - ci:+.0f} |" if i and ci else "- | - |"))
print()
print("libc's named wrappers vs syscall(2), instructions per call (C loop, a second thread exists):")
print()
print("| call | syscall(SYS_…) | named |")
print("|---|---|---|")
for a in ["getpid", "read", "write", "epoll_pwait", "futex"]:
    x, y = fir.get(("c", "sys_" + a)), fir.get(("c", a))
    print(f"| {a} | {x:.0f} | " + (f"{y:.0f} |" if y else "no wrapper |") if x else f"| {a} | - | - |")
PY
