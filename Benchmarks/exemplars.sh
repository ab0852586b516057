#!/usr/bin/env bash
# Exemplar benchmarks (run by `make bench` with a release $CORRELATOR_BIN):
#  - OpenMetrics parser throughput (MB/s) on a generated 16 MB exposition with exemplars;
#    peer: prometheus_client's OpenMetrics parser (Python) on the same file.
#  - Remote-write receive capacity at saturation: the same load generator (ExemplarsBench load:
#    8 concurrent senders, 100 series + 100 new exemplars per request, increasing timestamps)
#    against Correlator (embedded PostgreSQL) and Prometheus 2.42
#    (--web.enable-remote-write-receiver --enable-feature=exemplar-storage), one after the
#    other in the same run. Ratio = Correlator / Prometheus.
source "$(dirname "$0")/../Tests/e2e/lib/common.bash"
BENCH=${EXEMPLARS_BENCH_BIN:-$(dirname "$CORRELATOR_BIN")/ExemplarsBench}
PROMETHEUS=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}
SECONDS_PER_RUN=${EXEMPLARS_BENCH_SECONDS:-10}
CONCURRENCY=${EXEMPLARS_BENCH_CONCURRENCY:-8}
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}x' if b else 'n/a')" "$1" "$2"; }
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

if [ ! -x "$BENCH" ]; then echo "exemplars: $BENCH not built (swift build -c release)"; exit 1; fi

# Parser throughput.
"$BENCH" generate "$E2E_TMP/big.om.txt" 16
parsed=$("$BENCH" parse "$E2E_TMP/big.om.txt")
peer=$(python3 "$(dirname "$0")/exemplars/om_parse_peer.py" "$E2E_TMP/big.om.txt" 2>/dev/null || echo 0)
mbs=$(field "$parsed" mb_per_s)
row "exemplars: OpenMetrics parse MB/s (16 MB)" "$mbs" "$peer" "$(ratio "$mbs" "$peer")" "peer: prometheus_client (Python) parser"

# Remote-write receive capacity.
start_correlator bench --log-level warning >/dev/null || { echo "exemplars: correlator did not start"; exit 1; }
prom_port=$(free_port)
mkdir -p "$E2E_TMP/prometheus"
printf 'global:\n  scrape_interval: 1m\n' >"$E2E_TMP/prometheus/prometheus.yml"
"$PROMETHEUS" --config.file="$E2E_TMP/prometheus/prometheus.yml" --storage.tsdb.path="$E2E_TMP/prometheus/data" \
    --web.listen-address="127.0.0.1:$prom_port" --web.enable-remote-write-receiver \
    --enable-feature=exemplar-storage >"$E2E_TMP/prometheus/prometheus.log" 2>&1 &
E2E_PIDS+=("$!")
wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || { echo "exemplars: prometheus did not start"; exit 1; }

"$BENCH" load "$CORRELATOR_URL/api/v1/write" 2 "$CONCURRENCY" >/dev/null   # warm-up
corr=$("$BENCH" load "$CORRELATOR_URL/api/v1/write" "$SECONDS_PER_RUN" "$CONCURRENCY")
"$BENCH" load "http://127.0.0.1:$prom_port/api/v1/write" 2 "$CONCURRENCY" >/dev/null
prom=$("$BENCH" load "http://127.0.0.1:$prom_port/api/v1/write" "$SECONDS_PER_RUN" "$CONCURRENCY")
for kind in requests_per_s exemplars_per_s; do
    c=$(field "$corr" $kind); p=$(field "$prom" $kind)
    row "exemplars: remote write $kind" "$c" "$p" "$(ratio "$c" "$p")" "peer: Prometheus 2.42; failed $(field "$corr" failed)/$(field "$prom" failed)"
done
for answer in "$corr" "$prom"; do
    error=$(field "$answer" first_error)
    [ -n "$error" ] && echo "  first error: $error"
done
exit 0
