#!/usr/bin/env bash
# The workflow files in .github/workflows, checked by actionlint (pinned, built by tools/go-tools.sh; its
# shellcheck integration is used when shellcheck is installed). First a broken workflow must be refused, so a
# linter that checks nothing cannot pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/go-tools.sh actionlint
lint=${CONFIDENTIAL_TOOLS:-$HOME/.cache/confidential-go/tools}/bin/actionlint
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
mkdir -p "$bad/.github/workflows"
printf 'on: push\njobs:\n  x:\n    runs-on: [self-hosted, debian-12]\n    steps:\n      - run: echo ${{ matrix.nothing }}\n' >"$bad/.github/workflows/bad.yml"
if (cd "$bad" && "$lint" -color=false >/dev/null 2>&1); then echo "lint-workflows: actionlint accepted a broken workflow" >&2; exit 1; fi
"$lint" -color=false -config-file .github/actionlint.yaml
echo "lint-workflows: $(ls .github/workflows | wc -l) workflow files pass actionlint"
