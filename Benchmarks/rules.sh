#!/usr/bin/env bash
# One evaluation cycle of 1,000 rules (50 services x 20: 10 CPU hotspot share rules, 5 hotspot
# growth rules against the previous hour, 5 heap leak rules over 6 h) over 24 h of profile
# summaries (one CPU and one heap profile a minute per service, 20 functions each: 144,000
# profiles, 1.44 M profile_functions rows), persisted state included. Prints the wall time and
# the database time per cycle (median of 5 cycles after one warm-up). No peer does this.
set -u
BIN=${CORRELATOR_BIN:?set CORRELATOR_BIN to a release build of correlator}
TMP=$(mktemp -d /tmp/correlator-bench-rules.XXXXXX)
chmod o+x "$TMP"   # the embedded PostgreSQL runs as an unprivileged user when this runs as root
DATA=$TMP/d
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
trap 'kill $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null; rm -rf "$TMP"' EXIT
SERVE_PID=

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --grpc-listen off --log-level error >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
SOCKET_DIR=$DATA/run
psql() { "$PGBIN/psql" -q -h "$SOCKET_DIR" -U correlator -d correlator -v ON_ERROR_STOP=1 "$@"; }

load_start=$(date +%s.%N)
# One transaction: now() is then the same instant in every statement (a load that crosses a
# minute boundary would otherwise date profile_functions a minute off their profiles).
psql <<'SQL'
BEGIN;
\o /dev/null
SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 2, (now() AT TIME ZONE 'UTC')::date + 1);
\o
INSERT INTO functions (function_id, name, filename)
SELECT f, 'pkg' || (f % 7) || '.fn' || f, 'file' || (f % 7) || '.go' FROM generate_series(1, 20) f;
-- CPU: samples/count, cpu/nanoseconds; heap: the four Go sample types.
INSERT INTO profiles (tenant, profile_id, service, type, sample_types, start_ts, start_unix_nano, duration_ns, totals)
SELECT 'default', 'cpu-' || s || '-' || m, 'svc' || s, 'cpu',
       '[{"type":"samples","unit":"count"},{"type":"cpu","unit":"nanoseconds"}]',
       date_trunc('minute', now()) - make_interval(mins => m), 0, 10000000000,
       ARRAY[1000, 10000000000]::bigint[]
FROM generate_series(1, 50) s, generate_series(0, 1439) m;
INSERT INTO profiles (tenant, profile_id, service, type, sample_types, start_ts, start_unix_nano, duration_ns, totals)
SELECT 'default', 'heap-' || s || '-' || m, 'svc' || s, 'heap',
       '[{"type":"alloc_objects","unit":"count"},{"type":"alloc_space","unit":"bytes"},{"type":"inuse_objects","unit":"count"},{"type":"inuse_space","unit":"bytes"}]',
       date_trunc('minute', now()) - make_interval(mins => m), 0, 0,
       ARRAY[0, 0, 0, 100000000 + CASE WHEN s % 10 = 0 THEN (1440 - m) * 100000 ELSE (m % 7) * 1000 END]::bigint[]
FROM generate_series(1, 50) s, generate_series(0, 1439) m;
INSERT INTO profile_functions (tenant, profile_id, service, type, start_ts, function_id, sample_type, flat, cum)
SELECT 'default', 'cpu-' || s || '-' || m, 'svc' || s, 'cpu', date_trunc('minute', now()) - make_interval(mins => m), f, 1,
       CASE WHEN f = 1 AND s % 5 = 0 AND m < 30 THEN 6000000000 ELSE 200000000 + f * 10000000 END, 500000000
FROM generate_series(1, 50) s, generate_series(0, 1439) m, generate_series(1, 20) f;
COMMIT;
ANALYZE;
SQL
load_end=$(date +%s.%N)

{
    echo "groups:"
    for s in $(seq 1 50); do
        echo "  - name: svc$s"
        echo "    interval: 1m"
        echo "    rules:"
        for k in $(seq 1 10); do
            echo "      - alert: Hotspot$k"
            echo "        hotspot: {service: svc$s, function: 'pkg[0-9]\\.fn$k', share_above: 0.25, window: 10m}"
        done
        for k in $(seq 11 15); do
            echo "      - alert: Growth$k"
            echo "        hotspot: {service: svc$s, function: 'pkg[0-9]\\.fn$((k - 10))', growth_above: 0.5, window: 30m, baseline: {offset: 1h}}"
        done
        for k in $(seq 16 20); do
            echo "      - alert: HeapLeak$k"
            echo "        leak: {service: svc$s, sample_type: inuse_space, window: 6h, min_points: 12, min_relative_growth: 0.0$((k - 15))}"
        done
    done
} >"$TMP/rules.yml"
printf 'rule_files: [rules.yml]\n' >"$TMP/correlator.yml"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=

"$BIN" rules evaluate --config "$TMP/correlator.yml" --data-dir "$DATA" --cycles 6 --persist --log-level error >"$TMP/eval.out" 2>&1
grep -q '^cycle=' "$TMP/eval.out" || { echo "rules evaluate failed:"; cat "$TMP/eval.out"; exit 0; }
read -r seconds db alerts <<<"$(python3 - "$TMP/eval.out" <<'PY'
import re, statistics, sys
rows = [dict(kv.split("=") for kv in l.split()) for l in open(sys.argv[1]) if l.startswith("cycle=")][1:]
print(statistics.median(float(r["seconds"]) for r in rows), statistics.median(float(r["database_seconds"]) for r in rows), rows[-1]["active_alerts"])
PY
)"
printf '%-48s %14s %14s %10s %s\n' "rules: cycle of 1000 rules, 24h x 50 services" "$(printf '%.3f s' "$seconds")" "-" "-" "wall per cycle; target < 1 s; $alerts alerts active (the data holds 45: 10 hotspot, 10 growth, 25 leak); load $(printf '%.0f' "$(echo "$load_end - $load_start" | bc)") s"
printf '%-48s %14s %14s %10s %s\n' "rules: database time per cycle" "$(printf '%.3f s' "$db")" "-" "-" "series + evidence + state writes"
