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
# libc entry points census.c interposes (strace -k prints libc's own names)
INTERPOSED = {"syscall": "syscall", "mmap": "mmap", "__mmap": "mmap", "mmap64": "mmap", "munmap": "munmap",
              "__munmap": "munmap", "sigaction": "sigaction", "__sigaction": "sigaction", "__libc_sigaction": "sigaction",
              "pthread_sigmask": "pthread_sigmask", "__pthread_sigmask": "pthread_sigmask", "pthread_create": "pthread_create",
              "clock_gettime": "clock_gettime", "__clock_gettime": "clock_gettime", "nanosleep": "nanosleep", "__nanosleep": "nanosleep",
              "pthread_getattr_np": "pthread_getattr_np"}
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
via, not_interposed, internal = collections.Counter(), collections.Counter(), collections.Counter()
for name, frames in events:
    if not frames: continue
    obj, fn = frames[0]
    by[f"{obj}:{fn}"] += 1
    if name == "rt_sigreturn":
        # strace unwinds after the call, from the restored (interrupted)
        # context; the instruction itself is libc's __restore_rt
        sigret[name] += 1; continue
    if obj == binname and not fn.startswith(("x_cgo_", "_cgo_", "__")):
        direct[f"{name}@{fn}"] += 1; continue
    # the libc function the program called: the frame just inside the first
    # frame that belongs to the program (Go code or its cgo C code)
    entry = None
    for i, (o, f2) in enumerate(frames):
        if o == binname or o.startswith("census"):
            entry = frames[i - 1] if i > 0 else None
            break
    if entry is None:
        internal[f"{name}@{frames[-1][0]}:{frames[-1][1]}"] += 1
    elif entry[1] in INTERPOSED:
        via[INTERPOSED[entry[1]]] += 1
    else:
        not_interposed[f"{name}@{entry[0]}:{entry[1]}"] += 1
total = sum(via.values()) + sum(not_interposed.values()) + sum(internal.values()) + sum(sigret.values())
print(json.dumps({"binary": binname, "syscalls_with_stack": sum(by.values()),
    "issued_from_go_code": sum(direct.values()), "go_code_sites": dict(direct.most_common(20)),
    "caused_by_interposed_libc_call": sum(via.values()), "by_interposed_entry": dict(via),
    "caused_by_other_libc_call": dict(not_interposed.most_common(20)),
    "libc_internal_no_program_frame": dict(internal.most_common(20)), "signal_return": sum(sigret.values()),
    "call_coverage_pct": round(100.0 * sum(via.values()) / max(1, total), 2),
    "by_innermost_frame": dict(by.most_common(25))}))
PY
