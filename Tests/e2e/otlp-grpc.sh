#!/usr/bin/env bash
# OTLP over gRPC, as Collectors and SDKs send it by default: the OpenTelemetry Python SDK's gRPC
# exporters (gzip) send spans and histogram/counter exemplars to correlator's --grpc-listen port;
# every span is stored and every exemplar comes back from query_exemplars under its Prometheus
# name with its trace id, span id and value (the app and checks of otlp-metrics.sh). Then a raw
# grpcio client sends a malformed message, an oversized one, one without a token (auth on), one
# with a read-only token and calls methods Correlator does not serve, and gets INVALID_ARGUMENT,
# RESOURCE_EXHAUSTED, UNAUTHENTICATED, PERMISSION_DENIED and UNIMPLEMENTED, while the server
# goes on acknowledging good exports.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/otlp-grpc" && pwd)
APP=$(cd "$(dirname "$0")/otlp-metrics" && pwd)
echo "otlp-grpc: the OpenTelemetry Python SDK over OTLP/gRPC, and a raw grpcio client"

start_correlator otlp-grpc || { finish; exit 1; }
# wait_grpc NAME: until the log says the gRPC port is open (it opens once the database is migrated).
wait_grpc() {
    for _ in $(seq 1 100); do
        grep -q "serving OTLP/gRPC (h2c) on $CORRELATOR_GRPC" "$E2E_TMP/$1/correlator.log" && return 0
        sleep 0.1
    done
    return 1
}
check "serve opens the gRPC port ($CORRELATOR_GRPC)" wait_grpc otlp-grpc
python3 "$APP/app.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" --grpc "$CORRELATOR_GRPC" >"$E2E_TMP/app.log" 2>&1
check "the instrumented app exported over gRPC" test -s "$E2E_TMP/recorded.json" || { tail -20 "$E2E_TMP/app.log"; finish; exit 1; }
check "the exporters reported no failure" sh -c "! grep -qi 'failed to export\|error' '$E2E_TMP/app.log'" || tail -5 "$E2E_TMP/app.log"
check "every span the SDK ended is stored" python3 "$APP/check_spans.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json.spans"
check "every recorded request's exemplar is on checkout_request_duration_seconds_bucket with its trace id, span id, value and le" \
    python3 "$APP/check_exemplars.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" histogram
check "the counter's exemplars are on checkout_requests_total" python3 "$APP/check_exemplars.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" counter

echo "  raw grpcio calls, authentication off:"
check "a malformed message: INVALID_ARGUMENT saying where" python3 "$HERE/raw_calls.py" malformed "$CORRELATOR_GRPC" "$CORRELATOR_URL"
check "methods Correlator does not serve: UNIMPLEMENTED" python3 "$HERE/raw_calls.py" unknown "$CORRELATOR_GRPC" "$CORRELATOR_URL"
check "a span with an all-zero trace id: partial success, 1 rejected" python3 "$HERE/raw_calls.py" partial "$CORRELATOR_GRPC" "$CORRELATOR_URL"
check "the server still acknowledges and stores a good export" python3 "$HERE/raw_calls.py" valid "$CORRELATOR_GRPC" "$CORRELATOR_URL"
check "gRPC calls are counted in /metrics" sh -c "curl -s '$CORRELATOR_URL/metrics' | grep -q 'correlator_grpc_requests_total{.*code=\"invalidArgument\"'"
FIRST_PID=$CORRELATOR_PID
check "SIGTERM stops it cleanly (gRPC port and PostgreSQL)" stop_correlator
check "the gRPC port is closed" sh -c "! python3 -c 'import socket,sys; h,p=sys.argv[1].rsplit(\":\",1); socket.create_connection((h,int(p)),1)' '$CORRELATOR_GRPC' 2>/dev/null"

echo "  raw grpcio calls, authentication on, max_body_bytes 65536:"
INGEST_TOKEN=grpc-ingest-token-$RANDOM$RANDOM$RANDOM
READ_TOKEN=grpc-read-token-$RANDOM$RANDOM$RANDOM
cat >"$E2E_TMP/auth.yaml" <<YAML
limits:
  max_body_bytes: 65536
auth:
  tokens:
    - {token: "$INGEST_TOKEN", tenant: grpc-team, scopes: [ingest, read]}
    - {token: "$READ_TOKEN", tenant: grpc-team, scopes: [read]}
YAML
start_correlator otlp-grpc-auth --config "$E2E_TMP/auth.yaml" || { finish; exit 1; }
wait_grpc otlp-grpc-auth
check "no token: UNAUTHENTICATED" python3 "$HERE/raw_calls.py" unauthenticated "$CORRELATOR_GRPC" "$CORRELATOR_URL"
check "a read-only token: PERMISSION_DENIED" python3 "$HERE/raw_calls.py" forbidden "$CORRELATOR_GRPC" "$CORRELATOR_URL" "$READ_TOKEN"
check "a message over max_body_bytes: RESOURCE_EXHAUSTED naming the limit" \
    python3 "$HERE/raw_calls.py" oversized "$CORRELATOR_GRPC" "$CORRELATOR_URL" "$INGEST_TOKEN" 65536
check "a malformed message with a token: INVALID_ARGUMENT" python3 "$HERE/raw_calls.py" malformed "$CORRELATOR_GRPC" "$CORRELATOR_URL" "$INGEST_TOKEN"
check "the server still acknowledges and stores a good export for the token's tenant" \
    python3 "$HERE/raw_calls.py" valid "$CORRELATOR_GRPC" "$CORRELATOR_URL" "$INGEST_TOKEN"
check "the token is never logged" sh -c "! grep -q '$INGEST_TOKEN' '$E2E_TMP/otlp-grpc-auth/correlator.log'"
finish
