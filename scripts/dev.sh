#!/usr/bin/env bash
# The README's first command: installs what is missing, starts PostgreSQL and Parse Server on
# loopback, seeds the demo user, builds the package and serves the React app. Ctrl-C stops all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
bash backend/ctl.sh start dev
trap 'bash "$root/backend/ctl.sh" stop dev' EXIT INT TERM
node backend/seed.js http://127.0.0.1:1337/parse
cat <<MSG

  crm-wasm is running:
    app          http://127.0.0.1:5173/
    REST API     http://127.0.0.1:1337/parse
    GraphQL      http://127.0.0.1:1337/graphql
    LiveQuery    ws://127.0.0.1:1337/parse
    demo user    demo / demo-password

MSG
cd www && npx vite --host 127.0.0.1 --port 5173 --strictPort
