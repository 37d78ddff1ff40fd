#!/usr/bin/env bash
# Where does each system call come from? strace -f -k gives the user stack of
# every syscall; the innermost frame holds the SYSCALL instruction. Groups the
# run's syscalls by innermost frame (object:function) and reports how many
# were issued directly from the Go binary's own code (must be 0 when patched:
# the kernel entry is always inside libc/ld.so).
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
events = []  # (syscall name, [(obj, fn), ...] innermost first)
name, take = None, False
for line in open(trace, errors="replace"):
    m = ev.match(line)
    if m:
        name = m.group(1) or m.group(2); take = "unfinished" not in line
        if take: events.append((name, []))
        continue
    f = fr.match(line)
    if f and take and events:
        events[-1][1].append((f.group(1).rsplit("/", 1)[-1], f.group(2) or "?"))
by, direct, sigret = collections.Counter(), collections.Counter(), collections.Counter()
for name, frames in events:
    if not frames: continue
    obj, fn = frames[0]
    by[f"{obj}:{fn}"] += 1
    if name == "rt_sigreturn":
        # strace unwinds after the call, from the restored (interrupted)
        # context; the instruction itself is libc's __restore_rt
        sigret[name] += 1; continue
    if obj == binname and not fn.startswith(("x_cgo_", "_cgo_", "__")):
        direct[f"{name}@{fn}"] += 1
print(json.dumps({"binary": binname, "syscalls_with_stack": sum(by.values()),
    "issued_from_go_code": sum(direct.values()), "go_code_sites": dict(direct.most_common(20)),
    "signal_return": sum(sigret.values()), "by_innermost_frame": dict(by.most_common(25))}))
PY
