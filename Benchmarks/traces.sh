#!/usr/bin/env bash
# OTLP/HTTP trace ingest, persisted: 8 clients POST protobuf requests of 512 spans (new ids in
# every request) for ~20 s to a release `correlator serve` with its embedded PostgreSQL; spans/s =
# rows in `spans` afterwards / elapsed. The floor, measured in the same run against the same
# database and table: `psql \copy` of the same number of rows (the stored rows under another
# tenant). Also reports correlator's peak RSS (VmHWM). Then the same load over OTLP/gRPC (port
# --grpc-listen, grpcio sending the same request bytes): its spans/s beside the HTTP receiver's.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
SECONDS_TO_RUN=${TRACES_BENCH_SECONDS:-20}
CLIENTS=${TRACES_BENCH_CLIENTS:-8}
SPANS=${TRACES_BENCH_SPANS:-512}
source "$ROOT/Tests/e2e/lib/common.bash"
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
start_correlator bench --log-level warning || { echo "traces benchmark: correlator did not start"; exit 1; }
TMP=$E2E_TMP/bench
PID=$CORRELATOR_PID
URL=$CORRELATOR_URL
socket_dir="$TMP/data/run"
[ -S "$socket_dir/.s.PGSQL.5432" ] || socket_dir=$(dirname "$(ls /tmp/correlator-*/.s.PGSQL.5432 2>/dev/null | head -1)")
PSQL=(psql -X -q -A -t -h "$socket_dir" -U correlator -d correlator -v ON_ERROR_STOP=1)

# Warm up (connections, partitions, plans), then start from an empty table.
python3 "$HERE/traces/load.py" "$URL" 2 "$CLIENTS" "$SPANS" >/dev/null
"${PSQL[@]}" -c "TRUNCATE spans" || exit 1

load=$(python3 "$HERE/traces/load.py" "$URL" "$SECONDS_TO_RUN" "$CLIENTS" "$SPANS") || exit 1
stored=$("${PSQL[@]}" -c "SELECT count(*) FROM spans")
read -r elapsed errors client_cpu < <(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['seconds'], d['errors'], d['client_cpu_seconds'])" "$load")
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
correlator_rate=$(python3 -c "print(int($stored / $elapsed))")

# The floor: the same rows, as COPY text from psql, into the same table under another tenant.
"${PSQL[@]}" -c "\\copy (SELECT 'floor', trace_id, span_id, parent_span_id, service, name, kind, start_ts, start_unix_nano, duration_ns, status_code, status_message, attributes, profile_id FROM spans) TO '$TMP/spans.copy'" || exit 1
"${PSQL[@]}" -c "CHECKPOINT" >/dev/null
start=$(date +%s.%N)
"${PSQL[@]}" -c "\\copy spans FROM '$TMP/spans.copy'" || exit 1
end=$(date +%s.%N)
floor_rate=$(python3 -c "print(int($stored / ($end - $start)))")
ratio=$(python3 -c "print(f'{$correlator_rate / $floor_rate:.2f}')")

row "traces: OTLP spans/s persisted (512/req, ${CLIENTS} cl)" "$correlator_rate" "$floor_rate" "$ratio" \
    "peer: psql \\copy of the same $stored rows; peak RSS $((rss_kb / 1024)) MiB; $errors errors; client CPU ${client_cpu}s in ${elapsed}s"

# OTLP/gRPC: the same requests through TraceService/Export, from an empty table.
"${PSQL[@]}" -c "TRUNCATE spans" || exit 1
python3 "$HERE/traces/load.py" "grpc://$CORRELATOR_GRPC" 2 "$CLIENTS" "$SPANS" >/dev/null
"${PSQL[@]}" -c "TRUNCATE spans" || exit 1
load=$(python3 "$HERE/traces/load.py" "grpc://$CORRELATOR_GRPC" "$SECONDS_TO_RUN" "$CLIENTS" "$SPANS") || exit 1
grpc_stored=$("${PSQL[@]}" -c "SELECT count(*) FROM spans")
read -r grpc_elapsed grpc_errors grpc_cpu < <(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['seconds'], d['errors'], d['client_cpu_seconds'])" "$load")
grpc_rate=$(python3 -c "print(int($grpc_stored / $grpc_elapsed))")
row "traces: OTLP/gRPC spans/s persisted (512/req, ${CLIENTS} cl)" "$grpc_rate" "$correlator_rate" \
    "$(python3 -c "print(f'{$grpc_rate / $correlator_rate:.2f}')")x" \
    "peer: the OTLP/HTTP receiver above, same requests, same run; target >= 1.0x; floor psql \\copy $floor_rate/s; $grpc_errors errors; client CPU ${grpc_cpu}s"
