#!/usr/bin/env bash
# The SYSCALL instructions census.c rewrites, as "<object> <hex vaddr>" lines:
# those of the binary itself (object MAIN, the census's own code excluded) and,
# for a dynamic binary, of every library it loads and of its ELF interpreter
# (object = basename, as dl_iterate_phdr names them). From objdump's
# disassembly, so only real instruction boundaries are listed.
# usage: sites.sh BINARY > sites.txt
set -euo pipefail
bin=$1
list() { # object file
  objdump -d --no-show-raw-insn "$2" | awk -v obj="$1" '
    /^[0-9a-f]+ <.*>:$/ { fn = $2; next }
    $2 == "syscall" && fn !~ /^<census_/ { sub(":", "", $1); print obj, $1 }'
}
list MAIN "$bin"
if readelf -l "$bin" | grep -q 'Requesting program interpreter'; then
  ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u | while read -r lib; do
    list "$(basename "$lib")" "$(readlink -f "$lib")"
  done
fi
