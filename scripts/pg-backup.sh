#!/usr/bin/env bash
# PostgreSQL backup and restore for the crm-wasm database (README, "Scaling out").
#   pg-backup.sh dump    FILE [INSTANCE]   pg_dump's custom format (compressed, restorable object
#                                          by object); consistent while the servers keep writing
#   pg-backup.sh restore FILE [INSTANCE]   replaces the database's contents with FILE's
# INSTANCE picks the local database: dev (54337), test (54437), cluster (6350), cluster-test
# (6450); or set DATABASE_URI (postgres://user@host:port/db) for any other, e.g. production.
# A restore rewrites every table under running servers: stop the API instances first (or restart
# them after), since Parse caches the schema and sessions. Sessions and idempotency ids are part
# of the dump, so clients stay signed in.
set -euo pipefail
cmd=${1:?usage: pg-backup.sh dump|restore FILE [INSTANCE]}
file=${2:?usage: pg-backup.sh dump|restore FILE [INSTANCE]}
instance=${3:-dev}
pgbin=/usr/lib/postgresql/15/bin
if [ -z "${DATABASE_URI:-}" ]; then
  case "$instance" in
    dev) port=${PG_PORT:-54337} ;;
    test) port=${PG_PORT:-54437} ;;
    cluster) port=$(( ${CRM_CLUSTER_PORT:-6300} + 50 )) ;;
    cluster-test) port=$(( ${CRM_CLUSTER_PORT:-6400} + 50 )) ;;
    *) echo "unknown instance '$instance'" >&2; exit 2 ;;
  esac
  DATABASE_URI="postgres://postgres@127.0.0.1:$port/crm"
fi
case "$cmd" in
  dump)
    "$pgbin/pg_dump" --format=custom --no-owner --file="$file.partial" "$DATABASE_URI"
    mv "$file.partial" "$file"
    echo "[pg-backup] $(du -h "$file" | cut -f1) written to $file" ;;
  restore)
    [ -s "$file" ] || { echo "[pg-backup] no backup at $file" >&2; exit 1; }
    # One transaction: a restore that fails half-way leaves the database as it was.
    "$pgbin/pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error \
      --dbname="$DATABASE_URI" "$file"
    echo "[pg-backup] $file restored" ;;
  *) echo "usage: pg-backup.sh dump|restore FILE [INSTANCE]" >&2; exit 2 ;;
esac
