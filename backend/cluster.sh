#!/usr/bin/env bash
# The backend as a cluster on loopback (README, "Scaling out"): PostgreSQL, Redis, N Parse Server
# API instances (server.js, sharing Parse's caches, LiveQuery pub/sub and the account rate limits
# through Redis), one LiveQuery process (server.js with the LiveQuery server, fed by Redis
# pub/sub) and HAProxy in front: one URL for clients, REST spread round-robin over the API
# instances, WebSockets carried to the LiveQuery process, instances health-checked every second
# and taken out when they fail. Every process runs under backend/supervise.js (restarted on a
# crash; crashes are written to .data/<instance>/crashes.log). Called by ctl.sh:
#   ctl.sh start|stop|status|crash NAME|crashes|reset|master-key cluster|cluster-test
# Ports: a block from CRM_CLUSTER_PORT (cluster 6300, cluster-test 6400): balancer +0, API
# instance i +10+i, LiveQuery +30, Redis +40, PostgreSQL +50, HAProxy's stats page +5. CRM_CLUSTER_API=N instances (2).
# Process names (for `crash`): pg, redis, api1..apiN, livequery, haproxy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-status}
instance=${2:-cluster}
case "$instance" in
  cluster) base=${CRM_CLUSTER_PORT:-6300} ;;
  cluster-test) base=${CRM_CLUSTER_PORT:-6400} ;;
  *) echo "unknown cluster instance '$instance' (cluster|cluster-test)" >&2; exit 2 ;;
esac
n_api=${CRM_CLUSTER_API:-2}
[[ "$n_api" =~ ^[1-8]$ ]] || { echo "CRM_CLUSTER_API must be 1..8" >&2; exit 2; }
balancer_port=$base
lq_port=$((base + 30))
redis_port=$((base + 40))
pg_port=$((base + 50))
api_port() { echo $((base + 10 + $1)); }
data="$here/.data/$instance"
pgdata="$data/pg"
pgbin=/usr/lib/postgresql/15/bin
db=crm
node_bin=$(command -v node)
log() { printf '[cluster:%s] %s\n' "$instance" "$*"; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

# secret NAME: a random hex secret kept in $data/NAME (mode 600), made the first time.
secret() {
  if [ ! -s "$data/$1" ]; then
    mkdir -p "$data"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/$1"
    chmod 600 "$data/$1"
  fi
  cat "$data/$1"
}
master_key() { secret master.key; }
# Redis holds Parse's cache (users by session token) and the rate-limit counters: any local
# process could read or reset them without a password, so it has one, kept like the master key
# and handed to redis-server in a private config file (never on a command line `ps` shows).
redis_password() { secret redis.key; }

sup_pid() { cat "$data/run/$1.pid" 2>/dev/null || true; }
child_pid() { cat "$data/run/$1.child.pid" 2>/dev/null || true; }
running() { local p; p=$(sup_pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
names() { echo pg redis; for i in $(seq 1 "$n_api"); do echo "api$i"; done; echo livequery haproxy; }
# Every name that has a pid file (stop finds instances started with another CRM_CLUSTER_API).
started_names() { ls "$data/run" 2>/dev/null | sed -n 's/^\([a-z0-9]*\)\.pid$/\1/p'; }

# supervise NAME [ENV=VALUE...] -- COMMAND [ARG...]
supervise() {
  local name=$1; shift
  if running "$name"; then log "$name already running (pid $(sup_pid "$name"))"; return; fi
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  mkdir -p "$data/run" "$data/logs"
  env "${envs[@]}" CRM_SUPERVISE_NAME="$name" CRM_CRASH_LOG="$data/crashes.log" \
    CRM_CHILD_PID_FILE="$data/run/$name.child.pid" \
    nohup "$node_bin" "$here/supervise.js" "$@" >>"$data/logs/$name.log" 2>&1 &
  echo $! > "$data/run/$name.pid"
}

wait_for() { # wait_for NAME SECONDS TEST-COMMAND...
  local name=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    running "$name" || { tail -n 30 "$data/logs/$name.log" >&2; log "$name exited"; exit 1; }
    sleep 0.25
  done
  tail -n 30 "$data/logs/$name.log" >&2; log "$name did not become ready in $secs s"; exit 1
}
healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$1/parse/health" | grep -q '"ok"'; }

start_pg() {
  mkdir -p "$data"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$pgdata"
    chmod 700 "$pgdata"
    as_postgres "$pgbin/initdb -D '$pgdata' -U postgres --auth=trust -E UTF8 --locale=C >/dev/null"
  fi
  local ids=()
  [ "$(id -u)" = 0 ] && ids=(CRM_SUPERVISE_UID="$(id -u postgres)" CRM_SUPERVISE_GID="$(id -g postgres)")
  supervise pg "${ids[@]}" -- "$pgbin/postgres" -D "$pgdata" -p "$pg_port" -k "$pgdata" \
    -c listen_addresses=127.0.0.1 -c max_connections=300
  wait_for pg 60 "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"
  if ! as_postgres "$pgbin/psql -h 127.0.0.1 -p $pg_port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1; then
    as_postgres "$pgbin/createdb -h 127.0.0.1 -p $pg_port -U postgres $db"
  fi
  as_postgres "$pgbin/psql -h 127.0.0.1 -p $pg_port -U postgres -d $db -qc \"ALTER DATABASE $db SET statement_timeout = '${CRM_STATEMENT_TIMEOUT:-5s}'\"" >/dev/null
  log "PostgreSQL on 127.0.0.1:$pg_port"
}

start_redis() {
  mkdir -p "$data/redis"
  (umask 077; printf 'requirepass %s\n' "$(redis_password)" > "$data/redis/redis.conf")
  # Redis holds caches, pub/sub and rate-limit counters: nothing to keep across a restart.
  supervise redis -- "$(command -v redis-server)" "$data/redis/redis.conf" --port "$redis_port" --bind 127.0.0.1 \
    --daemonize no --save '' --appendonly no --dir "$data/redis" --loglevel warning
  REDISCLI_AUTH=$(redis_password) wait_for redis 20 redis-cli --no-auth-warning -p "$redis_port" ping
  log "Redis on 127.0.0.1:$redis_port"
}

parse_env() { # parse_env PORT LIVEQUERY(0|1) NAME
  local scale=1 hooks=0
  [ "$instance" = cluster-test ] && { scale=1000; hooks=1; }
  echo PARSE_PORT="$1" PARSE_MASTER_KEY="$(master_key)" \
    DATABASE_URI="postgres://postgres@127.0.0.1:$pg_port/$db" \
    CRM_REDIS_URL="redis://:$(redis_password)@127.0.0.1:$redis_port" CRM_LIVEQUERY="$2" CRM_TRUST_PROXY=127.0.0.1 \
    CRM_TEST_HOOKS=$hooks CRM_RATE_LIMIT_SCALE="${CRM_RATE_LIMIT_SCALE:-$scale}" \
    NODE_ENV=production PARSE_SILENT="${PARSE_SILENT:-1}" PARSE_LOGS_FOLDER="$data/logs/$3" \
    PARSE_OUTBOX="$data/outbox.jsonl"
}

start_api() { # start_api I
  # shellcheck disable=SC2046
  supervise "api$1" $(parse_env "$(api_port "$1")" 0 "api$1") -- "$node_bin" "$here/server.js"
}

start_livequery() {
  # shellcheck disable=SC2046
  supervise livequery $(parse_env "$lq_port" 1 livequery) -- "$node_bin" "$here/server.js"
}

haproxy_config() {
  cat <<CFG
# Generated by backend/cluster.sh for the '$instance' cluster; edit the script, not this file.
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  timeout http-keep-alive 10s
  # The client's address for the instances' rate limits (they trust it from 127.0.0.1 only).
  option forwardfor
  # A request whose connection to an instance fails goes to another one.
  retries 2
  option redispatch
# Which instances are up, as HAProxy sees them (loopback; the cluster tests read it).
frontend stats
  bind 127.0.0.1:$((base + 5))
  stats enable
  stats uri /stats
  stats refresh 5s
frontend crm
  bind 127.0.0.1:$balancer_port
  acl websocket hdr(Upgrade) -i websocket
  use_backend livequery if websocket
  default_backend api
backend api
  balance roundrobin
  option httpchk GET /parse/health
  http-check expect status 200
  # A dead instance refuses connections and is out after 3 failed checks (about 1.5 s); a
  # busy one gets 5 s to answer its check, so load alone does not take it out.
  timeout check 5s
  default-server inter 1s fastinter 500ms downinter 1s fall 3 rise 2
CFG
  for i in $(seq 1 "$n_api"); do echo "  server api$i 127.0.0.1:$(api_port "$i") check"; done
  cat <<CFG
backend livequery
  option httpchk GET /parse/health
  http-check expect status 200
  timeout check 5s
  default-server inter 1s fastinter 500ms downinter 1s fall 3 rise 2
  server livequery 127.0.0.1:$lq_port check
CFG
}

start_haproxy() {
  haproxy_config > "$data/haproxy.cfg"
  haproxy -c -q -f "$data/haproxy.cfg"
  supervise haproxy -- "$(command -v haproxy)" -db -f "$data/haproxy.cfg"
  wait_for haproxy 30 healthy "$balancer_port"
  log "HAProxy on 127.0.0.1:$balancer_port"
}

start_all() {
  command -v redis-server >/dev/null && command -v haproxy >/dev/null \
    || { log "redis-server or haproxy missing: run scripts/ensure-tools.sh"; exit 1; }
  [ -d "$here/node_modules/parse-server" ] || (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
  start_pg
  start_redis
  # The first instance alone applies the schema and creates the manager role; then the rest.
  start_api 1
  wait_for api1 120 healthy "$(api_port 1)"
  for i in $(seq 2 "$n_api"); do start_api "$i"; done
  start_livequery
  for i in $(seq 2 "$n_api"); do wait_for "api$i" 120 healthy "$(api_port "$i")"; done
  wait_for livequery 120 healthy "$lq_port"
  log "$n_api API instances on 127.0.0.1:$(api_port 1)..$(api_port "$n_api"), LiveQuery on 127.0.0.1:$lq_port"
  start_haproxy
  log "ready: http://127.0.0.1:$balancer_port/parse (LiveQuery ws://127.0.0.1:$balancer_port/parse)"
}

stop_one() { # stop_one NAME [SIGNAL]
  local name=$1 sig=${2:-TERM} p c
  p=$(sup_pid "$name")
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -"$sig" "$p" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
  fi
  c=$(child_pid "$name")
  [ -n "$c" ] && kill -0 "$c" 2>/dev/null && kill -9 "$c" 2>/dev/null || true
  rm -f "$data/run/$name.pid" "$data/run/$name.child.pid"
}

stop_all() {
  stop_one haproxy
  for name in $(started_names); do
    case "$name" in api*|livequery) stop_one "$name" & ;; esac
  done
  wait
  stop_one redis
  # SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
  stop_one pg INT
  log "stopped"
}

case "$cmd" in
  start) start_all ;;
  stop) stop_all ;;
  restart) stop_all; start_all ;;
  status)
    for name in $(names); do
      if running "$name"; then log "$name running (supervisor $(sup_pid "$name"), process $(child_pid "$name"))"
      else log "$name stopped"; fi
    done
    healthy "$balancer_port" && log "balancer healthy: http://127.0.0.1:$balancer_port/parse" || log "balancer not answering" ;;
  crash)
    # A crash: SIGKILL to the process under its supervisor, which is expected to restart it.
    name=${3:?usage: ctl.sh crash NAME $instance}
    c=$(child_pid "$name")
    [ -n "$c" ] && kill -9 "$c" && log "$name (process $c) killed under its supervisor" || { log "$name is not running"; exit 1; } ;;
  crashes)
    if [ -s "$data/crashes.log" ]; then cat "$data/crashes.log"; exit 1; fi ;;
  reset)
    stop_all
    rm -rf "$pgdata" "$data/redis" "$data/logs" "$data/crashes.log" "$data/outbox.jsonl"
    log "data removed" ;;
  master-key) master_key ;;
  ports) echo "balancer=$balancer_port api=$(for i in $(seq 1 "$n_api"); do printf '%s,' "$(api_port "$i")"; done | sed 's/,$//') livequery=$lq_port redis=$redis_port pg=$pg_port" ;;
  *) echo "usage: ctl.sh start|stop|restart|status|crash NAME|crashes|reset|master-key|ports cluster|cluster-test" >&2; exit 2 ;;
esac
