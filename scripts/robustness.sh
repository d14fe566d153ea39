#!/usr/bin/env bash
# The reliability and security tests on their own: the bad-input table, fault injection (Parse
# killed mid-replay, dropped answers, 5xx, IndexedDB quota and blocked databases), two-user
# security and the load test, against a fresh test backend and the fault proxy (both stopped at
# exit). scripts/test.sh runs them too.
#   robustness.sh [TEST_FILE...]     default: every file in tests/robustness/
#   CRM_LOAD_CLIENTS=100 CRM_LOAD_WRITES=200 robustness.sh tests/robustness/load.test.mjs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-tools.sh
bash scripts/build.sh release
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  bash "$root/backend/ctl.sh" stop test >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
bash backend/ctl.sh reset test
bash backend/ctl.sh start test
node tests/support/fault-proxy.mjs 1438 1437 >/dev/null 2>&1 &
proxy_pid=$!
export CRM_TEST_SERVER_URL=http://127.0.0.1:1437/parse CRM_TEST_PROXY_URL=http://127.0.0.1:1438/parse
if [ $# -gt 0 ]; then node --test "$@"; else node --test tests/robustness/; fi
