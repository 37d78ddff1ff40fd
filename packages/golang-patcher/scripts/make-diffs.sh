#!/usr/bin/env bash
# Regenerate patches/<ver>/*.diff from an edited tree of GOROOT files.
# usage: make-diffs.sh ORIG_GOROOT EDITED_ROOT PATCH_DIR
#   EDITED_ROOT holds src/... copies of the modified files only.
set -euo pipefail
orig=$1 edited=$2 out=$3
mkdir -p "$out"
rm -f "$out"/*.diff
(cd "$edited" && find src -type f ! -path 'src/*/overlay/*' | sort) | while read -r f; do
  name=$(echo "$f" | sed 's#/#__#g').diff
  if diff -u -p --label "a/$f" --label "b/$f" "$orig/$f" "$edited/$f" >"$out/$name"; then
    rm -f "$out/$name"   # unchanged
  fi
done
ls "$out"/*.diff
