#!/usr/bin/env bash
# router.sh PORT DATABASE TMPDIR: EXPLAINs the lookups of one trace (and of one profile and one
# exemplar series) as the routes run them, prepared with bound parameters, on a migrated Citus
# database; prints each plan and checks how many shards each reads:
#   router (1 task):  spans by trace id; profiles, profile_functions and span_profiles by profile
#                     id; exemplars by series
#   fan-out (1 task per shard, an index scan each): span_profiles and exemplars by trace id
#                     (neither key holds the trace id; see CitusDistribution.swift)
set -uo pipefail
port=$1 db=$2 tmp=$3
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U admin -d "$db" "$@"; }
shards=$(psql_db -At -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'spans'::regclass")
# Some rows (2,000 traces of 5 spans, their span rows and exemplars, today), analyzed, so the
# shards' plans are those of a store with data rather than of empty tables.
psql_db >/dev/null <<'SQL'
INSERT INTO spans (tenant, trace_id, span_id, service, name, start_ts, start_unix_nano, duration_ns)
SELECT 'default', decode(lpad(to_hex(t), 32, '0'), 'hex'), decode(lpad(to_hex(t * 8 + s), 16, '0'), 'hex'), 'api', 'GET /',
       now() - t * interval '1 second', (extract(epoch FROM now() - t * interval '1 second') * 1e9)::bigint, 1000000
FROM generate_series(1, 2000) t, generate_series(1, 5) s;
INSERT INTO span_profiles (tenant, profile_id, start_ts, span_id, trace_id, totals)
SELECT 'default', 'p' || (t % 100), now() - (t % 100) * interval '1 second', decode(lpad(to_hex(t * 8 + 1), 16, '0'), 'hex'),
       decode(lpad(to_hex(t), 32, '0'), 'hex'), '{1}'
FROM generate_series(1, 2000) t;
INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id)
SELECT 'default', now() - t * interval '1 second', t % 50, 0.5, decode(lpad(to_hex(t), 32, '0'), 'hex')
FROM generate_series(1, 2000) t;
ANALYZE spans; ANALYZE span_profiles; ANALYZE exemplars;
SQL
trace="'\\x000000000000000000000000000004d2'::bytea"  # trace 1234
failed=0

explain() {  # explain NAME EXPECTED_TASKS PREPARE_SQL EXECUTE_ARGS
    local name=$1 expected=$2 statement=$3 args=$4
    psql_db -At >"$tmp/explain.out" 2>&1 <<SQL
PREPARE q AS $statement;
EXPLAIN (COSTS OFF) EXECUTE q($args);
SQL
    local tasks; tasks=$(sed -n 's/.*Task Count: \([0-9]*\).*/\1/p' "$tmp/explain.out" | head -1)
    local kind="router (1 shard)"; [ "$expected" != 1 ] && kind="fan-out ($expected shards)"
    if [ "$tasks" = "$expected" ]; then
        echo "  ok   $name: $kind"
    else
        echo "  FAIL $name: expected $kind, got Task Count ${tasks:-none}"
        failed=1
    fi
    sed 's/^/         /' "$tmp/explain.out"
}

explain "spans by trace id (GET /api/v1/traces/{id}, Tempo's trace by id)" 1 \
    "SELECT span_id, parent_span_id, service, name, start_unix_nano, duration_ns FROM spans
     WHERE tenant = \$1 AND trace_id = \$2 ORDER BY start_unix_nano, span_id" \
    "'default', $trace"
explain "span_profiles by profile id (span breakdown of a profile)" 1 \
    "SELECT span_id, trace_id, totals FROM span_profiles WHERE tenant = \$1 AND profile_id = \$2" \
    "'default', 'c0ffee'"
explain "profile_functions by profile id (a profile's top functions)" 1 \
    "SELECT function_id, flat, cum FROM profile_functions WHERE tenant = \$1 AND profile_id = \$2 AND start_ts = \$3
     ORDER BY flat DESC LIMIT 20" \
    "'default', 'c0ffee', now()"
explain "exemplars by series (query_exemplars, the writers' latest-exemplar lookup)" 1 \
    "SELECT ts, value, trace_id FROM exemplars WHERE tenant = \$1 AND series_fp = \$2 ORDER BY ts DESC LIMIT 1" \
    "'default', 42"
explain "span_profiles by trace id (trace → profile links)" "$shards" \
    "SELECT profile_id, span_id, totals FROM span_profiles WHERE tenant = \$1 AND trace_id = \$2" \
    "'default', $trace"
explain "exemplars by trace id (trace → profile links, exemplar kind)" "$shards" \
    "SELECT series_fp, ts, profile_id FROM exemplars WHERE tenant = \$1 AND trace_id = \$2" \
    "'default', $trace"
exit $failed
