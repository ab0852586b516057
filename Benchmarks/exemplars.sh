#!/usr/bin/env bash
# Exemplar benchmarks (run by `make bench` with a release $CORRELATOR_BIN):
#  - OpenMetrics parser throughput (MB/s) on a generated 16 MB exposition with exemplars;
#    peer: prometheus_client's OpenMetrics parser (Python) on the same file.
#  - Remote-write receive capacity at saturation: the same load generator (ExemplarsBench load:
#    8 concurrent senders, 100 series + 100 new exemplars per request, increasing timestamps)
#    against Correlator (embedded PostgreSQL) and Prometheus 2.42
#    (--web.enable-remote-write-receiver --enable-feature=exemplar-storage), one after the
#    other in the same run. Ratio = Correlator / Prometheus. A third line splits the CPU time
#    per request between Correlator, its PostgreSQL and Prometheus. A second payload is what a
#    Prometheus remote-writing all it scrapes sends: 500 series a request, 1% with an exemplar.
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

source "$(dirname "$0")/lib/cpu.bash"
# load URL PID [DB_PID]: one measured run (of $PAYLOAD: series and exemplars per request); prints the generator's JSON with CPU milliseconds
# per request added: of PID (`server_…`), of DB_PID (`db_…`), each with its children, and of the
# generator itself (`client_…`).
load() {
    local url=$1 server=$2 db=${3:-}
    local server0 db0=0 server1 db1=0
    server0=$(cpu_seconds "$server"); [ -n "$db" ] && db0=$(cpu_seconds "$db")
    local answer; answer=$(python3 -c '
import resource, subprocess, sys
out = subprocess.run(sys.argv[2:], capture_output=True, text=True).stdout
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{usage.ru_utime} {usage.ru_stime}")
print(out, end="")' "$E2E_TMP/load.time" "$BENCH" load "$url" "$SECONDS_PER_RUN" "$CONCURRENCY" $PAYLOAD)
    server1=$(cpu_seconds "$server"); [ -n "$db" ] && db1=$(cpu_seconds "$db")
    python3 -c '
import json, sys
answer = json.loads(sys.argv[1]); ok = max(answer["ok"], 1)
s0, s1, d0, d1 = (float(x) for x in sys.argv[2:6])
user, system = (float(x) for x in open(sys.argv[6]).read().split()[-2:])
answer["server_cpu_ms_per_request"] = round(1000 * (s1 - s0) / ok, 3)
answer["db_cpu_ms_per_request"] = round(1000 * (d1 - d0) / ok, 3)
answer["client_cpu_ms_per_request"] = round(1000 * (user + system) / ok, 3)
print(json.dumps(answer))' "$answer" "$server0" "$server1" "$db0" "$db1" "$E2E_TMP/load.time"
}
postmaster=$(pgrep -f -- "-D $E2E_TMP/bench/data/postgres" | head -1)
prometheus_pid=$(pgrep -f -- "--storage.tsdb.path=$E2E_TMP/prometheus/data" | head -1)

# Worst case: every series carries a new exemplar (issue 23 wants >= 1.0x Prometheus). Variants
# of the store measured on it (the index variants are in migrations/0015's header):
#   main as shipped (one row per exemplar, key + hash trace index)      0.47-0.54x; CPU/request
#     Correlator 0.82-1.21 ms + PostgreSQL 0.91-1.16 ms vs Prometheus 0.81-1.03 ms
#   prototype, not shipped: one row per request holding every column as an array (no per-series
#   deduplication, no series rows, no queries), same run and generator:
#     + GIN on the trace ids                                           0.67x; CPU 0.82 + 0.51 ms
#     + GIN on the trace ids and on the series fingerprints            0.98x; CPU 0.64 + 0.48 ms
#       (Prometheus 0.81-1.01 ms/request in those runs)
#   So even that layout, before the deduplication and queries it would still need, spends more
#   CPU per request than Prometheus does on the whole request.
PAYLOAD="100 100"
"$BENCH" load "$CORRELATOR_URL/api/v1/write" 2 "$CONCURRENCY" >/dev/null   # warm-up
corr=$(load "$CORRELATOR_URL/api/v1/write" "$CORRELATOR_PID" "$postmaster")
"$BENCH" load "http://127.0.0.1:$prom_port/api/v1/write" 2 "$CONCURRENCY" >/dev/null
prom=$(load "http://127.0.0.1:$prom_port/api/v1/write" "$prometheus_pid")
# What a Prometheus remote-writing everything it scrapes sends: 500 series of one sample each
# (2.42's max_samples_per_send), 1% of them with an exemplar. Prometheus stores every sample;
# Correlator checks every series and stores the exemplars.
PAYLOAD="500 5"
mixed_corr=$(load "$CORRELATOR_URL/api/v1/write" "$CORRELATOR_PID" "$postmaster")
mixed_prom=$(load "http://127.0.0.1:$prom_port/api/v1/write" "$prometheus_pid")
for kind in requests_per_s exemplars_per_s; do
    c=$(field "$corr" $kind); p=$(field "$prom" $kind)
    row "exemplars: remote write $kind" "$c" "$p" "$(ratio "$c" "$p")" "every series a new exemplar; target >= 1.0x; peer: Prometheus 2.42; failed $(field "$corr" failed)/$(field "$prom" failed)"
done
# Where the CPU goes, per request (two cores in all): Correlator's process plus its PostgreSQL
# against Prometheus; the load generator's share is the same work on both sides.
cpu_row() {
    local title=$1 ours=$2 theirs=$3 c d p both
    c=$(field "$ours" server_cpu_ms_per_request); d=$(field "$ours" db_cpu_ms_per_request); p=$(field "$theirs" server_cpu_ms_per_request)
    both=$(python3 -c "import sys; print(round(float(sys.argv[1]) + float(sys.argv[2]), 3))" "$c" "$d")
    row "$title" "$both" "$p" "$(ratio "$both" "$p")" "lower is better: correlator $c + postgresql $d; load generator $(field "$ours" client_cpu_ms_per_request)/$(field "$theirs" client_cpu_ms_per_request)"
}
cpu_row "exemplars: remote write CPU ms/request" "$corr" "$prom"
for kind in requests_per_s samples_per_s; do
    c=$(field "$mixed_corr" $kind); p=$(field "$mixed_prom" $kind)
    row "exemplars: remote write mixed $kind" "$c" "$p" "$(ratio "$c" "$p")" "500 series a request, 1% with an exemplar; target >= 2x; peer: Prometheus 2.42; failed $(field "$mixed_corr" failed)/$(field "$mixed_prom" failed)"
done
cpu_row "exemplars: remote write mixed CPU ms/request" "$mixed_corr" "$mixed_prom"
for answer in "$corr" "$prom" "$mixed_corr" "$mixed_prom"; do
    error=$(field "$answer" first_error)
    [ -n "$error" ] && echo "  first error: $error"
done
exit 0
