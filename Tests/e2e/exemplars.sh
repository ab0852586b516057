#!/usr/bin/env bash
# Exemplars end to end with the real Prometheus 2.42 (Debian `prometheus`):
#  1. Prometheus scrapes a target serving the Go fixture (OpenMetrics with exemplars) and
#     remote-writes to Correlator with send_exemplars: true → the fixture's trace ids arrive
#     in PostgreSQL, as query_exemplars shows, equal to what Prometheus itself stored.
#  2. Correlator scrapes the same target directly (scrape_configs) → the same exemplars.
#  3. The same exemplars repeated by every scrape are stored once.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$HERE/../Fixtures/pprof-go119/metrics.om.txt
EXPECTED=$HERE/../ExemplarsTests/Fixtures/metrics.om.expected.json
PROMETHEUS=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}

if [ ! -x "$PROMETHEUS" ]; then
    echo "prometheus not installed (deps/apt/exemplars.txt)"; E2E_FAILED=1; finish; exit 1
fi

target_port=$(free_port)
python3 "$HERE/exemplars/serve_fixture.py" "$target_port" "$FIXTURE" &
E2E_PIDS+=("$!")
wait_http "http://127.0.0.1:$target_port/metrics" 20

mkdir -p "$E2E_TMP/correlator"
cat >"$E2E_TMP/correlator/config.yaml" <<YAML
scrape_configs:
  - job_name: direct
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:$target_port"]
YAML
start_correlator correlator --config "$E2E_TMP/correlator/config.yaml" || { finish; exit 1; }

prom_port=$(free_port)
mkdir -p "$E2E_TMP/prometheus"
cat >"$E2E_TMP/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: fixture
    static_configs:
      - targets: ["127.0.0.1:$target_port"]
remote_write:
  - url: $CORRELATOR_URL/api/v1/write
    send_exemplars: true
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
    metadata_config:
      send: false
YAML
"$PROMETHEUS" --config.file="$E2E_TMP/prometheus/prometheus.yml" \
    --storage.tsdb.path="$E2E_TMP/prometheus/data" \
    --web.listen-address="127.0.0.1:$prom_port" \
    --enable-feature=exemplar-storage >"$E2E_TMP/prometheus/prometheus.log" 2>&1 &
E2E_PIDS+=("$!")
check "prometheus 2.42 is ready" wait_http "http://127.0.0.1:$prom_port/-/ready" 30

selector='http_server_request_duration_seconds_bucket'
query() {  # query BASE_URL SELECTOR OUT
    curl -s -G "$1/api/v1/query_exemplars" --data-urlencode "query=$2" --data-urlencode "start=1700000000" \
        --data-urlencode "end=1900000000" -o "$3"
}
# poll_until SECONDS command...: retries once a second.
poll_until() {
    local seconds=$1; shift
    for _ in $(seq 1 "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
    "$@"
}
remote_written() {
    query "$CORRELATOR_URL" "$selector{job=\"fixture\"}" "$E2E_TMP/correlator-rw.json" &&
        python3 "$HERE/exemplars/compare.py" "$EXPECTED" "$E2E_TMP/correlator-rw.json" fixture
}
scraped_directly() {
    query "$CORRELATOR_URL" "$selector{job=\"direct\"}" "$E2E_TMP/correlator-direct.json" &&
        python3 "$HERE/exemplars/compare.py" "$EXPECTED" "$E2E_TMP/correlator-direct.json" direct
}
check "remote write from Prometheus delivers the fixture's 11 exemplars (trace ids, values, timestamps)" poll_until 60 remote_written
query "http://127.0.0.1:$prom_port" "$selector" "$E2E_TMP/prometheus-answer.json"
check "Correlator holds the same exemplars as Prometheus's own exemplar storage" \
    python3 "$HERE/exemplars/compare.py" --same "$E2E_TMP/prometheus-answer.json" "$E2E_TMP/correlator-rw.json"
check "a selector with spaces, form-encoded by Python's urllib (GET and POST), finds what Prometheus finds" \
    python3 "$HERE/exemplars/form_query.py" "http://127.0.0.1:$prom_port" "$CORRELATOR_URL" \
    "$selector{job=\"fixture\", route=~\"/inv.*\", le!=\"+Inf\"}"
# Grafana sends a panel's whole PromQL query; Prometheus answers for every selector in it.
check "whole PromQL queries (as Grafana sends them) find what Prometheus finds" \
    python3 "$HERE/exemplars/form_query.py" "http://127.0.0.1:$prom_port" "$CORRELATOR_URL" \
    "histogram_quantile(0.99, sum by (le) (rate($selector{job=\"fixture\", route=\"/checkout\"}[5m])))" \
    "sum(rate($selector{job=\"fixture\", route=~\"/inv.*\"}[1m] offset 1m)) by (le, route) / on (route) group_left sum(rate(http_server_request_duration_seconds_count{job=\"fixture\"}[1m])) by (route)" \
    "$selector{job=\"fixture\", route=\"/health\"} or $selector{job=\"fixture\", le=\"0.1\"} # two selectors: the union" \
    "topk(3, max_over_time($selector{job=\"fixture\"}[10m:1m] @ end())) > bool 0.5"
check "Correlator scraping the target directly stores the same exemplars" poll_until 30 scraped_directly
stored_once() {
    local rows
    rows=$(python3 -c 'import json,sys; print(sum(len(s["exemplars"]) for s in json.load(open(sys.argv[1]))["data"]))' "$1")
    [ "$rows" = 11 ] || { echo "  $rows exemplars in $1"; return 1; }
}
sleep 3  # several more scrapes and remote-write batches repeat the same exemplars
query "$CORRELATOR_URL" "$selector{job=\"fixture\"}" "$E2E_TMP/correlator-rw2.json"
query "$CORRELATOR_URL" "$selector{job=\"direct\"}" "$E2E_TMP/correlator-direct2.json"
check "repeated remote writes store each exemplar once" stored_once "$E2E_TMP/correlator-rw2.json"
check "repeated scrapes store each exemplar once" stored_once "$E2E_TMP/correlator-direct2.json"
check "scrape health is in /metrics" sh -c "curl -s $CORRELATOR_URL/metrics | grep -qE '^correlator_scrape_up\{.*job=\"direct\".*\} 1'"
if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- prometheus log"; tail -15 "$E2E_TMP/prometheus/prometheus.log"
    echo "--- correlator log"; tail -15 "$E2E_TMP/correlator/correlator.log"
fi
finish
