#!/usr/bin/env bash
# make test-citus: Correlator on a three-node Citus cluster on this machine. Starts a
# coordinator and two workers (throwaway PostgreSQL clusters with shared_preload_libraries =
# 'citus'), adds the workers, then runs against the coordinator:
#   1. `correlator migrate` twice: the first distributes the tables, the second does nothing;
#   2. EXPLAIN of the trace lookups: which are router queries (one shard), which fan out;
#   3. the storage tests (the Swift tests of CorrelatorTests and HTTPTests, which use
#      TestDatabase: every test database is a Citus database over the same workers);
#   4. the end-to-end suites of Tests/e2e (but foundation.sh, faults.sh and demo.sh, which test the
#      embedded cluster's own lifecycle, PostgreSQL crashes and make demo), each on a fresh database.
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

source "$HERE/cluster.bash"
citus_check || exit 2
[ "${1:-}" = --check ] && exit 0
[ -x "$CORRELATOR_BIN" ] || { echo "test-citus: $CORRELATOR_BIN not built (make build CONFIG=debug)" >&2; exit 2; }

echo "test-citus: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), Citus $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SHAREDIR/extension/citus.control"); coordinator and two workers under $CLUSTER_TMP"
start_citus_cluster || { echo "test-citus: could not set up the cluster"; exit 1; }
TMP=$CLUSTER_TMP
COORDINATOR_URL="postgres://admin@127.0.0.1:${PORT[coordinator]}/postgres?sslmode=disable"
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
        case $suite in foundation.sh|faults.sh|demo.sh) continue ;; esac
        echo "== e2e $suite"
        bash "$ROOT/Tests/e2e/$suite"
        result "e2e $suite" $?
    done
fi

echo "test-citus: $PASSED passed, $FAILED failed${FAILURES:+ (${FAILURES[*]})}"
[ "$FAILED" -eq 0 ]
