#!/usr/bin/env bash
# Benchmarks global search (the wasm SearchIndex) against the same search in plain JavaScript in
# headless Chromium, in the same page and run, over 10k deals + 10k contacts + 500 companies.
# Prints medians and JS/wasm ratios; the figures are also saved to target/bench/search.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
node bench/run.mjs search
