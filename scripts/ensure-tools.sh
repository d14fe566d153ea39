#!/usr/bin/env bash
# Installs every tool the project needs on a fresh Debian machine of this kind, skipping what is
# already there. Safe to run again and again; both README commands call it first.
#   ensure-tools.sh            everything (build, backend, browsers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[ensure-tools] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_missing=()
need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
need_apt chromium
need_apt chromium-driver
need_apt firefox-esr
need_apt postgresql-15
# The cluster mode (backend/cluster.sh): Redis and the load balancer.
need_apt redis-server
need_apt haproxy
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "apt: installing ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-pack --version 2>/dev/null | grep -q '0.15.1'; then
  log "cargo: installing wasm-pack 0.15.1"
  cargo install wasm-pack --version 0.15.1 --locked
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly, or wasm-pack tries a download.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock" 2>/dev/null || true)
want=${want:-0.2.130}
if ! wasm-bindgen --version 2>/dev/null | grep -q " $want"; then
  log "cargo: installing wasm-bindgen-cli $want"
  # Not --locked: its lockfile names a webpki-roots version the registry lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if ! command -v geckodriver >/dev/null 2>&1; then
  log "cargo: installing geckodriver"
  cargo install geckodriver --locked
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  log "cargo: installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

# npm packages: backend (parse-server), tests (playwright-core), scripts (binaryen's wasm-opt).
# www/ depends on the built pkg/, so scripts/build.sh installs it after building.
for dir in backend tests scripts bench; do
  if [ -f "$root/$dir/package.json" ]; then
    stamp="$root/$dir/node_modules/.install-stamp"
    if [ ! -f "$stamp" ] || [ "$root/$dir/package.json" -nt "$stamp" ] \
       || { [ -f "$root/$dir/package-lock.json" ] && [ "$root/$dir/package-lock.json" -nt "$stamp" ]; }; then
      log "npm: installing $dir/"
      (cd "$root/$dir" && npm install --no-audit --no-fund --loglevel=error)
      touch "$stamp"
    fi
  fi
done
log "all tools present"
