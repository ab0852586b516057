#!/usr/bin/env bash
# make test-citus: Correlator on a three-node Citus cluster on this machine. Starts a
# coordinator and two workers (throwaway PostgreSQL clusters with shared_preload_libraries =
# 'citus'), adds the workers, then runs against the coordinator:
#   1. `correlator migrate` twice: the first distributes the tables, the second does nothing;
#   2. EXPLAIN of the trace lookups: which are router queries (one shard), which fan out;
#   3. the storage tests (the Swift tests of CorrelatorTests and HTTPTests, which use
#      TestDatabase: every test database is a Citus database over the same workers);
#   4. the end-to-end suites of Tests/e2e (but foundation.sh and faults.sh, which test the
#      embedded cluster's own lifecycle and PostgreSQL crashes), each on a fresh database.
# Needs the Citus extension installed for the PostgreSQL server; says how to get it when not.
#
# `run.sh --check` only checks that PostgreSQL and Citus are installed (make test-citus runs it
# before building). PG_CONFIG (pg_config) picks the PostgreSQL; CITUS_SHARD_COUNT (4) shards per
# distributed table; CITUS_SKIP="swift e2e" skips parts; CITUS_E2E="traces.sh replicas.sh" runs
# only those suites.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/Tests/citus
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/debug/correlator}
SHARDS=${CITUS_SHARD_COUNT:-4}
SKIP=${CITUS_SKIP:-}

PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || ls /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -1)}
if ! PGBIN=$("$PG_CONFIG" --bindir 2>/dev/null) || [ ! -x "$PGBIN/initdb" ]; then
    echo "test-citus: PostgreSQL's pg_config, initdb and pg_ctl not found (apt-get install postgresql postgresql-server-dev-all, or set PG_CONFIG)" >&2
    exit 2
fi
PG_VERSION=$("$PGBIN/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
LIBDIR=$("$PG_CONFIG" --pkglibdir)
SHAREDIR=$("$PG_CONFIG" --sharedir)
if [ ! -f "$LIBDIR/citus.so" ] || [ ! -f "$SHAREDIR/extension/citus.control" ]; then
    cat >&2 <<EOF
test-citus: the Citus extension is not installed for PostgreSQL $PG_VERSION
  (no $LIBDIR/citus.so or $SHAREDIR/extension/citus.control).
Citus is not packaged by Debian. Install it from Citus's own packages
(https://docs.citusdata.com/en/stable/installation/single_node_debian.html), or build it
from source against this server:
  - the server's headers at the server's exact version (postgresql-server-dev-$PG_VERSION
    pinned to the installed postgresql-$PG_VERSION), liblz4-dev, libzstd-dev, libkrb5-dev;
  - git clone https://github.com/citusdata/citus; check out a release that supports
    PostgreSQL $PG_VERSION (v13.2.2 is the newest for 15; v14 needs 16 or later);
  - ./configure --without-libcurl && make && make install.
Then run make test-citus again. (make test does not need Citus.)
EOF
    exit 2
fi
[ "${1:-}" = --check ] && exit 0
[ -x "$CORRELATOR_BIN" ] || { echo "test-citus: $CORRELATOR_BIN not built (swift build --product correlator)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/correlator-citus.XXXXXX)
chmod 755 "$TMP"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$TMP"
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
NODES=(coordinator worker1 worker2)
declare -A PORT
stop_nodes() {
    for node in "${NODES[@]}"; do
        [ -f "$TMP/$node/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$TMP/$node" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$TMP"
}
trap stop_nodes EXIT

echo "test-citus: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), Citus $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SHAREDIR/extension/citus.control"); coordinator and two workers under $TMP"
for node in "${NODES[@]}"; do
    PORT[$node]=$(free_port)
    as_pg "$PGBIN/initdb" -D "$TMP/$node" -U admin --auth=trust -E UTF8 --locale=C >"$TMP/$node.initdb.log" 2>&1 \
        || { echo "initdb of $node failed:"; cat "$TMP/$node.initdb.log"; exit 1; }
    cat >>"$TMP/$node/postgresql.conf" <<EOF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = ${PORT[$node]}
unix_socket_directories = '$TMP'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
citus.shard_count = $SHARDS
max_prepared_transactions = 200
EOF
    as_pg "$PGBIN/pg_ctl" -D "$TMP/$node" -l "$TMP/$node.log" -w start >/dev/null \
        || { echo "$node did not start:"; tail -20 "$TMP/$node.log"; exit 1; }
done
COORDINATOR_URL="postgres://admin@127.0.0.1:${PORT[coordinator]}/postgres?sslmode=disable"
psql_on() { local port=$1 db=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U admin -d "$db" "$@"; }

# The admin database becomes a Citus database too: the tests read the topology from it.
export CITUS_COORDINATOR_PORT=${PORT[coordinator]} CITUS_WORKER_PORTS="${PORT[worker1]} ${PORT[worker2]}"
"$HERE/new-database.sh" postgres >/dev/null || { echo "test-citus: could not set up the cluster"; exit 1; }
psql_on "${PORT[coordinator]}" postgres -At -c \
    "SELECT 'test-citus: nodes ' || string_agg(nodename || ':' || nodeport || CASE WHEN groupid = 0 THEN ' (coordinator)' ELSE '' END, ', ' ORDER BY groupid) FROM pg_dist_node"

PASSED=0; FAILED=0; FAILURES=()
result() {  # result NAME STATUS
    if [ "$2" -eq 0 ]; then PASSED=$((PASSED + 1)); echo "  ok   $1"; else FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "  FAIL $1"; fi
}

# 1. correlator migrate: distributes, then finds nothing to do.
echo "== correlator migrate on the coordinator"
MIGRATE_URL=$("$HERE/new-database.sh" migrate_check)
"$CORRELATOR_BIN" migrate --database-url "$MIGRATE_URL" --log-level warning >"$TMP/migrate1.out" 2>&1
status=$?; sed 's/^/    /' "$TMP/migrate1.out"
result "first migrate distributes the tables" $(( status != 0 || $(grep -c '^  distributed spans by trace_id' "$TMP/migrate1.out") != 1 ))
"$CORRELATOR_BIN" migrate --database-url "$MIGRATE_URL" --log-level warning >"$TMP/migrate2.out" 2>&1
status=$?; sed 's/^/    /' "$TMP/migrate2.out"
result "second migrate is a no-op" $(( status != 0 || $(grep -c 'citus: every table already placed, nothing to do' "$TMP/migrate2.out") != 1 ))
psql_on "${PORT[coordinator]}" migrate_check -At -F ' ' -c "
    SELECT 'placement:', logicalrelid::text, CASE partmethod WHEN 'h' THEN 'hash by ' || column_to_column_name(logicalrelid, partkey) ELSE 'reference' END,
           'colocation ' || colocationid
    FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid WHERE NOT c.relispartition ORDER BY colocationid, 2" | sed 's/^/    /'

# 2. The trace lookups, as the routes run them, with EXPLAIN.
echo "== EXPLAIN of the trace lookups"
bash "$HERE/router.sh" "${PORT[coordinator]}" migrate_check "$TMP"
result "trace lookups: spans by trace id is a router query, the others as documented" $?

# 3. The storage tests.
if [[ " $SKIP " != *" swift "* ]]; then
    echo "== storage tests (swift test, CORRELATOR_TEST_DATABASE_URL = the coordinator)"
    ( cd "$ROOT" && CORRELATOR_TEST_DATABASE_URL=$COORDINATOR_URL swift test --skip-build \
        --filter 'CorrelatorTests|HTTPTests' ) >"$TMP/swift-test.log" 2>&1
    status=$?
    grep -E '^✘|error:|recorded an issue|Test run with|tests? passed|failed' "$TMP/swift-test.log" | tail -60 | sed 's/^/    /'
    cp "$TMP/swift-test.log" "${CITUS_SWIFT_LOG:-/tmp/correlator-citus-swift-test.log}"
    result "storage tests (log: ${CITUS_SWIFT_LOG:-/tmp/correlator-citus-swift-test.log})" $status
fi

# 4. The end-to-end suites, each on its own database.
if [[ " $SKIP " != *" e2e "* ]]; then
    export CORRELATOR_E2E_DATABASE=$HERE/new-database.sh CORRELATOR_BIN
    for suite in ${CITUS_E2E:-$(cd "$ROOT/Tests/e2e" && ls *.sh)}; do
        case $suite in foundation.sh|faults.sh) continue ;; esac
        echo "== e2e $suite"
        bash "$ROOT/Tests/e2e/$suite"
        result "e2e $suite" $?
    done
fi

echo "test-citus: $PASSED passed, $FAILED failed${FAILURES:+ (${FAILURES[*]})}"
[ "$FAILED" -eq 0 ]
