#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time, seeded from the fixtures, and prints one row per
# target: executions, crashes. Crash inputs are kept in Fuzz/crashes/ (each must become a
# regression test). Usage: Fuzz/run.sh BINARY SECONDS TARGET...
set -u
BIN=$1; SECONDS_PER_TARGET=$2; shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/correlator-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SHARED=${CORRELATOR_SHARED_FIXTURES:-/work/shared/fixtures}
mkdir -p "$ROOT/Fuzz/crashes"

# Seeds: fixtures from real producers, the checked-in seeds, and what the binary encodes itself.
CORRELATOR_FUZZ_WRITE_SEEDS="$WORK/seeds" "$BIN" >/dev/null 2>&1
seed() {  # seed TARGET FILE...
    mkdir -p "$WORK/seeds/$1"
    local target=$1; shift
    for file in "$@"; do [ -f "$file" ] && cp "$file" "$WORK/seeds/$target/"; done
}
for f in "$ROOT"/Tests/Fixtures/pprof-go119/*.pb.gz "$SHARED"/pprof-go119/*.pb.gz; do
    [ -f "$f" ] || continue
    seed pprof "$f"
    gzip -dc "$f" >"$WORK/seeds/pprof/$(basename "$f" .gz).raw" 2>/dev/null
    cp "$WORK/seeds/pprof/$(basename "$f" .gz).raw" "$WORK/seeds/otlp_profiles/" 2>/dev/null || { mkdir -p "$WORK/seeds/otlp_profiles"; cp "$WORK/seeds/pprof/$(basename "$f" .gz).raw" "$WORK/seeds/otlp_profiles/"; }
done
seed openmetrics "$ROOT/Tests/Fixtures/pprof-go119/metrics.om.txt" "$SHARED/pprof-go119/metrics.om.txt"
seed prometheus_text "$ROOT/Tests/Fixtures/pprof-go119/metrics.om.txt"
seed otlp_traces_protobuf "$ROOT/Tests/Fixtures/otlp/spans.pb"
seed otlp_traces_json "$ROOT/Tests/Fixtures/otlp/spans.json"
seed rule_file "$ROOT"/Fuzz/seeds/rule_file/*
seed gzip "$ROOT"/Tests/Fixtures/pprof-go119/*.pb.gz
for dir in "$ROOT"/Fuzz/seeds/*/; do seed "$(basename "$dir")" "$dir"*; done

printf '%-22s %12s %8s %s\n' target executions crashes seeds
total_runs=0; total_crashes=0
for target in "$@"; do
    mkdir -p "$WORK/corpus/$target" "$WORK/seeds/$target"
    log="$WORK/$target.log"
    CORRELATOR_FUZZ_TARGET=$target "$BIN" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -max_len=262144 -print_final_stats=1 -artifact_prefix="$ROOT/Fuzz/crashes/$target-" \
        "$WORK/corpus/$target" "$WORK/seeds/$target" >"$log" 2>&1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(ls "$ROOT/Fuzz/crashes/" 2>/dev/null | grep -c "^$target-" || true)
    if grep -q 'ERROR: libFuzzer\|ERROR: AddressSanitizer\|Fatal error' "$log"; then
        echo "--- $target"; grep -m3 -A3 'ERROR\|Fatal error' "$log"
    fi
    printf '%-22s %12s %8s %s\n' "$target" "${runs:-0}" "$crashes" "$(ls "$WORK/seeds/$target" | wc -l)"
    total_runs=$((total_runs + ${runs:-0})); total_crashes=$((total_crashes + crashes))
done
printf '%-22s %12s %8s\n' total "$total_runs" "$total_crashes"
[ "$total_crashes" -eq 0 ]
