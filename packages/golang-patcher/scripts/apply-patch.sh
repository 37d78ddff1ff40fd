#!/usr/bin/env bash
# Produce a patched GOROOT (GOEXPERIMENT=libcsyscall: every syscall through libc).
# usage: apply-patch.sh GOROOT_SRC DEST [PATCH_DIR]
#   GOROOT_SRC  an upstream Go installation (e.g. /usr/local/go), also the bootstrap
#   DEST        new directory for the patched GOROOT (must not exist, or be empty)
#   PATCH_DIR   default: patches/go<major.minor of GOROOT_SRC> next to this script
# env: CC (default gcc; musl variant: musl-gcc), NICE (default "nice -n 10"),
#      SKIP_MAKE=1 to stop after applying (check only), CHECK_ONLY=1 to only dry-run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: apply-patch.sh GOROOT_SRC DEST [PATCH_DIR]}
dest=${2:?usage: apply-patch.sh GOROOT_SRC DEST [PATCH_DIR]}
src=$(cd "$src" && pwd)
ver=$(head -n1 "$src/VERSION")                     # e.g. go1.26.8
minor=$(echo "$ver" | sed -E 's/^(go[0-9]+\.[0-9]+).*/\1/')
pdir=${3:-$here/patches/$minor}
cc=${CC:-gcc}
nice_cmd=${NICE:-nice -n 10}
[ -d "$pdir" ] || { echo "apply-patch: no patch folder for $ver ($pdir)" >&2; exit 2; }
command -v patch >/dev/null || { echo "apply-patch: 'patch' is required" >&2; exit 2; }

# 1. check every diff against the pristine source, one by one, with hunk detail
fail=0
for d in "$pdir"/*.diff; do
  out=$(patch --dry-run -p1 -d "$src" -f <"$d" 2>&1) || {
    fail=1
    echo "apply-patch: $(basename "$d") does not apply to $ver:" >&2
    echo "$out" | sed 's/^/    /' >&2
    # name the failing hunks with their header line
    echo "$out" | sed -nE 's/^Hunk #([0-9]+) FAILED.*/\1/p' | while read -r h; do
      hdr=$(awk -v n="$h" '/^@@/{c++; if(c==n){print; exit}}' "$d")
      echo "    hunk #$h: $hdr" >&2
    done
  }
done
for f in $(cd "$pdir/overlay" && find . -type f | sed 's#^\./##'); do
  if [ -e "$src/$f" ]; then echo "apply-patch: overlay file $f already exists in $ver" >&2; fail=1; fi
done
[ "$fail" = 0 ] || { echo "apply-patch: patch $pdir does not fit $ver; make a new patch folder" >&2; exit 1; }
echo "apply-patch: all $(ls "$pdir"/*.diff | wc -l) diffs apply cleanly to $ver"
[ "${CHECK_ONLY:-0}" = 1 ] && exit 0

# 2. copy, apply diffs and overlay
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then echo "apply-patch: $dest exists and is not empty" >&2; exit 1; fi
mkdir -p "$dest"
cp -a "$src/." "$dest/"
rm -rf "$dest/pkg/obj" "$dest/bin" "$dest/pkg/tool"
for d in "$pdir"/*.diff; do patch -p1 -d "$dest" -f -s --no-backup-if-mismatch <"$d"; done
cp -r "$pdir/overlay/." "$dest/"
# the patch's identity: every diff and every overlay file (path and content), in a stable order
patch_id=$(cd "$pdir" && find . -type f \( -name '*.diff' -o -path './overlay/*' \) | LC_ALL=C sort | while read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-12)
echo "${ver} +confidential-libcsyscall ${patch_id}" >"$dest/PATCHED"
[ "${SKIP_MAKE:-0}" = 1 ] && exit 0

# 3. build the toolchain itself normally (cgo off, experiment off), bootstrapped by the original
start=$(date +%s)
( cd "$dest/src" && env -u GOEXPERIMENT -u GOFLAGS GOROOT_BOOTSTRAP="$src" CGO_ENABLED=0 GOTOOLCHAIN=local \
    $nice_cmd bash ./make.bash )
echo "apply-patch: make.bash took $(( $(date +%s) - start ))s"

# 4. patched defaults for users: a plain `go build` uses libc for every syscall
ccpath=$(command -v "$cc" || echo "$cc")
{
  echo ""
  echo "# confidential golang-patcher: every system call through libc (linux/amd64)"
  echo "GOEXPERIMENT=libcsyscall"
  echo "CGO_ENABLED=1"
  echo "CC=$ccpath"
  echo "GOTOOLCHAIN=local"
} >>"$dest/go.env"
"$dest/bin/go" env GOEXPERIMENT CGO_ENABLED CC
