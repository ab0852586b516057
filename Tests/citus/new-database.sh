#!/usr/bin/env bash
# new-database.sh NAME: makes NAME a Citus database on the cluster of Tests/citus/run.sh
# (CITUS_COORDINATOR_PORT, CITUS_WORKER_PORTS; user admin, trust) and prints its URL on the
# coordinator. Creates it on every node with the extension, and adds the workers; a database
# that is already set up is left as it is.
set -euo pipefail
name=$1
coordinator=${CITUS_COORDINATOR_PORT:?}
sql() {  # Citus notes that it does not propagate CREATE DATABASE: this script does it.
    local port=$1 db=$2; shift 2
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U admin -d "$db" "$@"
}
for port in $coordinator $CITUS_WORKER_PORTS; do
    if [ -z "$(sql "$port" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
        sql "$port" postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    fi
    sql "$port" "$name" -c "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null 2>&1 \
        || sql "$port" "$name" -c "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
done
sql "$coordinator" "$name" -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" >/dev/null
for port in $CITUS_WORKER_PORTS; do
    sql "$coordinator" "$name" -c "SELECT citus_add_node('127.0.0.1', $port) WHERE NOT EXISTS (
        SELECT 1 FROM pg_dist_node WHERE nodename = '127.0.0.1' AND nodeport = $port)" >/dev/null
done
echo "postgres://admin@127.0.0.1:$coordinator/$name?sslmode=disable"
