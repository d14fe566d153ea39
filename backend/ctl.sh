#!/usr/bin/env bash
# Starts and stops the backend: a PostgreSQL 15 cluster in backend/.data/<instance>/pg and Parse
# Server, both on 127.0.0.1. Instances keep separate data and ports so tests never touch the
# app's data:   dev  -> Parse 1337, Postgres 54337      test -> Parse 1437, Postgres 54437
# Parse Server runs under backend/supervise.js: a crash is written to .data/<instance>/crashes.log
# and the server restarted within seconds (the tests fail when that log is not empty).
# Usage: ctl.sh start|stop|kill-parse|crash-parse|restart-parse|status|reset|master-key|crashes|idempotency-cleanup [dev|test]
#        ctl.sh start|stop|status|crash NAME|... cluster|cluster-test   (backend/cluster.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-status}
instance=${2:-dev}
# The cluster (PostgreSQL, Redis, N Parse Server instances, LiveQuery, HAProxy): backend/cluster.sh.
case "$instance" in cluster|cluster-test) exec bash "$here/cluster.sh" "$@" ;; esac
case "$instance" in
  dev)  parse_port=${PARSE_PORT:-1337}; pg_port=${PG_PORT:-54337} ;;
  test) parse_port=${PARSE_PORT:-1437}; pg_port=${PG_PORT:-54437} ;;
  *) echo "unknown instance '$instance' (dev|test|cluster|cluster-test)" >&2; exit 2 ;;
esac
data="$here/.data/$instance"
pgdata="$data/pg"
pgbin=/usr/lib/postgresql/15/bin
db=crm
log() { printf '[backend:%s] %s\n' "$instance" "$*"; }

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

pg_running() { [ -f "$pgdata/postmaster.pid" ] && as_postgres "$pgbin/pg_ctl -D '$pgdata' status" >/dev/null 2>&1; }

start_pg() {
  mkdir -p "$data"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$pgdata"
    chmod 700 "$pgdata"
    as_postgres "$pgbin/initdb -D '$pgdata' -U postgres --auth=trust -E UTF8 --locale=C >/dev/null"
  fi
  if ! pg_running; then
    as_postgres "$pgbin/pg_ctl -D '$pgdata' -w -t 60 -o \"-p $pg_port -k '$pgdata' -c listen_addresses=127.0.0.1\" -l '$pgdata/log' start" >/dev/null
  fi
  if ! as_postgres "$pgbin/psql -h 127.0.0.1 -p $pg_port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1; then
    as_postgres "$pgbin/createdb -h 127.0.0.1 -p $pg_port -U postgres $db"
  fi
  # One query may not hold a connection for longer than this (an expensive query from a client
  # is cancelled with an error instead of starving everyone else).
  as_postgres "$pgbin/psql -h 127.0.0.1 -p $pg_port -U postgres -d $db -qc \"ALTER DATABASE $db SET statement_timeout = '${CRM_STATEMENT_TIMEOUT:-5s}'\"" >/dev/null
  log "PostgreSQL on 127.0.0.1:$pg_port"
}

parse_pid() { cat "$data/parse.pid" 2>/dev/null || true; }
child_pid() { cat "$data/parse-child.pid" 2>/dev/null || true; }
parse_running() { local p; p=$(parse_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

master_key() {
  # Generated once per data folder, kept out of git, never sent to a browser.
  if [ ! -s "$data/master.key" ]; then
    mkdir -p "$data"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/master.key"
    chmod 600 "$data/master.key"
  fi
  cat "$data/master.key"
}

start_parse() {
  if parse_running; then log "Parse Server already running (pid $(parse_pid))"; return; fi
  [ -d "$here/node_modules/parse-server" ] || (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
  log "starting Parse Server on 127.0.0.1:$parse_port"
  # The test instance: test-only Cloud Code hooks, and rate limits that every test, all from
  # 127.0.0.1, fits under (the security suite checks the real limits on a server of its own).
  # The dev instance: the app's address as dev.sh serves it, for the reset pages' link back.
  PARSE_PORT=$parse_port PARSE_MASTER_KEY=$(master_key) \
  DATABASE_URI="postgres://postgres@127.0.0.1:$pg_port/$db" \
  CRM_TEST_HOOKS=$([ "$instance" = test ] && echo 1 || echo 0) \
  CRM_RATE_LIMIT_SCALE=${CRM_RATE_LIMIT_SCALE:-$([ "$instance" = test ] && echo 1000 || echo 1)} \
  CRM_APP_URL=${CRM_APP_URL:-$([ "$instance" = dev ] && echo http://127.0.0.1:5173/)} \
  CRM_CRASH_LOG="$data/crashes.log" CRM_CHILD_PID_FILE="$data/parse-child.pid" \
  NODE_ENV=production PARSE_SILENT=${PARSE_SILENT:-1} PARSE_LOGS_FOLDER="$data/logs" PARSE_OUTBOX="$data/outbox.jsonl" \
    nohup node "$here/supervise.js" >>"$data/parse.log" 2>&1 &
  echo $! > "$data/parse.pid"
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$parse_port/parse/health" 2>/dev/null | grep -q '"ok"'; then
      log "Parse Server ready: http://127.0.0.1:$parse_port/parse"; return
    fi
    parse_running || { cat "$data/parse.log" >&2; log "Parse Server exited"; exit 1; }
    sleep 0.5
  done
  cat "$data/parse.log" >&2; log "Parse Server did not become healthy"; exit 1
}

stop_parse() {
  if parse_running; then
    kill "$(parse_pid)" 2>/dev/null || true
    for _ in $(seq 1 40); do parse_running || break; sleep 0.25; done
    parse_running && kill -9 "$(parse_pid)" 2>/dev/null || true
  fi
  # A server left behind by a supervisor that was killed outright.
  c=$(child_pid); [ -n "$c" ] && kill -0 "$c" 2>/dev/null && kill -9 "$c" 2>/dev/null || true
  rm -f "$data/parse.pid" "$data/parse-child.pid"
}

stop_all() {
  stop_parse
  if pg_running; then as_postgres "$pgbin/pg_ctl -D '$pgdata' -m fast -w stop" >/dev/null; fi
  log "stopped"
}

case "$cmd" in
  start) start_pg; start_parse ;;
  stop) stop_all ;;
  kill-parse)
    # A crash, not a shutdown: SIGKILL, so requests in flight die mid-way (fault-injection tests).
    # The supervisor goes first, so the server stays down until `start`.
    if parse_running; then kill -9 "$(parse_pid)"; for _ in $(seq 1 40); do parse_running || break; sleep 0.1; done; fi
    c=$(child_pid); [ -n "$c" ] && kill -9 "$c" 2>/dev/null || true
    rm -f "$data/parse.pid" "$data/parse-child.pid"
    log "Parse Server killed" ;;
  crash-parse)
    # The server alone dies (SIGKILL); the supervisor is expected to bring it back.
    c=$(child_pid); [ -n "$c" ] && kill -9 "$c" 2>/dev/null || true
    log "Parse Server process $c killed under its supervisor" ;;
  crashes)
    # Prints the crash log (empty when the server never crashed); exit 1 when there were any.
    if [ -s "$data/crashes.log" ]; then cat "$data/crashes.log"; exit 1; fi ;;
  idempotency-cleanup)
    c=$(child_pid); [ -n "$c" ] && kill -USR2 "$c" ;;
  restart-parse)
    stop_parse
    start_parse ;;
  reset)
    stop_all
    rm -rf "$pgdata"
    rm -f "$data/crashes.log"
    log "data removed" ;;
  status)
    pg_running && log "PostgreSQL running on $pg_port" || log "PostgreSQL stopped"
    parse_running && log "Parse Server running on $parse_port" || log "Parse Server stopped" ;;
  master-key) master_key ;;
  *) echo "usage: ctl.sh start|stop|kill-parse|crash-parse|restart-parse|reset|status|master-key|crashes|idempotency-cleanup [dev|test]" >&2; exit 2 ;;
esac
