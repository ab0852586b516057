#!/usr/bin/env bash
# OTLP/HTTP traces end to end: the OpenTelemetry Python SDK's OTLP exporter, configured only with
# OTEL_EXPORTER_OTLP_ENDPOINT, sends spans to Correlator; every span must come back from
# /api/v1/traces/{id} as the SDK reported it (ids, names, parents, profile ids). The same spans as
# OTLP JSON into a fresh tenant must read back identical.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/traces" && pwd)

echo "traces: OpenTelemetry Python SDK → Correlator"
start_correlator traces || { echo "  FAIL correlator did not start"; E2E_FAILED=1; finish; exit 1; }

OTEL_EXPORTER_OTLP_ENDPOINT=$CORRELATOR_URL OTEL_BSP_SCHEDULE_DELAY=100 \
    python3 "$HERE/export_spans.py" "$E2E_TMP/sdk.json" "$E2E_TMP/otlp.json" >"$E2E_TMP/export.log" 2>&1
status=$?
sed 's/^/    /' "$E2E_TMP/export.log" | tail -5
check "the SDK's OTLP/HTTP exporter reports success" test "$status" -eq 0
check "the SDK exported spans with profile ids" \
    python3 -c "import json,sys; s=json.load(open('$E2E_TMP/sdk.json'))['spans']; sys.exit(not (len(s) >= 48 and any(x['profile_id'] for x in s)))"

mkdir -p "$E2E_TMP/pb" "$E2E_TMP/json"
check "every span arrives as the SDK reported it (protobuf, default tenant)" \
    python3 "$HERE/compare_traces.py" "$CORRELATOR_URL" "$E2E_TMP/sdk.json" default "$E2E_TMP/pb"

post_json() {  # post_json TENANT → prints the HTTP status and writes the body to $E2E_TMP/response
    curl -s -o "$E2E_TMP/response" -w '%{http_code}' -X POST "$CORRELATOR_URL/v1/traces" \
        -H 'Content-Type: application/json' -H "X-Scope-OrgID: $1" --data-binary "@$E2E_TMP/otlp.json"
}
check "the same spans as OTLP JSON are accepted (200, {})" \
    test "$(post_json json-tenant)" = 200 -a "$(cat "$E2E_TMP/response")" = "{}"
check "every span arrives as the SDK reported it (JSON, fresh tenant)" \
    python3 "$HERE/compare_traces.py" "$CORRELATOR_URL" "$E2E_TMP/sdk.json" json-tenant "$E2E_TMP/json"
check "protobuf and JSON exports read back byte for byte identical" diff -r "$E2E_TMP/pb" "$E2E_TMP/json"

check "a retried JSON export is accepted" test "$(post_json json-tenant)" = 200
check "the retry added no spans" \
    python3 "$HERE/compare_traces.py" "$CORRELATOR_URL" "$E2E_TMP/sdk.json" json-tenant

# gzip and a tenant header, as the exporter sends them when configured so.
OTEL_EXPORTER_OTLP_ENDPOINT=$CORRELATOR_URL OTEL_EXPORTER_OTLP_COMPRESSION=gzip \
OTEL_EXPORTER_OTLP_HEADERS="X-Scope-OrgID=gzip-tenant" OTEL_BSP_SCHEDULE_DELAY=100 \
    python3 "$HERE/export_spans.py" "$E2E_TMP/sdk-gzip.json" "$E2E_TMP/otlp-gzip.json" >"$E2E_TMP/export-gzip.log" 2>&1
check "the exporter with gzip compression reports success" test $? -eq 0
check "gzip-compressed spans arrive in their tenant" \
    python3 "$HERE/compare_traces.py" "$CORRELATOR_URL" "$E2E_TMP/sdk-gzip.json" gzip-tenant
first_trace=$(python3 -c "import json; print(json.load(open('$E2E_TMP/sdk-gzip.json'))['spans'][0]['trace_id'])")
check "another tenant does not see them (404)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$CORRELATOR_URL/api/v1/traces/$first_trace")" = 404

check "/metrics counts the received spans" \
    sh -c "curl -s '$CORRELATOR_URL/metrics' | grep -q '^correlator_spans_received_total'"
check "correlator stops cleanly on SIGTERM" stop_correlator
finish
