#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web), installs www/'s packages, then
# finishes the package (crm-wasm/react, exports, README: scripts/package.mjs, rerunnable alone).
#   build.sh [release|dev]     default release (wasm-opt -Oz through binaryen from npm)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=${1:-release}
export PATH="$root/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd "$root"
if [ "$profile" = release ]; then
  echo "[build] wasm-pack build (release): the first one compiles every crate and runs wasm-opt, several minutes on a small machine, quietly"
else
  echo "[build] wasm-pack build ($profile)"
fi
started=$SECONDS
wasm-pack --quiet build --target web --"$profile" --mode no-install --out-dir pkg
echo "[build] wasm-pack done in $((SECONDS - started)) s"
stamp="$root/www/node_modules/.install-stamp"
if [ ! -f "$stamp" ] || [ "$root/www/package.json" -nt "$stamp" ]; then
  echo "[build] npm install in www/"
  (cd "$root/www" && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
echo "[build] the npm package: crm-wasm/react, exports, README (scripts/package.mjs)"
node "$root/scripts/package.mjs"
