#!/usr/bin/env bash
# The SYSCALL instructions census.c rewrites, as "<object> <hex vaddr> <hex
# file offset>" lines: those of the binary itself (object MAIN, the census's
# own code excluded) and, for a dynamic binary, of every library it loads and
# of its ELF interpreter (object = basename, as dl_iterate_phdr and the open
# calls name them). From objdump's disassembly, so only real instruction
# boundaries are listed; the file offset comes from the PT_LOAD holding the
# address (census-ld and dlopen rewrite a library when it is mapped).
# usage: sites.sh BINARY > sites.txt
set -euo pipefail
bin=$1
list() { # object file
  python3 - "$1" "$2" <<'PY'
import re, subprocess, sys
obj, path = sys.argv[1:3]
loads = [tuple(int(x, 16) for x in m.groups()) for m in re.finditer(
    r"^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)",
    subprocess.run(["readelf", "-lW", path], capture_output=True, text=True, check=True).stdout, re.M)]
fn = ""
for line in subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True, check=True).stdout.splitlines():
    m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
    if m: fn = m.group(1); continue
    f = line.split()
    if len(f) >= 2 and f[1] == "syscall" and not fn.startswith("census_"):
        va = int(f[0].rstrip(":"), 16)
        off = next(o + va - v for o, v, fs in loads if v <= va < v + fs)
        print(f"{obj} {va:x} {off:x}")
PY
}
list MAIN "$bin"
if readelf -l "$bin" | grep -q 'Requesting program interpreter'; then
  ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u | while read -r lib; do
    list "$(basename "$lib")" "$(readlink -f "$lib")"
  done
fi
