#!/usr/bin/env bash
# Benchmarks the wasm Pipeline against a plain JavaScript pipeline in headless Chromium, in the
# same page and run, on 10k and 100k generated deals. Prints medians and JS/wasm ratios; the
# figures are also saved to target/bench/pipeline.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
node bench/run.mjs pipeline
