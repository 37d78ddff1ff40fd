#!/usr/bin/env bash
# Records a real run of the main job (caddy:bench, the target `npm run main` runs) in a terminal with asciinema and
# renders it to docs/demo.svg with svg-term. Pauses longer than 1.5 s are cut to 1.5 s (asciinema's idle limit);
# nothing else is edited. Nx prints one line per task here (dynamic-legacy style); the summary follows.
set -euo pipefail
cd "$(dirname "$0")/.."
cast=dist/apps/caddy/demo/main.cast
mkdir -p "$(dirname "$cast")"
NX_TUI=false asciinema rec --overwrite --quiet --idle-time-limit 1.5 --cols 100 --rows 30 \
  --command "npx nx run caddy:bench --parallel=1 --outputStyle=dynamic-legacy && cat dist/apps/caddy/bench/summary.txt" \
  "$cast" </dev/null
npx svg-term --in "$cast" --out docs/demo.svg --window --no-cursor --width 100 --height 30
echo "record-demo: $cast ($(wc -l <"$cast") events) → docs/demo.svg ($(wc -c <docs/demo.svg) bytes)"
