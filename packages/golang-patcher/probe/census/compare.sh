#!/usr/bin/env bash
# Census vs strace in ONE run: strace -f counts what the kernel sees, the
# census counts the system calls libc and ld.so issue (census.c). Coverage =
# sum over syscalls of min(census, strace) / sum(strace). Prints one JSON line.
# How the census gets in:
# - a dynamic binary: census-ld is its ELF interpreter (a copy of the binary
#   whose PT_INTERP names census-ld, which chains to the real ld.so), so the
#   loader's start-up is counted too;
# - --so census.so: LD_PRELOAD instead (start-up before its constructor unseen);
# - CENSUS_LINKED=1: census.o is already linked into the (static) binary.
# The census's trampoline lives at address 0: when vm.mmap_min_addr is not 0
# and we are root, it is set to 0 for the run and restored after.
# usage: compare.sh [--so census.so] BINARY [ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
so=""
if [ "${1:-}" = "--so" ]; then so=$2; shift 2; fi
bin=$1; orig=$1; shift
work=$(mktemp -d); mkdir -p "$work/dumps"
min_addr=$(cat /proc/sys/vm/mmap_min_addr)
restore() { [ "$min_addr" = 0 ] || sysctl -qw vm.mmap_min_addr="$min_addr" || true; rm -rf "$work"; }
trap restore EXIT
if [ "$min_addr" != 0 ] && ! sysctl -qw vm.mmap_min_addr=0 2>/dev/null; then
  echo "compare.sh: the census maps its trampoline at address 0: run as root or set vm.mmap_min_addr=0" >&2
  exit 2
fi
"$here/sites.sh" "$bin" >"$work/sites"
envs=(-E "CENSUS_OUT=$work/dumps/census" -E "CENSUS_SITES=$work/sites")
if [ -n "$so" ]; then
  envs+=(-E "LD_PRELOAD=$so")
elif [ "${CENSUS_LINKED:-0}" != 1 ]; then
  gcc -Wall -Werror -O2 -nostdlib -static-pie -fPIE -fno-stack-protector -o "$work/ld" "$here/census-ld.c"
  # same bytes but the interpreter's name (NUL-padded in place)
  cp "$bin" "$work/prog"; bin=$work/prog
  python3 - "$bin" "$work/ld" <<'PY'
import struct, sys
path, interp = sys.argv[1], sys.argv[2].encode()
with open(path, "r+b") as f:
    elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 32); phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    for i in range(phnum):
        ptype, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        if ptype == 3:  # PT_INTERP
            if len(interp) >= filesz: sys.exit(f"compare.sh: {sys.argv[2]} is longer than the PT_INTERP of {path}")
            f.seek(off); f.write(interp.ljust(filesz, b"\0")); break
    else:
        sys.exit(f"compare.sh: {path} has no PT_INTERP (static? then link census.o and set CENSUS_LINKED=1)")
PY
fi
set +e
strace -f -o "$work/strace.txt" "${envs[@]}" "$bin" "$@" >"$work/stdout" 2>"$work/stderr"
rc=$?
set -e
python3 - "$work/strace.txt" "$work/dumps" "$orig" "$rc" "$work/stdout" "$work/sites" <<'PY'
import json, os, re, sys, collections
trace, dumps, binary, rc, stdout, sites = sys.argv[1:7]
# strace -f: "PID name(args) = r", "PID name(args <unfinished ...>" then
# "PID <... name resumed>...": one call each. A process image is in start-up
# from its successful execve until the census opens $CENSUS_SITES (its set-up):
# what runs before (the dynamic loader, libc's initialisation) no libc-level
# layer can see. Fork children inherit a set-up census.
call = re.compile(r'^(\d+) +(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$')
s, startup, restarts = collections.Counter(), collections.Counter(), collections.Counter()
state = {}
first = True
for line in open(trace, errors="replace"):
    m = call.match(line.rstrip("\n"))
    if not m: continue
    pid, resumed, name = m.group(1), m.group(2), m.group(4)
    rest = m.group(3) if resumed else m.group(5)
    if name:
        if name == "open" and rest.startswith('"%s"' % sites): state[pid] = "active"
        # strace's own execve of the program is not the program's
        (startup if first or state.get(pid) == "startup" else s)[name] += 1
        first = False
    n = name or resumed
    # the kernel re-runs a call a signal interrupted (SA_RESTART): strace shows
    # a second call, libc made one
    if "= ? ERESTART" in rest: restarts[n] += 1
    if n in ("execve", "execveat") and re.search(r"= 0$", rest):
        state[pid] = "startup"
# the census's dumps: "name count" lines in $CENSUS_OUT.<pid>, one or more per process
c = collections.Counter()
for f in os.listdir(dumps):
    for line in open(os.path.join(dumps, f)):
        k, v = line.split(); c[k] += int(v)
# the census's own system calls are instrumentation, not the program's
selfc = {k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("census_self:")}
c = collections.Counter({k: v for k, v in c.items() if not k.startswith("census_self:")})
for k, v in selfc.items():
    s[k] = max(0, s[k] - v)
s = +s
def cov(strace):
    total = sum(strace.values())
    return round(100.0 * sum(min(v, c[k]) for k, v in strace.items()) / total, 2) if total else 0.0
everything = s + startup
missing = {k: v - c[k] for k, v in everything.items() if c[k] < v}
extra = {k: v - everything[k] for k, v in c.items() if v > everything[k]}
out = {"binary": binary, "exit": int(rc), "strace_total": sum(everything.values()), "census_total": sum(c.values()),
       "coverage_pct": cov(everything),
       "startup_before_census": sum(startup.values()), "coverage_after_startup_pct": cov(s),
       "census_self_removed": selfc, "missed_by_census": dict(sorted(missing.items(), key=lambda kv: -kv[1])),
       "startup_calls": dict(startup.most_common()), "kernel_restarts": dict(restarts),
       "census_not_in_strace": dict(sorted(extra.items(), key=lambda kv: -kv[1])),
       "census_counts": dict(c.most_common()), "strace_counts": dict(everything.most_common())}
try:
    out["probe_stdout_last"] = open(stdout).read().strip().splitlines()[-1]
except Exception:
    pass
print(json.dumps(out))
PY
