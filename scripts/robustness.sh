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
. scripts/test-backend.sh
start_test_backend /dev/null
if [ $# -gt 0 ]; then node --test "$@"; else node --test tests/robustness/; fi
