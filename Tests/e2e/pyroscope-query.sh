#!/usr/bin/env bash
# Pyroscope's query API (querier.v1.QuerierService, Connect unary) as Grafana's Pyroscope data
# source calls it, played by the Connect project's Python client (connectrpc) with stubs generated
# now from proto/. Go CPU and heap profiles written by the Go runtime's profiler are uploaded in a
# known window; every merged number the API answers (flame graph totals, self per function, the
# pprof it returns, series, span profiles, diffs) is compared with go tool pprof merging the same
# files.
source "$(dirname "$0")/lib/common.bash"
HERE=$E2E_ROOT/Tests/e2e/pyroscope-query
FIXTURES=$E2E_ROOT/Tests/Fixtures
echo "pyroscope-query: connectrpc (Connect's Python client) against querier.v1.QuerierService, numbers from go tool pprof"

check "connectrpc, protoc-gen-connectrpc and grpcio-tools are installed (deps/pip/pyroscope-query.txt)" \
    python3 -c "import connectrpc, protoc_gen_connectrpc, grpc_tools.protoc" || { finish; exit 1; }
has_go() { command -v go >/dev/null; }
check "go tool pprof is installed (deps/apt/profiles.txt: golang-go)" has_go || { finish; exit 1; }
export PPROF_TMPDIR=$E2E_TMP/pprof-tmp PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the work tree
check "the flame graph level decoder reads hand-built graphs back and reports broken ones" \
    python3 "$HERE/test_flamegraph.py"

echo "-- stubs generated from proto/ with grpcio-tools' protoc and protoc-gen-connectrpc"
# Python cannot import the proto packages under their own paths: a package `types` is the
# standard library's and `google` protobuf's namespace. The files are copied under one package,
# pyroscope_api/, and their imports follow; the proto packages (querier.v1, ...) and so the wire
# and the Connect paths stay the same.
mkdir -p "$E2E_TMP/proto/pyroscope_api" "$E2E_TMP/stubs"
(cd "$E2E_ROOT/proto" && find . -name '*.proto') | while read -r file; do
    mkdir -p "$(dirname "$E2E_TMP/proto/pyroscope_api/$file")"
    sed -E 's#^import "([^"]+)";#import "pyroscope_api/\1";#' "$E2E_ROOT/proto/$file" >"$E2E_TMP/proto/pyroscope_api/$file"
done
printf '#!/bin/sh\nexec %s -c "from protoc_gen_connectrpc import main; main()"\n' "$(command -v python3)" \
    >"$E2E_TMP/protoc-gen-connectrpc"
chmod +x "$E2E_TMP/protoc-gen-connectrpc"
python3 -m grpc_tools.protoc -I"$E2E_TMP/proto" --python_out="$E2E_TMP/stubs" \
    --plugin=protoc-gen-connectrpc="$E2E_TMP/protoc-gen-connectrpc" \
    --connectrpc_out="$E2E_TMP/stubs" --connectrpc_opt=protobuf=google,io=sync \
    pyroscope_api/querier/v1/querier.proto pyroscope_api/types/v1/types.proto pyroscope_api/google/v1/profile.proto \
    >"$E2E_TMP/protoc.log" 2>&1
check "protoc generated the messages and the Connect client (querier_connect.py)" \
    test -s "$E2E_TMP/stubs/pyroscope_api/querier/v1/querier_connect.py" || { cat "$E2E_TMP/protoc.log"; finish; exit 1; }
check "the generated client imports" env PYTHONPATH="$E2E_TMP/stubs" \
    python3 -c "from pyroscope_api.querier.v1.querier_connect import QuerierServiceClientSync" || { finish; exit 1; }

start_correlator pyroscope-query || { finish; exit 1; }

echo "-- Go runtime profiles uploaded in a known window: 3 CPU and 2 heap of go-checkout, 1 CPU of go-billing"
SERVICE=go-checkout
OTHER=go-billing
base=$(( $(date +%s) / 60 * 60 - 1800 ))   # half an hour ago, on a minute
upload() {  # upload FILE SERVICE TYPE FROM UNTIL LABELS: POST /api/v1/profiles, checks a 2xx
    local status until=""
    [ -n "$5" ] && until="&until=$5"
    status=$(curl -s -o "$E2E_TMP/upload.out" -w '%{http_code}' --data-binary "@$1" \
        "$CORRELATOR_URL/api/v1/profiles?service=$2&type=$3&from=$4$until&$6")
    check "upload $(basename "$1") as $2 $3 at base+$(( $4 - base ))s ($status)" test "${status:0:1}" = 2 ||
        cat "$E2E_TMP/upload.out"
}
labels="env=e2e&region=eu-west"
CPU_FILES=("$FIXTURES/merge/cpu-a.pb.gz" "$FIXTURES/merge/cpu-b.pb.gz" "$FIXTURES/merge/cpu-c.pb.gz")
HEAP_FILES=("$FIXTURES/merge/heap-a.pb.gz" "$FIXTURES/merge/heap-b.pb.gz")
upload "${CPU_FILES[0]}" "$SERVICE" cpu $((base + 10)) $((base + 12)) "$labels"
upload "${CPU_FILES[1]}" "$SERVICE" cpu $((base + 70)) $((base + 72)) "$labels"
upload "${CPU_FILES[2]}" "$SERVICE" cpu $((base + 130)) $((base + 132)) "$labels"
upload "${HEAP_FILES[0]}" "$SERVICE" heap $((base + 15)) "" "$labels"
upload "${HEAP_FILES[1]}" "$SERVICE" heap $((base + 75)) "" "$labels"
upload "$FIXTURES/pprof-go119/cpu.pb.gz" "$OTHER" cpu $((base + 40)) $((base + 43)) "env=staging&region=us-east"
START=$(( base * 1000 )); END=$(( (base + 180) * 1000 ))
LEFT="[$START, $(( (base + 60) * 1000 ))]"; RIGHT="[$(( (base + 60) * 1000 )), $END]"
WIDE="[$(( (base / 3600 - 2) * 3600 * 1000 )), $(( (base / 3600 + 2) * 3600 * 1000 ))]"

echo "-- go tool pprof on the same files"
ref() { python3 "$HERE/pprof_top.py" "$E2E_TMP/ref-$1.json" "${@:2}"; }
check "go tool pprof merges the 3 CPU profiles" ref cpu cpu ns "${CPU_FILES[@]}"
check "go tool pprof merges the 2 heap profiles" ref heap inuse_space B "${HEAP_FILES[@]}"
check "go tool pprof on $OTHER's profile" ref other cpu ns "$FIXTURES/pprof-go119/cpu.pb.gz"
check "go tool pprof on the diff's left window (cpu-a)" ref left cpu ns "${CPU_FILES[0]}"
check "go tool pprof on the diff's right window (cpu-b, cpu-c)" ref right cpu ns "${CPU_FILES[1]}" "${CPU_FILES[2]}"
# The two span ids with the most CPU, from go tool pprof -tags.
spans=$(go tool pprof -tags -sample_index=cpu "${CPU_FILES[@]}" 2>/dev/null |
    awk '/^ *span_id:/ {on = 1; next} /^ *[a-z_]+: Total/ {on = 0} on && length($NF) == 16 && $NF ~ /^[0-9a-f]+$/ {print $NF}' | head -2 | paste -sd, -)
check "go tool pprof -tags lists span ids ($spans)" test -n "$spans" || spans=0000000000000000
check "go tool pprof -tagfocus=span_id=$spans" ref span cpu ns "-tagfocus=span_id=$spans" "${CPU_FILES[@]}"

spans_json=$(printf '%s' "$spans" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().split(",")))')
cat >"$E2E_TMP/context.json" <<JSON
{"url": "$CORRELATOR_URL", "stubs": "$E2E_TMP/stubs", "tmp": "$E2E_TMP",
 "service": "$SERVICE", "other_service": "$OTHER", "labels": {"env": "e2e", "region": "eu-west"},
 "start": $START, "end": $END, "left": $LEFT, "right": $RIGHT, "wide": $WIDE,
 "spans": $spans_json,
 "pprof": {"cpu": "$E2E_TMP/ref-cpu.json", "heap": "$E2E_TMP/ref-heap.json", "left": "$E2E_TMP/ref-left.json",
           "right": "$E2E_TMP/ref-right.json", "span": "$E2E_TMP/ref-span.json", "other": "$E2E_TMP/ref-other.json"}}
JSON
query() { python3 "$HERE/query.py" "$E2E_TMP/context.json" "$@"; }

echo "-- discovery, as Grafana's health check, query editor and label browser call it"
check "ProfileTypes(start=1000, end=4000), the data source's health check, succeeds" query health
check "ProfileTypes over the window lists process_cpu and memory:inuse_space, fields filled" query profile-types
check "LabelNames({service_name=\"$SERVICE\"}) has service_name and the uploaded labels" query label-names
check "LabelValues(service_name) has both services; env/region of $SERVICE only its own" query label-values
check "Series({service_name=\"$SERVICE\"}) answers its label sets, none of $OTHER" query series

echo "-- SelectMergeStacktraces: the flame graph of the 3 CPU profiles"
check "flame graph total equals go tool pprof's merged total" query flamegraph-total
check "the same over whole hours around the window" query flamegraph-total wide
check "levels decode into a tree: children inside their parent, self sum = total = root, max_self" query flamegraph-shape
check "the function with the largest self is go tool pprof's top flat, same value" query flamegraph-top
check "self and total per function name equal go tool pprof's flat and cum" query flamegraph-functions
check "heap (memory:inuse_space): per function and total equal go tool pprof -sample_index=inuse_space" query heap
check "format=PROFILE_FORMAT_PPROF: go tool pprof opens it, same total and flat" query pprof-format
check "SelectMergeProfile: go tool pprof opens the google.v1.Profile, same total and flat" query merge-profile
check "SelectSeries(step=60s): points in the window (ms), values sum to the merged total" query select-series
check "SelectSeries(group_by=[service_name], {}): one series a service, each summing to its files' total" query series-by-service
check "max_nodes=64: a smaller tree, still sound, same total" query max-nodes
check "SelectMergeSpanProfile(span_selector=$spans) equals go tool pprof -tagfocus=span_id" query span-profile
check "Diff(left window, right window): leftTicks/rightTicks and each side's tree equal go tool pprof" query diff
check "the application/json codec: ProfileTypes and the flame graph total" query json
check "a gzip'd request (connectrpc's default send compression) answers the same total" query gzip

echo "-- Connect errors"
check "an unknown method answers unimplemented (HTTP 501)" query unknown-method
check "a body that is no protobuf message answers invalid_argument (HTTP 400)" query garbage-body
check "an unknown profile_typeID answers invalid_argument" query unknown-type

if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- correlator log"; grep -v '^$' "$E2E_TMP/pyroscope-query/correlator.log" | tail -15
fi
finish
