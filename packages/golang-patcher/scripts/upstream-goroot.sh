#!/usr/bin/env bash
# The upstream GOROOT of the release a patched GOROOT was built from (its VERSION file): the machine's Go when it
# is that release, else its golang.org/toolchain module from the Go module proxy (GOTOOLCHAIN). The default
# UPSTREAM_GOROOT of verify.sh, std-tests.sh, bench.sh and call-cost.sh, so both sides are always the same release.
# usage: upstream-goroot.sh PATCHED_GOROOT
set -euo pipefail
release=$(head -1 "${1:?usage: upstream-goroot.sh PATCHED_GOROOT}/VERSION")
case $release in go[0-9]*) ;; *) echo "upstream-goroot: $1/VERSION starts with \"$release\", expected a Go release such as go1.26.8" >&2; exit 1 ;; esac
goroot=$(GOTOOLCHAIN=$release go env GOROOT)
[ -x "$goroot/bin/go" ] || { echo "upstream-goroot: GOTOOLCHAIN=$release go env GOROOT gave \"$goroot\", which has no bin/go" >&2; exit 1; }
echo "$goroot"
