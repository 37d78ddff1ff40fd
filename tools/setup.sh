#!/usr/bin/env bash
# One-time machine set-up for a fresh Debian 12 machine (root): system packages the build and tests use,
# the npm dependencies, and a running Docker engine. Idempotent; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  docker.io docker-compose   # the engine (dockerd, legacy builder) and compose v1
  debootstrap                # offline base images
  docker-registry            # local registry for push/pull tests
  musl-tools                 # musl variant of the patched toolchain
  patchelf                   # attaching the sim extension to a binary
  binutils strace            # syscall scanner (objdump) and census (strace)
  chromium                   # report screenshot (headless)
  wrk                        # a second load generator for cross-checks
  busybox-static             # the tiny test image of compose-runner's integration tests
  gdb                        # std-test comparison (runtime gdb tests)
  asciinema                  # the README's demo recording (caddy:demo)
  libssl-dev                 # OpenSSL (libcrypto) for the file shield's storage layer
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup: missing packages ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) and rerun." >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# pinned Go tools from the Go module proxy (cosign, compose v2 as the docker CLI plugin, actionlint), built once
bash tools/go-tools.sh
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npx nx run image-builder:engine --outputStyle=stream
