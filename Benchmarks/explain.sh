#!/usr/bin/env bash
# GET /api/v1/traces/{id}/explain with 1,000,000 spans stored, next to pgbench running the SQL
# statements the same explanations issue (the floor: no HTTP, no JSON, no analysis).
#
# Data: the explanation fixture (Tests/Fixtures/explain/data: a Go workload's spans with
# injected causes and its CPU, goroutine, block and mutex profiles) moved to 40 minutes ago,
# and filler up to 1,000,000 spans: 30 other services and more shop-api traffic over the last
# 24 hours (Benchmarks/explain/client.py load). The fixture goes as OTLP/JSON, as the tests post
# it; the filler as OTLP protobuf exports of 20,000 spans, since a debug build decodes OTLP/JSON
# at a few thousand spans a second.
# Requests: 40 slow requests of each injected cause (a CPU hotspot, a lock wait, an I/O wait,
# a regression after a deploy) and 40 normal ones, asked one after another on one keep-alive
# connection after a warm-up round.
# The peer: a warm-up round with PostgreSQL's statement log on gives each request's statements
# and their parameters; pgbench runs them (one transaction per explanation, request n on the
# n-th transaction, the extended protocol as PostgresNIO speaks it, one client) against the
# same database. The rounds alternate Correlator, pgbench, Correlator, pgbench, …; each
# pgbench run's first round (cold backend) is left out of its p50/p99 (not out of its -r
# report, the time per kind of statement in the last row). p50/p99: nearest rank, milliseconds.
# Env: EXPLAIN_BENCH_SPANS (1000000), EXPLAIN_BENCH_ROUNDS (2), EXPLAIN_BENCH_CLIENTS (2 loaders),
# EXPLAIN_BENCH_KEEP=DIR keeps the requests, statement log, pgbench script and latencies there.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
SPANS=${EXPLAIN_BENCH_SPANS:-1000000}
ROUNDS=${EXPLAIN_BENCH_ROUNDS:-2}
CLIENTS=${EXPLAIN_BENCH_CLIENTS:-2}
source "$ROOT/Tests/e2e/lib/common.bash"
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
command -v pgbench >/dev/null || { row "explain p99 (ms)" "-" "-" "-" "pgbench missing (postgresql-contrib)"; exit 0; }
start_correlator bench --log-level warning || { echo "explain benchmark: correlator did not start"; exit 1; }
DATA=$E2E_TMP/bench/data
TMP=$E2E_TMP/explain
mkdir -p "$TMP"
PSQL=(psql -X -q -h "$DATA/run" -U correlator -d correlator -v ON_ERROR_STOP=1)
CLIENT=(python3 "$HERE/explain/client.py")
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

echo "explain bench: loading the fixture and filler up to $SPANS spans" >&2
load=$("${CLIENT[@]}" load "$CORRELATOR_URL" "$ROOT/Tests/Fixtures/explain/data" "$SPANS" "$CLIENTS" "$TMP") || exit 1
[ "$(field "$load" errors)" = 0 ] || { echo "explain bench: loading failed: $load" >&2; exit 1; }
LOAD_SECONDS=$(field "$load" seconds)
STORED=$("${PSQL[@]}" -At -c "SELECT count(*) FROM spans")
echo "explain bench: $STORED spans stored in ${LOAD_SECONDS}s ($(field "$load" spans_per_second) spans/s)" >&2
# As after autovacuum has seen the tables; the checkpoint now rather than inside a measured run.
"${PSQL[@]}" -c "VACUUM ANALYZE" -c "CHECKPOINT" || exit 1

# Warm-up round, with every statement logged (parse, bind and execute, with the parameters)
# and a marker statement before each request to cut the log per request.
LOG=$DATA/postgres.log
offset=$(stat -c %s "$LOG")
"${PSQL[@]}" -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null || exit 1
sleep 0.5  # the postmaster passes the reload on to the pool's backends
warm=$("${CLIENT[@]}" explain "$CORRELATOR_URL" "$TMP/requests.json" "${PSQL[@]}") || exit 1
"${PSQL[@]}" -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null || exit 1
tail -c +$((offset + 1)) "$LOG" >"$TMP/statements.log"
statements=$("${CLIENT[@]}" script "$TMP/statements.log" "$TMP/requests.json" "$TMP/explain.sql") || exit 1
REQUESTS=$(field "$statements" requests)
echo "explain bench: warm-up round (statements logged): p50 $(field "$warm" p50) ms, p99 $(field "$warm" p99) ms" >&2

# The measured rounds, alternating.
cd "$TMP"
for round in $(seq 1 "$ROUNDS"); do
    "${CLIENT[@]}" explain "$CORRELATOR_URL" requests.json >"http-$round.json" || exit 1
    pgbench -n -M extended -r -h "$DATA/run" -U correlator -c 1 -j 1 -t $((2 * REQUESTS)) -D n=-1 -f explain.sql \
        -l --log-prefix="pgb-$round" correlator >"pgbench-$round.out" 2>&1 \
        || { echo "explain bench: pgbench failed:" >&2; tail -5 "pgbench-$round.out" >&2; exit 1; }
done
HTTP=$("${CLIENT[@]}" summary http-*.json)
PG=$("${CLIENT[@]}" pgbench "$REQUESTS" pgb-*)
KINDS=$("${CLIENT[@]}" statements explain.sql "$REQUESTS" pgbench-*.out) || exit 1
"${CLIENT[@]}" bykind requests.json "$REQUESTS" http-*.json pgb-*
[ -n "${EXPLAIN_BENCH_KEEP:-}" ] && mkdir -p "$EXPLAIN_BENCH_KEEP" && cp -r "$TMP"/. "$EXPLAIN_BENCH_KEEP"/

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}x' if b > 0 else 'n/a')" "$1" "$2"; }
H50=$(field "$HTTP" p50) H99=$(field "$HTTP" p99) HN=$(field "$HTTP" n) HERR=$(field "$HTTP" errors)
P50=$(field "$PG" p50) P99=$(field "$PG" p99) PN=$(field "$PG" n)
MET=$(python3 -c "print('met' if float('$H99') <= 50 else 'not met')")
SIZE=$(python3 -c "print(f'{$STORED / 1e6:g}M')")

row "explain p50, $SIZE spans stored (ms)" "$H50" "$P50" "$(ratio "$H50" "$P50")" \
    "$HN sequential requests ($HERR non-200), $PN pgbench txns; $(field "$warm" first_cause_right)/$(field "$warm" slow_asked) slow got the injected cause first; load ${LOAD_SECONDS}s"
row "explain p99, $SIZE spans stored (ms)" "$H99" "$P99" "$(ratio "$H99" "$P99")" \
    "target p99 <= 50 ms (issue 22): $MET; peer: pgbench, the same statements from PostgreSQL's log, 1 client"
row "explain: SQL time a request, by statement (ms)" "-" "$(field "$KINDS" ms_per_request)" "-" \
    "pgbench -r, $(python3 -c "print(f'{$(field "$statements" statements) / $REQUESTS:.1f}')") statements a request: $(field "$KINDS" summary)"
