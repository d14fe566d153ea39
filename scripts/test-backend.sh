# Sourced by scripts/test.sh and scripts/robustness.sh: a fresh test backend (PostgreSQL +
# Parse Server on 127.0.0.1:1437) and the fault proxy in front of it (1438), both stopped when
# the sourcing script exits. Exports CRM_TEST_SERVER_URL, CRM_TEST_PROXY_URL and
# CRM_TEST_PROXY_WS. The ports can be moved (CRM_TEST_PARSE_PORT, CRM_TEST_PROXY_PORT,
# CRM_TEST_PG_PORT) so two checkouts can run their tests side by side.
#   start_test_backend PROXY_LOG
proxy_pid=
# The checkout this file is in, unless the sourcing script set it.
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
test_parse_port=${CRM_TEST_PARSE_PORT:-1437}
test_proxy_port=${CRM_TEST_PROXY_PORT:-1438}
export PARSE_PORT=$test_parse_port PG_PORT=${CRM_TEST_PG_PORT:-54437}
stop_test_backend() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  bash "$root/backend/ctl.sh" stop test >/dev/null 2>&1 || true
}
start_test_backend() {
  trap stop_test_backend EXIT INT TERM
  bash "$root/backend/ctl.sh" reset test
  bash "$root/backend/ctl.sh" start test
  export CRM_TEST_SERVER_URL=http://127.0.0.1:$test_parse_port/parse
  # Fault injection for the retry, exactly-once and reconnection tests.
  node "$root/tests/support/fault-proxy.mjs" "$test_proxy_port" "$test_parse_port" > "$1" 2>&1 &
  proxy_pid=$!
  export CRM_TEST_PROXY_URL=http://127.0.0.1:$test_proxy_port/parse
  export CRM_TEST_PROXY_WS=ws://127.0.0.1:$test_proxy_port/parse
}
