#!/usr/bin/env bash
# Two machines that share only the Nx cache server and the registry (docs/benchmarks.md, "Beyond one machine"):
#   A = this checkout, B = a fresh clone with its own empty local Nx cache. Between the two, the engine loses the
#   app's images, as a second machine's engine would not have them. B must take every target from the shared cache,
#   build nothing, and run caddy's e2e with the images pulled by digest.
# Needs: the set-up done (tools/setup.sh), Debian's docker-registry, the packages built.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/two-machines.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
cport=$(free_port)
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$rport }
YML
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 & pids+=($!)
npx nx run nx-cache:build --outputStyle=static >/dev/null
NX_CACHE_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') && export NX_CACHE_TOKEN
node packages/nx-cache/dist/cli.js serve --registry "http://127.0.0.1:$rport" --port "$cport" >"$work/cache.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$rport/v2/" >/dev/null && curl -s "http://127.0.0.1:$cport/" >/dev/null && break; sleep 0.2; done
export CONFIDENTIAL_REGISTRY=127.0.0.1:$rport NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http://127.0.0.1:$cport
export NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=$NX_CACHE_TOKEN NX_DAEMON=false NX_TUI=false

echo "== machine A: empty Nx cache (the engine keeps its layer cache), pushes images and cache entries"
t=$SECONDS
NX_CACHE_DIRECTORY="$work/cache-a" npx nx run-many -t image -p caddy cas-policy --outputStyle=static >"$work/a.log" 2>&1 || { tail -30 "$work/a.log"; exit 1; }
a=$((SECONDS - t))
grep -E "Nx read the output|Successfully ran" "$work/a.log" | sed 's/^/  A /'

echo "== machine B: a fresh clone, its own empty Nx cache; the engine loses the app's images"
git clone -q "$root" "$work/b"
(cd "$work/b" && npm ci --prefer-offline --no-audit --no-fund >/dev/null 2>&1)
for ref in confidential/caddy:dev confidential/caddy-native:dev confidential/golang:1.26.8-bookworm confidential/cas-sim:dev; do
  docker image rm -f "$ref" "$CONFIDENTIAL_REGISTRY/$ref" >/dev/null 2>&1 || true
done
t=$SECONDS
(cd "$work/b" && NX_CACHE_DIRECTORY="$work/cache-b" npx nx run-many -t image -p caddy cas-policy --outputStyle=static >"$work/b.log" 2>&1) || { tail -30 "$work/b.log"; exit 1; }
b=$((SECONDS - t))
hits=$(grep -c "remote cache" "$work/b.log" || true)
grep -E "^> nx run" "$work/b.log" | sed 's/^/  B /'
# tasks that ran on B (engine and base-images are never cached: they only make sure an engine and the bases are there)
ran=$(grep -E "^> nx run " "$work/b.log" | grep -v "cache\]" | grep -vcE "image-builder:(engine|base-images)" || true)
t=$SECONDS
(cd "$work/b" && NX_CACHE_DIRECTORY="$work/cache-b" npx nx run caddy:e2e --outputStyle=static >"$work/e2e.log" 2>&1) || { tail -30 "$work/e2e.log"; exit 1; }
e=$((SECONDS - t))
pulls=$(grep -c "is not in the engine: pulling" "$work/e2e.log" || true)
echo "two-machines: A (empty Nx cache) caddy:image + cas-policy:image ${a}s; B the same ${b}s with ${hits} remote cache hits and ${ran} other tasks run; B caddy:e2e ${e}s with ${pulls} images pulled by digest"
grep -E "RESULT|SUMMARY" "$work/e2e.log" | tail -2
