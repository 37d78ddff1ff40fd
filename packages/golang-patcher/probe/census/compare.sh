#!/usr/bin/env bash
# Census vs strace in ONE run: strace -f -c counts what the kernel sees, the
# census interposer (LD_PRELOAD, or linked in when CENSUS_LINKED=1) counts what
# the program asked libc for. Coverage = sum over syscalls of
# min(census, strace) / sum(strace). Prints one JSON line; details to stderr.
# usage: compare.sh [--so census.so] BINARY [ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
so=""
if [ "${1:-}" = "--so" ]; then so=$2; shift 2; fi
bin=$1; shift
work=$(mktemp -d); mkdir -p "$work/dumps"
trap 'rm -rf "$work"' EXIT
if [ -z "$so" ] && [ "${CENSUS_LINKED:-0}" != 1 ]; then
  so=$work/census.so
  gcc -Wall -Werror -O2 -fPIC -shared -o "$so" "$here/census.c" -ldl
fi
envs=(-E "CENSUS_OUT=$work/dumps/census")
[ -n "$so" ] && envs+=(-E "LD_PRELOAD=$so")
set +e
strace -f -c -o "$work/strace.txt" "${envs[@]}" "$bin" "$@" >"$work/stdout" 2>"$work/stderr"
rc=$?
set -e
# strace -c table: "% time seconds usecs/call calls [errors] syscall"
awk '$1 ~ /^[0-9.]+$/ && NF>=5 && $NF != "total" {print $NF, $4}' "$work/strace.txt" | sort >"$work/strace.counts"
shopt -s nullglob; dumps=("$work"/dumps/census.*); shopt -u nullglob
cat /dev/null "${dumps[@]}" | awk '{c[$1]+=$2} END {for (k in c) print k, c[k]}' | sort >"$work/census.counts"
python3 - "$work/strace.counts" "$work/census.counts" "$bin" "$rc" "$work/stdout" <<'PY'
import json, sys
# names that differ only by libc choice (glibc pthread_create uses clone3, musl
# clone; musl's open() is the open syscall, glibc's openat)
SAME = {"clone3": "clone", "open": "openat"}
def load(p):
    d = {}
    for line in open(p):
        k, v = line.split()
        pre, _, base = k.rpartition(":")
        k = (pre + ":" if pre else "") + SAME.get(base, base)
        d[k] = d.get(k, 0) + int(v)
    return d
s, c = load(sys.argv[1]), load(sys.argv[2])
# the census's own dump syscalls are instrumentation, not the program's
selfc = {k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("census_self:")}
c = {k: v for k, v in c.items() if not k.startswith("census_self:")}
for k, v in selfc.items():
    if k in s: s[k] = max(0, s[k] - v)
# calls libc serves without a system call (vDSO) are not comparable with strace
vdso = {k: c.pop(k) for k in list(c) if "vdso" in k or "libc call" in k}
total = sum(s.values())
seen = sum(min(v, c.get(k, 0)) for k, v in s.items())
missing = {k: v - c.get(k, 0) for k, v in s.items() if c.get(k, 0) < v}
extra = {k: v - s.get(k, 0) for k, v in c.items() if v > s.get(k, 0)}
out = {"binary": sys.argv[3], "exit": int(sys.argv[4]), "strace_total": total, "census_total": sum(c.values()),
       "coverage_pct": round(100.0 * seen / total, 2) if total else 0.0,
       "census_self_removed": selfc, "libc_vdso_calls": vdso, "missed_by_census": dict(sorted(missing.items(), key=lambda kv: -kv[1])),
       "census_not_in_strace": dict(sorted(extra.items(), key=lambda kv: -kv[1]))}
try:
    out["probe_stdout_last"] = open(sys.argv[5]).read().strip().splitlines()[-1]
except Exception:
    pass
print(json.dumps(out))
PY
