#!/usr/bin/env bash
# Count raw system-call instructions (syscall, sysenter, int $0x80) inside the
# Go text of an ELF binary; C code (libc, runtime/cgo C, static musl) excluded:
# a site counts only if its address lies inside a function of the Go pclntab.
# usage: scan-syscalls.sh [--require-zero] BINARY  -> {"binary":..., "raw_sites":N, "sites":[...], "non_go_sites":M}
#   --require-zero: exit 1 (after printing the report) when raw_sites is not 0
# env: GO (default: go on PATH, any version) used to run the scanner.
set -euo pipefail
require_zero=false
if [ "${1:-}" = --require-zero ]; then require_zero=true; shift; fi
bin=${1:?usage: scan-syscalls.sh [--require-zero] BINARY}
here=$(cd "$(dirname "$0")" && pwd)
go=${GO:-go}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/golang-patcher-scanner
mkdir -p "$cache"
if [ ! -x "$cache/scanner" ] || [ "$here/scanner/main.go" -nt "$cache/scanner" ]; then
  (cd "$here/scanner" && CGO_ENABLED=0 GOEXPERIMENT= GOFLAGS= GO111MODULE=off "$go" build -o "$cache/scanner" main.go)
fi
report=$(objdump -d --no-show-raw-insn -w "$bin" | awk '
  /^[0-9a-f]+ <.*>:$/ { sym=$2; gsub(/[<>:]/, "", sym); next }
  /^ *[0-9a-f]+:\t/ {
    line=$0; sub(/^ */, "", line); split(line, p, ":\t"); addr=p[1]; insn=p[2]
    gsub(/[ \t]+/, " ", insn); sub(/ *#.*$/, "", insn)
    if (insn ~ /^(syscall|sysenter)( |$)/ || insn ~ /^int \$0x80/) print addr, sym, insn
  }' | "$cache/scanner" "$bin")
echo "$report"
if $require_zero && ! grep -q '"raw_sites":0,' <<<"$report"; then
  echo "scan-syscalls: $bin has raw system-call instructions in Go code (see sites above)" >&2
  exit 1
fi
