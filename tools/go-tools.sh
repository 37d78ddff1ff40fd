#!/usr/bin/env bash
# Pinned Go tools, built once from the Go module proxy into a cache folder outside the checkout
# (${CONFIDENTIAL_TOOLS:-$HOME/.cache/confidential-go/tools}/<tool>-<version>/), then linked where they are used:
#   cosign      signs and verifies the published golang images (key-based, by digest)
#   compose v2  the docker CLI plugin `docker compose` (~/.docker/cli-plugins/docker-compose)
#   actionlint  checks .github/workflows in the tests
#   pebble      Let's Encrypt's ACME test CA (static, with its test certificates in certs/): caddy's ACME run
# usage: go-tools.sh [cosign|compose|actionlint|pebble ...]   (default: all); prints nothing when everything is built.
# Idempotent: a tool is rebuilt only when its folder lacks the binary.
set -euo pipefail
cache=${CONFIDENTIAL_TOOLS:-$HOME/.cache/confidential-go/tools}
bin=$cache/bin
mkdir -p "$bin"

COSIGN_VERSION=v2.6.5
COMPOSE_VERSION=v2.40.3
ACTIONLINT_VERSION=v1.7.12
PEBBLE_VERSION=v2.10.3

built() { [ -x "$cache/$1/$2" ]; }

cosign() {
  built "cosign-$COSIGN_VERSION" cosign || {
    echo "go-tools: building cosign $COSIGN_VERSION (about 5 min on 2 cores)"
    GOBIN="$cache/cosign-$COSIGN_VERSION" GOFLAGS=-mod=mod nice -n 10 \
      go install "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION"
  }
  ln -sf "$cache/cosign-$COSIGN_VERSION/cosign" "$bin/cosign"
}

compose() {
  # `go install …@v2.40.3` is refused (its go.mod has exclude directives): build inside a writable copy of the module.
  built "compose-$COMPOSE_VERSION" docker-compose || {
    echo "go-tools: building compose $COMPOSE_VERSION (about 3 min on 2 cores)"
    dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    work=$(mktemp -d)
    trap 'chmod -R u+w "$work"; rm -rf "$work"' RETURN
    cp -r "$dir/." "$work/" && chmod -R u+w "$work"
    (cd "$work" && nice -n 10 go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o "$cache/compose-$COMPOSE_VERSION/docker-compose" ./cmd)
  }
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$cache/compose-$COMPOSE_VERSION/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
}

actionlint() {
  built "actionlint-$ACTIONLINT_VERSION" actionlint || {
    echo "go-tools: building actionlint $ACTIONLINT_VERSION"
    GOBIN="$cache/actionlint-$ACTIONLINT_VERSION" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  }
  ln -sf "$cache/actionlint-$ACTIONLINT_VERSION/actionlint" "$bin/actionlint"
}

pebble() {
  built "pebble-$PEBBLE_VERSION" pebble || {
    echo "go-tools: building pebble $PEBBLE_VERSION"
    GOBIN="$cache/pebble-$PEBBLE_VERSION" CGO_ENABLED=0 GOFLAGS=-trimpath go install "github.com/letsencrypt/pebble/v2/cmd/pebble@$PEBBLE_VERSION"
    dir=$(go mod download -json "github.com/letsencrypt/pebble/v2@$PEBBLE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    cp -r "$dir/test/certs" "$cache/pebble-$PEBBLE_VERSION/certs" && chmod -R u+w "$cache/pebble-$PEBBLE_VERSION/certs"
  }
  ln -sfn "$cache/pebble-$PEBBLE_VERSION" "$bin/pebble.d"
}

for t in "${@:-cosign compose actionlint pebble}"; do
  for one in $t; do
    case $one in
      cosign | compose | actionlint | pebble) "$one" ;;
      *) echo "go-tools: unknown tool $one (cosign, compose, actionlint, pebble)" >&2; exit 2 ;;
    esac
  done
done
