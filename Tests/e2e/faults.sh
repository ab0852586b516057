#!/usr/bin/env bash
# Fault test with real clients sending steadily: the OpenTelemetry Python SDK (OTLP/HTTP spans,
# and a second one exporting over OTLP/gRPC),
# Prometheus 2.42 (remote write of a target whose every scrape carries a new exemplar) and a
# Pyroscope-style agent pushing profiles to /push.v1.PusherService/Push (retrying as agents do).
# Each round:
#  (a) PostgreSQL stops (pg_ctl, fast) for CHAOS_DOWN_SECONDS and restarts: ingest answers
#      503 + Retry-After meanwhile;
#  (b) Correlator is killed with SIGKILL and restarted on the same port;
#  (c) PostgreSQL is killed with SIGKILL (postmaster and backends: a crash) and restarts
#      through crash recovery;
#  (d) Correlator is killed with SIGKILL while PostgreSQL runs the COPY of a large span batch
#      (CHAOS_BULK_SPANS spans in one export); the batch is sent again, as an exporter
#      retries, until acknowledged.
# Afterwards every span the SDK saw acknowledged, every exemplar Prometheus holds and every
# bulk batch is in the database exactly once (counted, with the numbers printed), the clients
# caught up, and no process is left behind.
# `make test` runs one round; `make chaos` (CHAOS_ROUNDS=3, CHAOS_DOWN_SECONDS=20) runs more.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/faults" && pwd)
ROUNDS=${CHAOS_ROUNDS:-1}
DOWN=${CHAOS_DOWN_SECONDS:-20}
BULK_SPANS=${CHAOS_BULK_SPANS:-100000}
PROMETHEUS=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}
PG_BIN=$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")
echo "faults: $ROUNDS round(s) of PostgreSQL down ${DOWN}s, kill -9 of Correlator, kill -9 of PostgreSQL, kill -9 of Correlator mid-COPY ($BULK_SPANS spans), with the OTel SDK and Prometheus sending"

DIR=$E2E_TMP/chaos
DATA=$DIR/data
mkdir -p "$DIR"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
GRPC=127.0.0.1:$(free_port)
# The defaults (write_timeout 8s) are what is tested, but retention: the pushed fixture profile
# is dated when it was recorded (2026-11-23), and with the default 7d its day's partition is
# dropped a minute after each start, taking the profiles pushed so far with it.
echo "retention: 3650d" >"$DIR/config.yaml"

serve() {  # starts correlator on the fixed port (clients keep their URL across restarts)
    "$CORRELATOR_BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --grpc-listen "$GRPC" --config "$DIR/config.yaml" >>"$DIR/correlator.log" 2>&1 &
    CORRELATOR_PID=$!
    E2E_PIDS+=("$CORRELATOR_PID")
    wait_http "$URL/readyz" 90
}
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$(id -un postgres 2>/dev/null || echo correlator)" -- "$@"; else "$@"; fi
}
pg_stop() { as_pg_user "$PG_BIN/pg_ctl" -D "$DATA/postgres" -m fast -w -t 60 stop >/dev/null; }
pg_start() {
    as_pg_user "$PG_BIN/pg_ctl" -D "$DATA/postgres" -l "$DATA/postgres.log" -w -t 60 \
        -o "-c listen_addresses='' -k '$DATA/run' -c unix_socket_permissions=0700" start >/dev/null
}
sql() { psql -h "$DATA/run" -U correlator -d correlator -Atq -F ' ' -c "$1"; }
pg_kill() {  # SIGKILL to the postmaster and every backend at once: a crash, not a shutdown
    local postmaster children
    postmaster=$(head -1 "$DATA/postgres/postmaster.pid")
    children=$(pgrep -P "$postmaster" | tr '\n' ' ')
    kill -KILL $children "$postmaster" 2>/dev/null
    for _ in $(seq 1 100); do
        local left=""
        for pid in $children $postmaster; do alive "$pid" && left="$left $pid"; done
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    echo "    still running after SIGKILL:$left"; return 1
}
probe_503() {  # probe_503 WHAT: both ingest kinds answer 503 with Retry-After while PostgreSQL is away
    local status
    status=$(curl -s -o /dev/null -D "$DIR/headers" -w '%{http_code}' -X POST "$URL/v1/traces" \
        -H 'Content-Type: application/json' --data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"probe","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}')
    check "with PostgreSQL $1, OTLP ingest answers 503 ($status) with Retry-After" \
        sh -c "[ '$status' = 503 ] && grep -qi '^retry-after:' '$DIR/headers'"
    printf '# TYPE probe histogram\nprobe_bucket{le="1"} 1 # {trace_id="5b8efff798038103d269b633813fc60c"} 1\nprobe_bucket{le="+Inf"} 1\nprobe_count 1\nprobe_sum 1\n# EOF\n' >"$DIR/probe.om"
    status=$(curl -s -o /dev/null -D "$DIR/headers" -w '%{http_code}' -X POST "$URL/api/v1/exemplars" \
        -H 'Content-Type: application/openmetrics-text; version=1.0.0' --data-binary "@$DIR/probe.om")
    check "with PostgreSQL $1, exemplar ingest answers 503 ($status) with Retry-After" \
        sh -c "[ '$status' = 503 ] && grep -qi '^retry-after:' '$DIR/headers'"
    check "with PostgreSQL $1, an OTLP/gRPC export is UNAVAILABLE with a RetryInfo" \
        python3 "$E2E_ROOT/Tests/e2e/otlp-grpc/raw_calls.py" unavailable "$GRPC" "$URL"
    check "correlator is alive while PostgreSQL is $1" kill -0 "$CORRELATOR_PID"
}
kill_correlator() {
    kill -KILL "$CORRELATOR_PID"
    wait "$CORRELATOR_PID" 2>/dev/null
}

check "correlator starts with its embedded PostgreSQL" serve || { finish; exit 1; }

target_port=$(free_port)
python3 "$HERE/serve_exemplars.py" "$target_port" &
TARGET=$!
E2E_PIDS+=("$TARGET")
wait_http "http://127.0.0.1:$target_port/metrics" 20
prom_port=$(free_port)
mkdir -p "$DIR/prometheus"
cat >"$DIR/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: chaos
    static_configs:
      - targets: ["127.0.0.1:$target_port"]
remote_write:
  - url: $URL/api/v1/write
    send_exemplars: true
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 2s}
    metadata_config: {send: false}
YAML
"$PROMETHEUS" --config.file="$DIR/prometheus/prometheus.yml" --storage.tsdb.path="$DIR/prometheus/data" \
    --web.listen-address="127.0.0.1:$prom_port" --enable-feature=exemplar-storage >"$DIR/prometheus/prometheus.log" 2>&1 &
E2E_PIDS+=("$!")
check "prometheus is ready" wait_http "http://127.0.0.1:$prom_port/-/ready" 30

OTEL_EXPORTER_OTLP_ENDPOINT=$URL OTEL_EXPORTER_OTLP_TIMEOUT=30 \
    python3 "$HERE/send_spans.py" "$DIR/stop" "$DIR/acked.txt" "$DIR/summary.json" >"$DIR/sender.log" 2>&1 &
SENDER=$!
E2E_PIDS+=("$SENDER")
OTEL_EXPORTER_OTLP_TIMEOUT=30 \
    python3 "$HERE/send_spans.py" "$DIR/stop" "$DIR/acked-grpc.txt" "$DIR/summary-grpc.json" --grpc "$GRPC" >"$DIR/sender-grpc.log" 2>&1 &
GRPC_SENDER=$!
E2E_PIDS+=("$GRPC_SENDER")
python3 "$HERE/send_pushes.py" "$URL" "$E2E_ROOT/Tests/Fixtures/pprof-go119/cpu.pb.gz" "$DIR/stop" "$DIR/pushes.txt" "$DIR/pushes.json" >"$DIR/pusher.log" 2>&1 &
PUSHER=$!
E2E_PIDS+=("$PUSHER")
sleep 5

# One large export killed mid-COPY, then sent again (the same bytes) until acknowledged.
# Prints and records "tag sent acknowledged-after-attempts".
bulk_round() {
    local tag=$1 body=$DIR/bulk-$1.pb ids=$DIR/bulk-$1.ids status seen=0 attempts=1
    python3 "$HERE/make_bulk_spans.py" "$body" "$ids" "$BULK_SPANS" "$tag"
    curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/v1/traces" -H 'Content-Type: application/x-protobuf' \
        --data-binary "@$body" >"$DIR/bulk-status" 2>/dev/null &
    local sender=$!
    for _ in $(seq 1 3000); do
        if [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY \"spans\"%'")" -gt 0 ]; then
            seen=1; break
        fi
        kill -0 "$sender" 2>/dev/null || break
        sleep 0.01
    done
    kill_correlator
    wait "$sender"
    status=$(cat "$DIR/bulk-status")
    check "correlator was killed while PostgreSQL ran the batch's COPY (the export was answered '$status')" test "$seen" = 1
    check "correlator restarts after kill -9 mid-COPY" serve
    while [ "$status" != 200 ] && [ "$attempts" -lt 6 ]; do
        attempts=$((attempts + 1))
        status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/v1/traces" -H 'Content-Type: application/x-protobuf' --data-binary "@$body")
        [ "$status" = 200 ] || sleep 2
    done
    check "the bulk export $tag is acknowledged after $attempts attempt(s)" test "$status" = 200
    echo "$tag $BULK_SPANS $attempts" >>"$DIR/bulk.txt"
}

for round in $(seq 1 "$ROUNDS"); do
    echo "  round $round: PostgreSQL down for ${DOWN}s"
    check "PostgreSQL stops" pg_stop
    sleep 2
    probe_503 "stopped"
    sleep $((DOWN - 2))
    check "PostgreSQL restarts" pg_start
    check "correlator is ready again" wait_http "$URL/readyz" 30
    sleep 5
    echo "  round $round: kill -9 correlator"
    kill_correlator
    sleep 2
    check "correlator restarts after kill -9 (adopting its PostgreSQL)" serve
    sleep 5
    echo "  round $round: kill -9 PostgreSQL (postmaster and backends)"
    recovered_before=$(grep -c 'not properly shut down; automatic recovery in progress' "$DATA/postgres.log" 2>/dev/null)
    check "PostgreSQL is killed" pg_kill
    sleep 2
    probe_503 "killed"
    sleep 3
    check "PostgreSQL restarts" pg_start
    recovered_after=$(grep -c 'not properly shut down; automatic recovery in progress' "$DATA/postgres.log" 2>/dev/null)
    check "PostgreSQL went through crash recovery" test "${recovered_after:-0}" -gt "${recovered_before:-0}"
    check "correlator is ready again" wait_http "$URL/readyz" 30
    sleep 5
    echo "  round $round: kill -9 correlator while it COPYs $BULK_SPANS spans"
    bulk_round "round$round"
    sleep 3
done

touch "$DIR/stop"
for _ in $(seq 1 150); do kill -0 "$SENDER" 2>/dev/null || break; sleep 0.2; done
check "the span sender finished" test -s "$DIR/summary.json"
sed 's/^/    /' "$DIR/summary.json"; echo

# acked_once WHAT SENT ACKED_FILE STORED_QUERY: every acknowledged id is stored, none twice;
# prints the numbers and checks them.
acked_once() {
    local what=$1 sent=$2 acked_file=$3 query=$4 acked stored missing duplicates
    sort -u "$acked_file" >"$acked_file.sorted"
    sql "$query" | sort >"$acked_file.stored"
    acked=$(wc -l <"$acked_file.sorted")
    stored=$(sort -u "$acked_file.stored" | wc -l)
    missing=$(comm -23 "$acked_file.sorted" "$acked_file.stored" | wc -l)
    duplicates=$(($(wc -l <"$acked_file.stored") - stored))
    echo "    $what: $sent sent, $acked acknowledged, $stored stored, $missing acknowledged but missing, $duplicates duplicate rows"
    check "$what: some were acknowledged ($acked)" test "$acked" -gt 5
    check "$what: every acknowledged one is in the database ($missing of $acked missing)" test "$missing" -eq 0
    check "$what: none is stored twice ($duplicates duplicate rows)" test "$duplicates" -eq 0
}

# Spans: every acknowledged span id is stored, once.
created=$(python3 -c "import json; print(json.load(open('$DIR/summary.json')).get('spans_created', 0))")
acked_once "spans (OTel SDK)" "$created" "$DIR/acked.txt" \
    "SELECT encode(span_id, 'hex') FROM spans WHERE tenant = 'default' AND service = 'chaos-sender'"
check "the SDK caught up: its last export succeeded" python3 -c "import json,sys; sys.exit(not json.load(open('$DIR/summary.json'))['last_ok'])"
for _ in $(seq 1 150); do kill -0 "$GRPC_SENDER" 2>/dev/null || break; sleep 0.2; done
check "the gRPC span sender finished" test -s "$DIR/summary-grpc.json"
sed 's/^/    /' "$DIR/summary-grpc.json"; echo
created=$(python3 -c "import json; print(json.load(open('$DIR/summary-grpc.json')).get('spans_created', 0))")
acked_once "spans (OTel SDK over gRPC)" "$created" "$DIR/acked-grpc.txt" \
    "SELECT encode(span_id, 'hex') FROM spans WHERE tenant = 'default' AND service = 'chaos-sender-grpc'"
check "the gRPC SDK caught up: its last export succeeded" python3 -c "import json,sys; sys.exit(not json.load(open('$DIR/summary-grpc.json'))['last_ok'])"

# Pyroscope pushes: every acknowledged sample id is stored, once.
for _ in $(seq 1 150); do kill -0 "$PUSHER" 2>/dev/null || break; sleep 0.2; done
pushed=$(python3 -c "import json; print(json.load(open('$DIR/pushes.json'))['sent'])" 2>/dev/null || echo 0)
acked_once "profiles (Pyroscope push)" "$pushed" "$DIR/pushes.txt" \
    "SELECT profile_id FROM profiles WHERE tenant = 'default' AND service = 'chaos-push'"

# Bulk exports killed mid-COPY: each batch is stored whole, once.
while read -r tag sent attempts; do
    read -r rows distinct <<<"$(sql "SELECT count(*), count(DISTINCT span_id) FROM spans WHERE tenant = 'default' AND service = 'chaos-bulk' AND attributes->'span'->>'bulk.tag' = '$tag'")"
    echo "    bulk $tag: $sent sent, acknowledged after $attempts attempt(s), $distinct stored, $((rows - distinct)) duplicate rows"
    check "bulk $tag: all $sent spans stored ($distinct)" test "$distinct" -eq "$sent"
    check "bulk $tag: none stored twice ($((rows - distinct)) duplicate rows)" test "$rows" -eq "$distinct"
done <"$DIR/bulk.txt"

# Exemplars: the target stops, so Prometheus's set is final; everything it holds reaches
# Correlator (its remote-write queue catches up), once. Rows and distinct trace ids are
# counted in one statement: counted apart, an exemplar arriving in between looked doubled.
kill -TERM "$TARGET"
sleep 3
prometheus_exemplars() {
    curl -s -G "http://127.0.0.1:$prom_port/api/v1/query_exemplars" --data-urlencode 'query=chaos_request_seconds_bucket' \
        --data-urlencode start=0 --data-urlencode end=4000000000 |
        python3 -c 'import json,sys; print("\n".join(sorted({e["labels"]["trace_id"] for s in json.load(sys.stdin)["data"] for e in s["exemplars"]})))' >"$DIR/prom.sorted"
}
stored_exemplars() {
    sql "SELECT DISTINCT encode(e.trace_id, 'hex') FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE s.metric = 'chaos_request_seconds_bucket'" | sort >"$DIR/exemplars.sorted"
}
prometheus_exemplars
for _ in $(seq 1 60); do
    stored_exemplars
    [ "$(comm -23 "$DIR/prom.sorted" "$DIR/exemplars.sorted" | wc -l)" -eq 0 ] && break
    sleep 1
done
prom=$(wc -l <"$DIR/prom.sorted")
missing=$(comm -23 "$DIR/prom.sorted" "$DIR/exemplars.sorted" | wc -l)
read -r rows distinct <<<"$(sql "SELECT count(*), count(DISTINCT e.trace_id) FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE s.metric = 'chaos_request_seconds_bucket'")"
remote=$(curl -s "http://127.0.0.1:$prom_port/metrics" | awk '
    /^prometheus_remote_storage_exemplars_total/ {sent += $2}
    /^prometheus_remote_storage_exemplars_retried_total/ {retried += $2}
    /^prometheus_remote_storage_exemplars_failed_total/ {failed += $2}
    /^prometheus_remote_storage_exemplars_dropped_total/ {dropped += $2}
    END {printf "sent %d, retried %d, failed %d, dropped %d", sent, retried, failed, dropped}')
echo "    exemplars (Prometheus): $prom held by Prometheus (remote write: $remote); Correlator stores $distinct in $rows rows: $missing missing, $((rows - distinct)) duplicate rows"
if [ "$rows" -ne "$distinct" ]; then
    echo "    stored twice:"
    sql "SELECT encode(e.trace_id, 'hex'), count(*), string_agg(e.ts::text, ', ') FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE s.metric = 'chaos_request_seconds_bucket' GROUP BY e.trace_id HAVING count(*) > 1" | sed 's/^/      /'
fi
check "Prometheus scraped exemplars throughout ($prom)" test "$prom" -gt 20
check "every exemplar Prometheus holds reached the database ($missing of $prom missing)" test "$missing" -eq 0
check "no exemplar is stored twice ($((rows - distinct)) duplicate rows)" test "$rows" -eq "$distinct"

postmaster=$(head -1 "$DATA/postgres/postmaster.pid" 2>/dev/null)
check "correlator stops cleanly on SIGTERM" stop_correlator
wait "$SENDER" "$GRPC_SENDER" 2>/dev/null
no_process_left() {  # the postmaster (and so its children) exited, the pid file is gone, nothing else runs
    local left=""
    [ -n "$postmaster" ] || left="$left (no postmaster pid was read)"
    # A zombie has exited: its parent (pg_ctl's daemonised child is reparented) reaps it later.
    alive "$postmaster" && left="$left postmaster"
    [ -e "$DATA/postgres/postmaster.pid" ] && left="$left postmaster.pid"
    kill -0 "$CORRELATOR_PID" 2>/dev/null && left="$left correlator"
    kill -0 "$SENDER" 2>/dev/null && left="$left sender"
    kill -0 "$GRPC_SENDER" 2>/dev/null && left="$left gRPC sender"
    kill -0 "$PUSHER" 2>/dev/null && left="$left pusher"
    [ -z "$left" ] || { echo "    left behind:$left"; return 1; }
}
check "no process of this run is left behind (postmaster $postmaster, correlator, sender)" no_process_left
if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- correlator log"; grep -v '^$' "$DIR/correlator.log" | tail -25
    echo "--- sender log"; tail -5 "$DIR/sender.log"
    echo "--- gRPC sender log"; tail -5 "$DIR/sender-grpc.log"
    echo "--- prometheus log"; grep -i 'remote\|error' "$DIR/prometheus/prometheus.log" | tail -8
fi
finish
