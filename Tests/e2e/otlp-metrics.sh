#!/usr/bin/env bash
# OTLP metrics with exemplars: the OpenTelemetry Python SDK's histogram and counter, recorded
# inside spans (its default trace-based exemplar filter keeps the span's ids), exported over
# OTLP/HTTP protobuf to /v1/metrics; and an OTLP JSON export sent with curl. Every exemplar comes
# back from query_exemplars under the name Prometheus's OTLP translation gives it, with its
# trace id, span id, value and bucket, and links to its trace.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/otlp-metrics" && pwd)
echo "otlp-metrics: the OpenTelemetry Python SDK's metrics (OTLP/HTTP) and an OTLP JSON export"

start_correlator otlp-metrics || { finish; exit 1; }
python3 "$HERE/app.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" >"$E2E_TMP/app.log" 2>&1
check "the instrumented app exported its metrics" test -s "$E2E_TMP/recorded.json" || { tail -20 "$E2E_TMP/app.log"; finish; exit 1; }

check "every recorded request's exemplar is on checkout_request_duration_seconds_bucket with its trace id, span id, value and le" \
    python3 "$HERE/check_exemplars.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" histogram
check "the counter's exemplars are on checkout_requests_total" python3 "$HERE/check_exemplars.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json" counter
check "every span the SDK ended is stored" python3 "$HERE/check_spans.py" "$CORRELATOR_URL" "$E2E_TMP/recorded.json.spans"
slow=$(python3 -c "import json; print(max(json.load(open('$E2E_TMP/recorded.json')), key=lambda r: r['value'])['trace_id'])")
check "the slowest request's exemplar leads to its trace (spans stored)" python3 -c '
import json, sys, time, urllib.request
for _ in range(20):
    try:
        spans = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/traces/" + sys.argv[2]))
        if spans: sys.exit(0)
    except Exception:
        pass
    time.sleep(0.5)
sys.exit(1)' "$CORRELATOR_URL" "$slow"

# OTLP JSON (protobuf's JSON mapping: hex ids, 64-bit integers as strings), as curl users send it.
now=$(($(date +%s) * 1000000000))
cat >"$E2E_TMP/metrics.json" <<JSON
{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
 "scopeMetrics":[{"metrics":[
  {"name":"db.query.time","unit":"ms","histogram":{"aggregationTemporality":2,"dataPoints":[{"attributes":[{"key":"db.system","value":{"stringValue":"postgresql"}}],
   "timeUnixNano":"$now","count":"1","sum":250,"bucketCounts":["0","1","0"],"explicitBounds":[100,1000],
   "exemplars":[{"timeUnixNano":"$now","asDouble":250,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}},
  {"name":"jobs.done","sum":{"isMonotonic":true,"aggregationTemporality":2,"dataPoints":[{"asInt":"3","timeUnixNano":"$now",
   "exemplars":[{"timeUnixNano":"$now","asInt":"1","traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175"}]}]}}
 ]}]}]}
JSON
status=$(curl -s -o "$E2E_TMP/json.out" -w '%{http_code}' -X POST "$CORRELATOR_URL/v1/metrics" -H 'Content-Type: application/json' --data-binary "@$E2E_TMP/metrics.json")
check "an OTLP JSON export is accepted ($status)" test "$status" = 200
check "its histogram exemplar is on db_query_time_milliseconds_bucket{le=\"1000\"} and its sum's on jobs_done_total" python3 - "$CORRELATOR_URL" <<'PY'
import json, sys, urllib.parse, urllib.request
def exemplars(query):
    q = urllib.parse.urlencode({"query": query, "start": 0, "end": 4000000000})
    return [(s["seriesLabels"], e) for s in json.load(urllib.request.urlopen(f"{sys.argv[1]}/api/v1/query_exemplars?{q}"))["data"] for e in s["exemplars"]]
h = exemplars('db_query_time_milliseconds_bucket{job="json-svc"}')
c = exemplars('jobs_done_total{job="json-svc"}')
ok = (len(h) == 1 and h[0][0]["le"] == "1000" and h[0][0]["db_system"] == "postgresql" and h[0][1]["labels"]["trace_id"] == "5b8efff798038103d269b633813fc60c"
      and float(h[0][1]["value"]) == 250 and len(c) == 1 and c[0][1]["labels"]["span_id"] == "eee19b7ec3c1b175")
print(f"    histogram: {h}\n    counter: {c}")
sys.exit(not ok)
PY
status=$(curl -s -o "$E2E_TMP/bad.out" -w '%{http_code}' -X POST "$CORRELATOR_URL/v1/metrics" -H 'Content-Type: application/x-protobuf' --data-binary 'not protobuf at all')
check "a malformed export is a 400 naming what and where ($status: $(head -c 120 "$E2E_TMP/bad.out" | tr -cd '[:print:]'))" test "$status" = 400
finish
