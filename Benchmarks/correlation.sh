#!/usr/bin/env bash
# /api/v1/traces/{id}/profiles at a fixed request rate against a store holding 1,000,000 spans,
# 100,000 exemplars and 20,000 profiles, next to pgbench running the same SQL statement (the
# floor: no HTTP, no JSON) at the same rate against the same database at the same time.
# Env: RATE (requests/s of both together, default 200), SECONDS_PER_RUN (default 30).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/Tests/e2e/lib/common.bash"
RATE=${RATE:-200}
DURATION=${SECONDS_PER_RUN:-30}
TRACES=200000

start_correlator bench >/dev/null || exit 0
DATA=$E2E_TMP/bench/data
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$DATA/run" -U correlator -d correlator)

echo "correlation bench: generating 1,000,000 spans, 100,000 exemplars, 20,000 profiles" >&2
"${PSQL[@]}" -v traces="$TRACES" -f "$ROOT/Benchmarks/correlation/data.sql" || { echo "data generation failed" >&2; exit 0; }
COUNTS=$("${PSQL[@]}" -At -c "SELECT (SELECT count(*) FROM spans) || ' spans, ' || (SELECT count(*) FROM exemplars) || ' exemplars, ' || (SELECT count(*) FROM profiles) || ' profiles'")
echo "correlation bench: stored $COUNTS" >&2

# The statement the service runs, from its source, with pgbench variables for the parameters.
sed -n '/-- BEGIN trace-links/,/-- END trace-links/p' "$ROOT/Sources/Correlator/Correlation/TraceLinkQuery.swift" \
    | grep -v -- '-- BEGIN\|-- END' \
    | sed -e "s/\\\$1/'default'/g" -e "s/\\\$2::text\[\]/ARRAY[lpad(to_hex(:n::bigint), 32, '0')]/g" \
          -e "s/\\\$3::bigint/600000000000::bigint/g" -e "s/\\\$4/10/g" >"$E2E_TMP/links.sql"
{ echo "\\set n random(1, $TRACES)"; tr '\n' ' ' <"$E2E_TMP/links.sql"; echo ";"; } >"$E2E_TMP/pgbench.sql"

# The HTTP load: an open-loop fixed-rate client (Benchmarks/correlation/fixedrate.go, wrk2-like:
# latency counted from when each request was due), built like pgbench -R: OS threads with their
# own connections, nanosleep and blocking I/O, so the client's own overhead stays out of the
# numbers (a Python client added GIL waits; Go's timers added 0.6 ms at the median).
command -v go >/dev/null || { echo "correlation bench: go missing (deps/apt)" >&2; exit 0; }
GOCACHE="$E2E_TMP/go-cache" GOFLAGS=-mod=mod GOPROXY=off go build -o "$E2E_TMP/fixedrate" "$ROOT/Benchmarks/correlation/fixedrate.go" \
    || { echo "correlation bench: building the load client failed" >&2; exit 0; }

# Warm both paths: a service in production has warm connections (a new PostgreSQL backend plans
# its first statements ~100x slower while it fills its catalog caches), so the measured run
# starts after the same load has run for five seconds (pgbench's cold start is left out below).
"${PSQL[@]}" -c "SELECT 1" >/dev/null
"$E2E_TMP/fixedrate" "$CORRELATOR_URL" "$RATE" 5 "$TRACES" >/dev/null

# Both at once for DURATION seconds, each at half of RATE (RATE in all, as the store sees it):
# whatever else the machine does meanwhile (writeback after a build, page-cache reclaim) falls
# on both, rather than on whichever of two runs it met. Each pgbench session's first ten
# transactions are left out like Correlator's warm-up: a new backend plans its first
# statements slowly, and PostgreSQL plans a prepared statement afresh for each of its first
# five executions and builds the generic plan at the sixth.
HALF=$(python3 -c "print(f'{$RATE / 2:g}')")
cd "$E2E_TMP"
rm -f pgb.* http.latencies
pgbench -n -M prepared -h "$DATA/run" -U correlator -f pgbench.sql -R "$HALF" -T "$DURATION" -c 4 -j 2 -l --log-prefix=pgb correlator >pgbench.out 2>&1 &
PGBENCH_PID=$!
read -r _ _ _ HERR < <("$E2E_TMP/fixedrate" "$CORRELATOR_URL" "$HALF" "$DURATION" "$TRACES" http.latencies)
wait "$PGBENCH_PID" || { echo "pgbench failed:" >&2; tail -5 pgbench.out >&2; }
percentiles() { python3 -c '
import sys
lat = sorted(float(l) for l in sys.stdin if l.strip())
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
print(f"{p(0.5):.3f} {p(0.99):.3f} {len(lat)}")'; }
# pgbench -l: client_id transaction_no(from 1) time script_no time_epoch time_us schedule_lag; times in µs.
PG=$(cat pgb.* 2>/dev/null | awk '$2 > 10 { print ($3 + (NF > 6 ? $7 : 0)) / 1000 }' | percentiles)
HTTP=$(percentiles <http.latencies)

# What HTTP alone costs through the same client: a route that does nothing.
FLOOR=$("$E2E_TMP/fixedrate" "$CORRELATOR_URL/healthz" "$HALF" 5 0)
read -r PG50 PG99 PGN <<<"$PG"
read -r H50 H99 HN <<<"$HTTP"
read -r F50 F99 _ <<<"$FLOOR"
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x' if b>0 else 'n/a')" "$1" "$2"; }
printf '%-48s %14s %14s %10s %s\n' "name" "correlator" "pgbench" "ratio" "note"
printf '%-48s %14s %14s %10s %s\n' "trace→profiles p50 @${HALF}/s (ms)" "$H50" "$PG50" "$(ratio "$H50" "$PG50")" "target ≤1.2x (issue 23); $COUNTS"
printf '%-48s %14s %14s %10s %s\n' "trace→profiles p99 @${HALF}/s (ms)" "$H99" "$PG99" "$(ratio "$H99" "$PG99")" "target ≤1.2x (issue 23) and ≤10ms; $HN requests ($HERR non-200), $PGN pgbench txns"
printf '%-48s %14s %14s %10s %s\n' "GET /healthz p50 / p99 @${HALF}/s (ms)" "$F50 / $F99" "-" "-" "the HTTP part of the latencies above (same client, no database)"
