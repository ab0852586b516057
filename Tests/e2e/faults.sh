#!/usr/bin/env bash
# Fault test with real clients sending steadily: the OpenTelemetry Python SDK (OTLP/HTTP spans)
# and Prometheus 2.42 (remote write of a target whose every scrape carries a new exemplar).
#  (a) PostgreSQL stops for 20 s and restarts: ingest answers 503 + Retry-After meanwhile;
#  (b) Correlator is killed with SIGKILL and restarted on the same port.
# Afterwards every span the SDK saw acknowledged and every exemplar Prometheus holds is in the
# database (counted), the clients caught up, and no process is left behind.
# `make test` runs one round; `make chaos` (CHAOS_ROUNDS=3, CHAOS_DOWN_SECONDS=20) runs more.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/faults" && pwd)
ROUNDS=${CHAOS_ROUNDS:-1}
DOWN=${CHAOS_DOWN_SECONDS:-20}
PROMETHEUS=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}
PG_BIN=$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")
echo "faults: $ROUNDS round(s) of PostgreSQL down ${DOWN}s and kill -9, with the OTel SDK and Prometheus sending"

DIR=$E2E_TMP/chaos
DATA=$DIR/data
mkdir -p "$DIR"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# The defaults (write_timeout 8s) are what is tested.
: >"$DIR/config.yaml"

serve() {  # starts correlator on the fixed port (clients keep their URL across restarts)
    "$CORRELATOR_BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --config "$DIR/config.yaml" >>"$DIR/correlator.log" 2>&1 &
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
sql() { psql -h "$DATA/run" -U correlator -d correlator -Atq -c "$1"; }

check "correlator starts with its embedded PostgreSQL" serve || { finish; exit 1; }

target_port=$(free_port)
python3 "$HERE/serve_exemplars.py" "$target_port" &
E2E_PIDS+=("$!")
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
sleep 5

for round in $(seq 1 "$ROUNDS"); do
    echo "  round $round: PostgreSQL down for ${DOWN}s"
    check "PostgreSQL stops" pg_stop
    sleep 2
    status=$(curl -s -o /dev/null -D "$DIR/headers" -w '%{http_code}' -X POST "$URL/v1/traces" \
        -H 'Content-Type: application/json' --data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"probe","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}')
    check "with PostgreSQL down, OTLP ingest answers 503 ($status) with Retry-After" \
        sh -c "[ '$status' = 503 ] && grep -qi '^retry-after:' '$DIR/headers'"
    printf '# TYPE probe histogram\nprobe_bucket{le="1"} 1 # {trace_id="5b8efff798038103d269b633813fc60c"} 1\nprobe_bucket{le="+Inf"} 1\nprobe_count 1\nprobe_sum 1\n# EOF\n' >"$DIR/probe.om"
    status=$(curl -s -o /dev/null -D "$DIR/headers" -w '%{http_code}' -X POST "$URL/api/v1/exemplars" \
        -H 'Content-Type: application/openmetrics-text; version=1.0.0' --data-binary "@$DIR/probe.om")
    check "with PostgreSQL down, exemplar ingest answers 503 ($status) with Retry-After" \
        sh -c "[ '$status' = 503 ] && grep -qi '^retry-after:' '$DIR/headers'"
    check "correlator is alive while PostgreSQL is down" kill -0 "$CORRELATOR_PID"
    sleep $((DOWN - 2))
    check "PostgreSQL restarts" pg_start
    check "correlator is ready again" wait_http "$URL/readyz" 30
    sleep 5
    echo "  round $round: kill -9 correlator"
    kill -KILL "$CORRELATOR_PID"
    wait "$CORRELATOR_PID" 2>/dev/null
    sleep 2
    check "correlator restarts after kill -9 (adopting its PostgreSQL)" serve
    sleep 5
done

touch "$DIR/stop"
for _ in $(seq 1 150); do kill -0 "$SENDER" 2>/dev/null || break; sleep 0.2; done
check "the span sender finished" test -s "$DIR/summary.json"
sed 's/^/    /' "$DIR/summary.json"; echo

# Spans: every acknowledged span id is stored, once.
sort -u "$DIR/acked.txt" >"$DIR/acked.sorted"
sql "SELECT encode(span_id, 'hex') FROM spans WHERE tenant = 'default' AND service = 'chaos-sender'" | sort >"$DIR/stored.sorted"
acked=$(wc -l <"$DIR/acked.sorted")
stored=$(sort -u "$DIR/stored.sorted" | wc -l)
missing=$(comm -23 "$DIR/acked.sorted" "$DIR/stored.sorted" | wc -l)
duplicates=$(($(wc -l <"$DIR/stored.sorted") - stored))
echo "    spans: $acked acknowledged, $stored stored, $missing acknowledged but missing, $duplicates duplicate rows"
check "the SDK had spans acknowledged" test "$acked" -gt 100
check "every acknowledged span is in the database ($missing missing)" test "$missing" -eq 0
check "no span is stored twice" test "$duplicates" -eq 0
check "the SDK caught up: its last export succeeded" python3 -c "import json,sys; sys.exit(not json.load(open('$DIR/summary.json'))['last_ok'])"

# Exemplars: everything Prometheus holds reaches Correlator (its remote-write queue catches up).
caught_up() {
    curl -s -G "http://127.0.0.1:$prom_port/api/v1/query_exemplars" --data-urlencode 'query=chaos_request_seconds_bucket' \
        --data-urlencode start=0 --data-urlencode end=4000000000 |
        python3 -c 'import json,sys; print("\n".join(sorted({e["labels"]["trace_id"] for s in json.load(sys.stdin)["data"] for e in s["exemplars"]})))' >"$DIR/prom.sorted"
    sql "SELECT DISTINCT encode(e.trace_id, 'hex') FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE s.metric = 'chaos_request_seconds_bucket'" | sort >"$DIR/exemplars.sorted"
    [ -s "$DIR/prom.sorted" ] && [ "$(comm -23 "$DIR/prom.sorted" "$DIR/exemplars.sorted" | wc -l)" -eq 0 ]
}
for _ in $(seq 1 60); do caught_up && break; sleep 1; done
prom=$(wc -l <"$DIR/prom.sorted")
missing=$(comm -23 "$DIR/prom.sorted" "$DIR/exemplars.sorted" | wc -l)
rows=$(sql "SELECT count(*) FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE s.metric = 'chaos_request_seconds_bucket'")
echo "    exemplars: Prometheus holds $prom, Correlator stores $(wc -l <"$DIR/exemplars.sorted") ($rows rows), $missing missing"
check "Prometheus scraped exemplars throughout" test "$prom" -gt 20
check "every exemplar Prometheus holds reached the database ($missing missing)" test "$missing" -eq 0
check "no exemplar is stored twice" test "$rows" -eq "$(wc -l <"$DIR/exemplars.sorted")"

postmaster=$(head -1 "$DATA/postgres/postmaster.pid" 2>/dev/null)
check "correlator stops cleanly on SIGTERM" stop_correlator
wait "$SENDER" 2>/dev/null
no_process_left() {  # the postmaster (and so its children) exited, the pid file is gone, nothing else runs
    local left=""
    [ -n "$postmaster" ] || left="$left (no postmaster pid was read)"
    # A zombie has exited: its parent (pg_ctl's daemonised child is reparented) reaps it later.
    case "$(ps -o stat= -p "$postmaster" 2>/dev/null)" in ""|Z*) ;; *) left="$left postmaster" ;; esac
    [ -e "$DATA/postgres/postmaster.pid" ] && left="$left postmaster.pid"
    kill -0 "$CORRELATOR_PID" 2>/dev/null && left="$left correlator"
    kill -0 "$SENDER" 2>/dev/null && left="$left sender"
    [ -z "$left" ] || { echo "    left behind:$left"; return 1; }
}
check "no process of this run is left behind (postmaster $postmaster, correlator, sender)" no_process_left
if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- correlator log"; grep -v '^$' "$DIR/correlator.log" | tail -25
    echo "--- sender log"; tail -5 "$DIR/sender.log"
    echo "--- prometheus log"; grep -i 'remote\|error' "$DIR/prometheus/prometheus.log" | tail -8
fi
finish
