#!/usr/bin/env bash
# Soak (make soak): a release `correlator serve` with its embedded PostgreSQL takes mixed ingest
# (OTLP spans, OpenMetrics exemplars, pprof uploads) and queries for SOAK_SECONDS (default 600)
# at half the span capacity measured at the start of the same run. Passes when no request
# failed, RSS shows no growth trend over the second half (< SOAK_MAX_SLOPE MiB/min) and the last
# minute's p99 stays within 3x of the second minute's.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_MAX_SLOPE=${SOAK_MAX_SLOPE:-1.0}
PPROF=$ROOT/Tests/Fixtures/pprof-go119/cpu.pb.gz
source "$ROOT/Tests/e2e/lib/common.bash"
start_correlator soak --log-level warning || { echo "soak: correlator did not start"; exit 1; }
TMP=$E2E_TMP/soak
PID=$CORRELATOR_PID
URL=$CORRELATOR_URL

# Capacity: spans/s the server takes from 4 clients for 15 s (Benchmarks/traces.sh's load).
capacity=$(python3 "$ROOT/Benchmarks/traces/load.py" "$URL" 15 4 512 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(int(d["spans"] / d["seconds"]))')
rate=$((capacity / 2))
echo "soak: capacity $capacity spans/s; soaking ${SOAK_SECONDS}s at $rate spans/s + 10 exemplar pushes/s + 1 pprof/s + 8 queries/s"
python3 "$HERE/mixed_load.py" "$URL" "$PID" "$SOAK_SECONDS" "$rate" "$PPROF" "$TMP/soak.json" || exit 1
python3 - "$TMP/soak.json" "$SOAK_MAX_SLOPE" <<'PY'
import json, sys
summary, max_slope = json.load(open(sys.argv[1])), float(sys.argv[2])
rows = summary["rows"]
checks = [
    (f"no errors ({summary['errors']} of {summary['requests']} requests)", summary["errors"] == 0),
    (f"RSS flat over the second half ({summary['rss_slope_second_half_mib_per_min']} MiB/min, limit {max_slope})",
     summary["rss_slope_second_half_mib_per_min"] < max_slope),
]
if len(rows) >= 3:
    base = max(rows[1]["ingest_p99_ms"], rows[1]["query_p99_ms"], 1.0)
    last = max(rows[-1]["ingest_p99_ms"], rows[-1]["query_p99_ms"])
    checks.append((f"p99 stable (last minute {last} ms vs second minute {base} ms)", last <= 3 * base))
failed = 0
for text, ok in checks:
    print(("  ok   " if ok else "  FAIL ") + text)
    failed += not ok
sys.exit(failed)
PY
