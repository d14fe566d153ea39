#!/usr/bin/env bash
# The cluster tests (tests/cluster/, README "Scaling out"): a fresh cluster-test cluster
# (backend/cluster.sh: PostgreSQL, Redis, 2 Parse Server API instances, a LiveQuery process,
# HAProxy; ports from CRM_CLUSTER_PORT, 6400) stopped at exit, then
#   livequery   writes through either instance reach subscribers behind the balancer (ACL'd)
#   kill        an API instance SIGKILLed mid offline replay and mid 50-client load test
#   restarts    the LiveQuery process and Redis SIGKILLed while a client writes and listens
#   throughput  1, 2 and 4 API instances side by side (CRM_TP_INSTANCES, CRM_TP_SECONDS)
# Ends by checking that every crash the supervisors logged is one of the tests' own SIGKILLs.
#   cluster-test.sh [TEST_FILE...]     default: every file in tests/cluster/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/ensure-tools.sh
[ -f pkg/crm_wasm.js ] || bash scripts/build.sh release
export CRM_CLUSTER_PORT=${CRM_CLUSTER_PORT:-6400}
unset CRM_CLUSTER_API
trap 'bash backend/ctl.sh stop cluster-test >/dev/null 2>&1 || true' EXIT INT TERM
bash backend/ctl.sh reset cluster-test
bash backend/ctl.sh start cluster-test
# The browser pages (tests/robustness' harness) read the server's URL from here.
export CRM_TEST_SERVER_URL=http://127.0.0.1:$CRM_CLUSTER_PORT/parse
started=$(date +%s)
rc=0
if [ $# -gt 0 ]; then node --test --test-concurrency=1 "$@" || rc=$?
else node --test --test-concurrency=1 tests/cluster/ || rc=$?; fi
crashes="$root/backend/.data/cluster-test/crashes.log"
if [ -s "$crashes" ] && grep -v 'signal SIGKILL' "$crashes"; then
  echo "a cluster process exited on its own (above; backend/.data/cluster-test/crashes.log)"; echo "# fail 1"; rc=1
else
  echo "every supervised exit was a test's own SIGKILL ($(cat "$crashes" 2>/dev/null | wc -l) restarts)"; echo "# pass 1"
fi
echo "cluster tests took $(( $(date +%s) - started )) s"
exit "$rc"
