#!/usr/bin/env bash
# Run BINARY under the seccomp gate (gate.c): any system call whose instruction
# pointer is outside libc / ld.so / vDSO kills the process with SIGSYS.
# ASLR off (setarch -R) so exec'd copies map libc at the same addresses.
# usage: gate.sh BINARY [ARGS...]   exit status = the binary's (159 = SIGSYS)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
so=${GATE_SO:-$(mktemp -d)/gate.so}
[ -f "$so" ] || gcc -Wall -Werror -O2 -fPIC -shared -o "$so" "$here/gate.c"
exec setarch -R bash -c 'LD_PRELOAD="$0" exec "$@"' "$so" "$@"
