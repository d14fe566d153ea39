#!/usr/bin/env bash
# The README's first command: installs what is missing, starts PostgreSQL and Parse Server on
# loopback, seeds the demo user, builds the package and serves the React app. Ctrl-C stops all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
bash backend/ctl.sh start dev
playground_pid=
vite_pid=
trap 'for p in $vite_pid $playground_pid; do kill "$p" 2>/dev/null || true; done; bash "$root/backend/ctl.sh" stop dev' EXIT INT TERM
node backend/seed.js http://127.0.0.1:1337/parse postgres://postgres@127.0.0.1:54337/crm
# The API playground (Parse Dashboard with REST and GraphQL consoles): dev only, loopback only.
PARSE_MASTER_KEY=$(bash backend/ctl.sh master-key dev) node scripts/playground.mjs > backend/.data/dev/playground.log 2>&1 &
playground_pid=$!
for _ in $(seq 1 40); do curl -fs -o /dev/null http://127.0.0.1:4040/login && break; sleep 0.25; done
# The app's dev server; the address is printed once it answers, and after its first page (which
# makes Vite pre-bundle the dependencies) has been asked for, so the first visit does not race it.
(cd www && exec ./node_modules/.bin/vite --host 127.0.0.1 --port 5173 --strictPort) &
vite_pid=$!
for _ in $(seq 1 240); do curl -fs -o /dev/null http://127.0.0.1:5173/ && break; sleep 0.5; done
curl -fs -o /dev/null --max-time 120 http://127.0.0.1:5173/src/main.tsx || true
cat <<MSG

  crm-wasm is running:
    app          http://127.0.0.1:5173/
    REST API     http://127.0.0.1:1337/parse
    GraphQL      http://127.0.0.1:1337/graphql
    LiveQuery    ws://127.0.0.1:1337/parse
    playground   http://127.0.0.1:4040/  (Parse Dashboard, REST and GraphQL consoles)
                 user admin, password $(cat backend/.data/dev/playground.pass 2>/dev/null || echo '(see backend/.data/dev/playground.log)')
    demo user    demo / demo-password
    colleagues   alex, sam (same password): each sees the demo deals assigned to them

MSG
wait "$vite_pid"
