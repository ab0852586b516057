#!/usr/bin/env bash
# make bench-citus: the same Correlator (release build) on one PostgreSQL and on a Citus
# coordinator with two workers, all four servers on this machine with the same settings, the
# same data, in the same run:
#   - span ingest: 4 OTLP/HTTP clients POST 512 new spans per request for SECONDS (15);
#     spans/s = rows stored / elapsed;
#   - trace → profiles: GET /api/v1/traces/{id}/profiles for random traces at RATE (20/s) for
#     SECONDS, open loop (Benchmarks/correlation/fixedrate.go), over TRACES (20,000) traces of
#     Benchmarks/correlation/data.sql; p50 and p99.
# On one machine the workers share its cores with the coordinator and the single node: this
# measures what Citus costs (a coordinator hop, fan-outs, two-phase commits), not how it scales.
# Needs Citus (Tests/citus/cluster.bash says how to get it) and go.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
RATE=${RATE:-20}
TRACES=${TRACES:-20000}
source "$ROOT/Tests/citus/cluster.bash"
citus_check || exit 2
source "$ROOT/Tests/e2e/lib/common.bash"
trap 'cleanup; stop_nodes' EXIT
command -v go >/dev/null || { echo "bench-citus: go missing (deps/apt)" >&2; exit 2; }
GOCACHE="$E2E_TMP/go-cache" GOFLAGS=-mod=mod GOPROXY=off go build -o "$E2E_TMP/fixedrate" "$ROOT/Benchmarks/correlation/fixedrate.go" \
    || { echo "bench-citus: building the load client failed" >&2; exit 1; }

echo "bench-citus: starting one PostgreSQL and a coordinator with two workers" >&2
start_node single "" || exit 1
psql_on "${PORT[single]}" postgres -c "CREATE DATABASE bench" >/dev/null || exit 1
start_citus_cluster || exit 1
CITUS_URL=$("$ROOT/Tests/citus/new-database.sh" bench) || exit 1
declare -A URL=([single]="postgres://admin@127.0.0.1:${PORT[single]}/bench?sslmode=disable" [citus]=$CITUS_URL)
declare -A INGEST P50 P99 NOTE

percentiles() { python3 -c '
import sys
lat = sorted(float(l) for l in sys.stdin if l.strip())
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
print(f"{p(0.5):.2f} {p(0.99):.2f} {len(lat)}")'; }

for target in single citus; do
    echo "bench-citus: $target" >&2
    PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 "${URL[$target]}")
    start_correlator "$target" --database-url "${URL[$target]}" --log-level warning || exit 1
    # Ingest: warm up (connections, partitions, plans), then from an empty table.
    python3 "$ROOT/Benchmarks/traces/load.py" "$CORRELATOR_URL" 2 4 512 >/dev/null
    "${PSQL[@]}" -c "TRUNCATE spans" || exit 1
    load=$(python3 "$ROOT/Benchmarks/traces/load.py" "$CORRELATOR_URL" "$SECONDS_PER_RUN" 4 512) || exit 1
    stored=$("${PSQL[@]}" -c "SELECT count(*) FROM spans")
    INGEST[$target]=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(int($stored / d['seconds']))" "$load")
    # Trace → profiles over the generated store.
    "${PSQL[@]}" -c "TRUNCATE spans" || exit 1
    "${PSQL[@]}" -v traces="$TRACES" -f "$ROOT/Benchmarks/correlation/data.sql" >/dev/null || exit 1
    "${PSQL[@]}" -c "ANALYZE spans" -c "ANALYZE exemplars" -c "ANALYZE profiles" -c "ANALYZE span_profiles" -c "ANALYZE profile_functions" >/dev/null
    "$E2E_TMP/fixedrate" "$CORRELATOR_URL" "$RATE" 5 "$TRACES" >/dev/null
    rm -f "$E2E_TMP/$target.latencies"
    read -r _ _ requests errors < <("$E2E_TMP/fixedrate" "$CORRELATOR_URL" "$RATE" "$SECONDS_PER_RUN" "$TRACES" "$E2E_TMP/$target.latencies")
    read -r P50[$target] P99[$target] _ < <(percentiles <"$E2E_TMP/$target.latencies")
    NOTE[$target]="$requests requests, $errors non-200"
    # The answers themselves, to compare across the two stores.
    mkdir -p "$E2E_TMP/answers-$target"
    for t in $(seq 1 60); do
        curl -s "$CORRELATOR_URL/api/v1/traces/$(printf '%032x' "$t")/profiles" >"$E2E_TMP/answers-$target/$t.json"
    done
    stop_correlator
done

# The data was generated relative to each store's own clock: times differ, everything else
# (links, kinds, spans, profiles, order, top functions, overlaps) must not.
SAME=$(python3 - "$E2E_TMP/answers-single" "$E2E_TMP/answers-citus" <<'PY'
import json, os, re, sys
def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not re.search(r"start|end|duration|time|_at$|from|to$", k, re.I)}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value
names = sorted(os.listdir(sys.argv[1]))
same = sum(strip(json.load(open(os.path.join(sys.argv[1], n)))) == strip(json.load(open(os.path.join(sys.argv[2], n)))) for n in names)
links = sum(len(json.load(open(os.path.join(sys.argv[1], n))).get("links", [])) for n in names)
print(f"{same} of {len(names)} traces ({links} links) answered the same")
PY
)
echo "bench-citus: trace → profiles on both stores: $SAME" >&2

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x' if b>0 else 'n/a')" "$1" "$2"; }
printf '%-44s %12s %12s %8s %s\n' "benchmark" "single node" "citus 1+2" "ratio" "note"
printf '%-44s %12s %12s %8s %s\n' "span ingest (spans/s, 4 clients x 512)" "${INGEST[single]}" "${INGEST[citus]}" \
    "$(ratio "${INGEST[citus]}" "${INGEST[single]}")" "COPY split by trace id over 4 shards"
printf '%-44s %12s %12s %8s %s\n' "trace→profiles p50 @${RATE}/s (ms)" "${P50[single]}" "${P50[citus]}" \
    "$(ratio "${P50[citus]}" "${P50[single]}")" "$TRACES traces; single: ${NOTE[single]}; citus: ${NOTE[citus]}"
printf '%-44s %12s %12s %8s %s\n' "trace→profiles p99 @${RATE}/s (ms)" "${P99[single]}" "${P99[citus]}" \
    "$(ratio "${P99[citus]}" "${P99[single]}")" "one machine: Citus's overhead, not its scaling; $SAME"
