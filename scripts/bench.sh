#!/usr/bin/env bash
# crm-wasm against the official Parse JS SDK, side by side in headless Chromium, plus the bundle
# sizes and the pipeline engine against plain JS. Starts (and stops) the test backend, seeds its
# own user and data, and writes BENCHMARKS.md and BENCHMARKS.json at the repo root.
#   bench.sh [--quick]     --quick: fewer samples and smaller data (a smoke run, not for quoting)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
trap 'bash "$root/backend/ctl.sh" stop test >/dev/null 2>&1 || true' EXIT INT TERM
bash backend/ctl.sh start test
node bench/compare.mjs "server=http://127.0.0.1:1437/parse" "$@"
