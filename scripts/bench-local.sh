#!/usr/bin/env bash
# Benchmarks crm-wasm's local datastore against the Parse JS SDK's (IndexedDB controller) in
# headless Chromium: pinAll of 10k deals and a local query, same page and run. Uses the test
# backend (started and stopped here) only to sign in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
trap 'bash "$root/backend/ctl.sh" stop test >/dev/null 2>&1 || true' EXIT INT TERM
bash backend/ctl.sh start test
node bench/run.mjs local "server=http://127.0.0.1:1437/parse"
