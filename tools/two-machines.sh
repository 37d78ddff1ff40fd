#!/usr/bin/env bash
# Two machines that share only the Nx cache server and the registry (docs/benchmarks.md, "Beyond one machine"):
#   A = a fresh clone of HEAD and the machine's engine, with an empty local Nx cache: builds and pushes the images.
#   B = a fresh clone with its own empty local Nx cache and its own engine: a second dockerd (own data root, no
#       images) reached over loopback TCP through DOCKER_HOST. B must take every target from the shared cache,
#       build nothing (every image its engine ends up with was pulled by digest), and pass caddy's e2e.
# Needs: the set-up done (tools/setup.sh), root (a second dockerd), Debian's docker-registry.
# Run by `nx run nx-cache:e2e` (the test command). Exit ≠ 0 when any of that does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/two-machines.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
cport=$(free_port)
eport=$(free_port)
pool=10.230.0.0/16
bridge=tmb$$
pids=()
rule=()
cleanup() {
  if [ -f "$work/engine-b.pid" ]; then
    pid=$(cat "$work/engine-b.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if ((${#rule[@]})); then iptables -D "${rule[@]}" 2>/dev/null || true; fi
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$rport }
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 & pids+=($!)
npx nx run nx-cache:build --outputStyle=static >/dev/null
NX_CACHE_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') && export NX_CACHE_TOKEN
node packages/nx-cache/dist/cli.js serve --registry "http://127.0.0.1:$rport" --port "$cport" >"$work/cache.log" 2>&1 & pids+=($!)

# engine B: its own default bridge (never --bridge=none: a daemon started so deletes the machine's docker0) and no
# iptables of its own (the machine's engine owns those); its networks come from a pool of their own, which the
# machine's FORWARD policy is told to let through between B's containers
ip link add "$bridge" type bridge && ip addr add 10.231.0.1/24 dev "$bridge" && ip link set "$bridge" up
dockerd --data-root "$work/engine-b/data" --exec-root "$work/engine-b/exec" --pidfile "$work/engine-b.pid" \
  -H "tcp://127.0.0.1:$eport" --bridge="$bridge" --iptables=false --ip-masq=false \
  --default-address-pool "base=$pool,size=24" >"$work/engine-b.log" 2>&1 &
if iptables -L DOCKER-USER -n >/dev/null 2>&1; then
  rule=(DOCKER-USER -s 10.230.0.0/15 -d 10.230.0.0/15 -j ACCEPT)
  iptables -I "${rule[@]}"
fi
engine_b=tcp://127.0.0.1:$eport
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$rport/v2/" >/dev/null && curl -s "http://127.0.0.1:$cport/" >/dev/null &&
    DOCKER_HOST=$engine_b docker version >/dev/null 2>&1 && break
  sleep 0.3
done
DOCKER_HOST=$engine_b docker version --format 'engine B: Docker {{.Server.Version}} at '"$engine_b" || { tail -20 "$work/engine-b.log"; exit 1; }
export CONFIDENTIAL_REGISTRY=127.0.0.1:$rport NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http://127.0.0.1:$cport
export NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=$NX_CACHE_TOKEN NX_DAEMON=false NX_TUI=false
# the inner clones have their own empty caches (NX_CACHE_DIRECTORY); an inherited NX_SKIP_NX_CACHE=true (a cold run of
# the test command) would also skip the remote cache under test, and machine B would rebuild the toolchain (make.bash)
unset NX_SKIP_NX_CACHE

# both machines check out the same commit (what is not committed is on neither)
for m in a b; do
  git clone -q "$root" "$work/$m"
  (cd "$work/$m" && npm ci --prefer-offline --no-audit --no-fund >/dev/null 2>&1)
done

# what caddy:e2e needs built: caddy, the policy service, and go-httpbin (session.peers: the session binds its binary's
# measurement, so caddy:policy depends on go-httpbin:sign). A target B has to build on its own would be a miss, and
# engine B reaches no network (an apt-get there hangs until it times out): B is bounded by timeouts.
projects=(caddy cas-policy go-httpbin)
echo "== machine A: a fresh clone, empty Nx cache (the machine's engine keeps its layer cache), pushes images and cache entries"
t=$SECONDS
(cd "$work/a" && NX_CACHE_DIRECTORY="$work/cache-a" npx nx run-many -t image bench-image -p "${projects[@]}" --outputStyle=static >"$work/a.log" 2>&1) || { tail -30 "$work/a.log"; exit 1; }
a=$((SECONDS - t))

echo "== machine B: a fresh clone, its own empty Nx cache, its own engine (DOCKER_HOST=$engine_b)"
export DOCKER_HOST=$engine_b
t=$SECONDS
(cd "$work/b" && NX_CACHE_DIRECTORY="$work/cache-b" timeout 600 npx nx run-many -t image bench-image -p "${projects[@]}" --outputStyle=static >"$work/b.log" 2>&1) || { tail -30 "$work/b.log"; echo "two-machines: B's image targets failed or ran past 600 s (B only pulls; a build on B has no network)" >&2; exit 1; }
b=$((SECONDS - t))
plain() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }   # Nx colours its output even into a file
hits=$(plain "$work/b.log" | grep -c "remote cache" || true)
plain "$work/b.log" | grep -E "^> nx run" | sed 's/^/  B /' || true
# tasks that ran on B (engine only makes sure an engine answers: never cached)
ran=$(plain "$work/b.log" | grep -E "^> nx run " | grep -v "cache\]" | grep -vcE "image-builder:engine" || true)
t=$SECONDS
(cd "$work/b" && NX_CACHE_DIRECTORY="$work/cache-b" timeout 900 npx nx run caddy:e2e --outputStyle=static >"$work/e2e.log" 2>&1) || { tail -30 "$work/e2e.log"; echo "two-machines: B's caddy:e2e failed or ran past 900 s" >&2; exit 1; }
e=$((SECONDS - t))
pulls=$(plain "$work/e2e.log" | grep -c "is not in the engine: pulling" || true)
# every image engine B holds came from the registry (a built image has no repository digest)
built=0
for id in $(docker image ls -q | sort -u); do
  if [ "$(docker image inspect --format '{{len .RepoDigests}}' "$id")" = 0 ]; then built=$((built + 1)); fi
done
images=$(docker image ls -q | sort -u | wc -l)
unset DOCKER_HOST
plain "$work/e2e.log" | grep -E "RESULT|SUMMARY" | tail -2 || true
echo "two-machines: A (empty Nx cache) image + bench-image of ${projects[*]} ${a}s; B the same ${b}s with ${hits} remote cache hits and ${ran} other tasks run; B caddy:e2e ${e}s with ${pulls} images pulled by digest; engine B holds ${images} images, ${built} built there"
[ "$ran" = 0 ] || { echo "two-machines: B ran $ran tasks that A had cached" >&2; exit 1; }
[ "$built" = 0 ] && [ "$pulls" -ge 2 ] || { echo "two-machines: engine B built $built images and pulled $pulls (expected 0 built, the app and policy images pulled)" >&2; exit 1; }
