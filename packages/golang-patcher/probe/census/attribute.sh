#!/usr/bin/env bash
# Where does each system call come from? strace -f -k gives the user stack of
# every syscall; the innermost frame holds the SYSCALL instruction. Groups the
# run's syscalls by innermost frame (object:function) and reports how many
# were issued directly from the Go binary's own code (must be 0 when patched:
# the kernel entry is always inside libc/ld.so). Evidence for compare.sh's
# "missed_by_census" list (ld.so startup, libc-internal calls, signal return).
# usage: attribute.sh BINARY [ARGS...]   (LD_PRELOAD/CENSUS_* env passed through)
set -euo pipefail
bin=$1; shift
t=$(mktemp); trap 'rm -f "$t"' EXIT
strace -f -k -o "$t" "$bin" "$@" >/dev/null 2>&1 || true
python3 - "$t" "$(basename "$bin")" <<'PY'
import re, sys, json, collections
trace, binname = sys.argv[1], sys.argv[2]
ev = re.compile(r'^\d+ +(?:<\.\.\. (\w+) resumed>|(\w+)\()')
fr = re.compile(r'^ > (\S+?)\(([^)+]*)')
by, name, first = collections.Counter(), None, True
direct, sigret = collections.Counter(), collections.Counter()
for line in open(trace, errors="replace"):
    m = ev.match(line)
    if m:
        name = m.group(1) or m.group(2); first = "unfinished" not in line
        continue
    f = fr.match(line)
    if f and name and first:
        obj = f.group(1).rsplit("/", 1)[-1]; fn = f.group(2) or "?"
        by[f"{obj}:{fn}"] += 1
        # rt_sigreturn: strace unwinds after the call, i.e. from the restored
        # (interrupted) context; the instruction itself is libc's __restore_rt.
        if name == "rt_sigreturn":
            sigret[obj] += 1
        elif obj == binname and not fn.startswith(("x_cgo_", "_cgo_", "__")):
            direct[f"{name}@{fn}"] += 1
        first = False
print(json.dumps({"binary": binname, "syscalls_with_stack": sum(by.values()),
                  "issued_from_go_code": sum(direct.values()), "go_code_sites": dict(direct.most_common(20)), "rt_sigreturn_restored_context": dict(sigret),
                  "by_innermost_frame": dict(by.most_common(40))}))
PY
