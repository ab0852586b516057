#!/usr/bin/env bash
# Grafana provisioning (docs/grafana/provisioning/datasources/correlator.yaml): the file parses
# as Grafana's apiVersion 1 and its three data sources (Prometheus, Tempo, Grafana Pyroscope)
# point at one Correlator and at each other. Then the path the file wires, walked against a
# running Correlator with the requests those data sources send (Pyroscope's in Connect protobuf,
# as Grafana's client sends them): an exemplar's trace_id opens its trace; the span's "Profiles
# for this span" query (the configured profile type, the tag mapping's label, the span id) gives
# the CPU time and functions `go tool pprof -tagfocus span_id=…` finds for that span.
source "$(dirname "$0")/lib/common.bash"
FILE=$E2E_ROOT/docs/grafana/provisioning/datasources/correlator.yaml
echo "grafana-provisioning: $FILE"

check "PyYAML is installed (deps/pip/grafana.txt)" python3 -c "import yaml" || { finish; exit 1; }
# The data sources as JSON, keyed by type, for the checks below.
sources=$(python3 - "$FILE" <<'PY'
import json, sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
assert config.get("apiVersion") == 1, f"apiVersion is {config.get('apiVersion')!r}, Grafana reads 1"
print(json.dumps({source["type"]: source for source in config["datasources"]}))
PY
) || { check "the file parses as Grafana's apiVersion 1" false; finish; exit 1; }
check "the file parses as Grafana's apiVersion 1" true
get() { python3 -c "import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, {'d': d}))" "$sources" "$1"; }

check "it holds the three data sources: prometheus, tempo, grafana-pyroscope-datasource" \
    test "$(get 'sorted(d)')" = "['grafana-pyroscope-datasource', 'prometheus', 'tempo']"
check "every url is the same Correlator, on its default port 4318 ($(get 'sorted({s["url"] for s in d.values()})'))" python3 -c '
import json, sys, urllib.parse
urls = {s["url"] for s in json.loads(sys.argv[1]).values()}
sys.exit(not (len(urls) == 1 and urllib.parse.urlparse(urls.pop()).port == 4318))' "$sources"
check "the uids are distinct and every data source is proxied by Grafana's server" python3 -c '
import json, sys
d = json.loads(sys.argv[1]).values()
sys.exit(not (len({s["uid"] for s in d}) == 3 and all(s.get("access", "proxy") == "proxy" for s in d)))' "$sources"
check "Prometheus: exemplars' trace_id opens the Tempo data source" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
dest = d["prometheus"]["jsonData"]["exemplarTraceIdDestinations"]
sys.exit(not (len(dest) == 1 and dest[0]["name"] == "trace_id" and dest[0]["datasourceUid"] == d["tempo"]["uid"] and "url" not in dest[0]))' "$sources"
check "Tempo: tracesToProfiles names the Pyroscope data source, Go CPU and service.name -> service_name" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
t = d["tempo"]["jsonData"]["tracesToProfiles"]
sys.exit(not (t["datasourceUid"] == d["grafana-pyroscope-datasource"]["uid"]
              and t["profileTypeId"] == "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
              and {"key": "service.name", "value": "service_name"} in t["tags"]
              and t.get("customQuery") is False))' "$sources"

# What the data sources ask, answered by a Correlator holding one slow request of the Go fixture
# (Tests/Fixtures/pprof-go119: span ad0338ddcc3e722a of GET /invoice, whose labelled CPU samples
# `go tool pprof -tagfocus` counts in golden/cpu.cpu.tagfocus-span_id.top.txt): its exemplar,
# its span and the CPU profile, sent now, under a tenant of its own (X-Scope-OrgID, the file's
# commented header option).
start_correlator grafana || { finish; exit 1; }
TENANT=grafana-e2e
TRACE_ID=81a776436b600b8d4bd15b7e36ded147
SPAN_ID=ad0338ddcc3e722a
SERVICE=checkout-api
python3 - "$CORRELATOR_URL" "$TENANT" "$E2E_ROOT/Tests/Fixtures/pprof-go119/cpu.pb.gz" "$TRACE_ID" "$SPAN_ID" "$SERVICE" <<'PY' >"$E2E_TMP/seed.log" 2>&1
import json, sys, time, urllib.request
url, tenant, profile, trace_id, span_id, service = sys.argv[1:7]
now = time.time_ns()
def post(path, body, content_type):
    request = urllib.request.Request(url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type, "X-Scope-OrgID": tenant})
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 204), (path, response.status)
exposition = f"""# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{{service="{service}",route="/invoice",le="0.1"}} 1 # {{trace_id="{trace_id}",span_id="{span_id}"}} 0.079
http_server_request_duration_seconds_bucket{{service="{service}",route="/invoice",le="+Inf"}} 1
http_server_request_duration_seconds_sum{{service="{service}",route="/invoice"}} 0.079
http_server_request_duration_seconds_count{{service="{service}",route="/invoice"}} 1
# EOF
"""
post("/api/v1/exemplars", exposition.encode(), "application/openmetrics-text; version=1.0.0")
span = {"traceId": trace_id, "spanId": span_id, "name": "GET /invoice", "kind": 2,
        "startTimeUnixNano": str(now - 79_000_000), "endTimeUnixNano": str(now)}
traces = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                             "scopeSpans": [{"spans": [span]}]}]}
post("/v1/traces", json.dumps(traces).encode(), "application/json")
post(f"/api/v1/profiles?service={service}&type=cpu&from={now // 1_000_000_000 - 2}", open(profile, "rb").read(), "application/octet-stream")
PY
check "the request's exemplar, span and CPU profile are stored" test $? = 0 || { cat "$E2E_TMP/seed.log"; finish; exit 1; }

check "Prometheus: /api/v1/query_exemplars (POST, its httpMethod) gives the exemplar's trace_id" python3 - "$CORRELATOR_URL" "$TENANT" "$TRACE_ID" <<'PY'
import json, sys, time, urllib.parse, urllib.request
url, tenant, trace_id = sys.argv[1:4]
body = urllib.parse.urlencode({"query": 'histogram_quantile(0.99, rate(http_server_request_duration_seconds_bucket{route="/invoice"}[5m]))',
                               "start": int(time.time()) - 600, "end": int(time.time()) + 60}).encode()
request = urllib.request.Request(url + "/api/v1/query_exemplars", data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "X-Scope-OrgID": tenant})
data = json.load(urllib.request.urlopen(request))["data"]
ids = [e["labels"].get("trace_id") for s in data for e in s["exemplars"]]
print(f"    exemplar trace ids: {ids}")
sys.exit(ids != [trace_id])
PY
check "Tempo: Save & test (/api/echo), and the trace by id (/api/v2/traces/{id}) has the span with service.name" \
    python3 - "$CORRELATOR_URL" "$TENANT" "$TRACE_ID" "$SPAN_ID" "$SERVICE" <<'PY'
import base64, json, sys, urllib.request
url, tenant, trace_id, span_id, service = sys.argv[1:6]
get = lambda path: urllib.request.urlopen(urllib.request.Request(url + path, headers={"X-Scope-OrgID": tenant}))
echo = get("/api/echo").read().decode().strip()
trace = json.load(get(f"/api/v2/traces/{trace_id}"))
found = []
for resource in trace["trace"]["resourceSpans"]:
    attributes = {a["key"]: a["value"].get("stringValue") for a in resource["resource"]["attributes"]}
    for scope in resource["scopeSpans"]:
        for span in scope["spans"]:
            sid = span["spanId"]
            if len(sid) != 16:  # protojson writes bytes as base64
                sid = base64.b64decode(sid).hex()
            found.append((sid, attributes.get("service.name")))
print(f"    echo: {echo!r}; spans (id, service.name): {found}")
sys.exit(not (echo == "echo" and found == [(span_id, service)]))
PY

# Pyroscope's Connect query API in protobuf, as Grafana's Pyroscope data source sends it.
export E2E_TMP
cat >"$E2E_TMP/connect.py" <<'PY'
import time, urllib.request
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def ld(f, payload): return varint(f << 3 | 2) + varint(len(payload)) + payload
def vi(f, n): return varint(f << 3) + varint(n)
def read_varint(data, at):
    value = shift = 0
    while True:
        b = data[at]; at += 1; value |= (b & 0x7F) << shift; shift += 7
        if b < 0x80: return value, at
def fields(data):
    """(number, value) of each field of a message: bytes, or an int for varints."""
    at, out = 0, []
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = read_varint(data, at)
        elif wire == 2:
            length, at = read_varint(data, at)
            value = data[at:at + length]; at += length
        elif wire == 1:
            value = data[at:at + 8]; at += 8
        elif wire == 5:
            value = data[at:at + 4]; at += 4
        else:
            raise ValueError(f"wire type {wire}")
        out.append((number, value))
    return out
def call(url, tenant, method, body):
    request = urllib.request.Request(f"{url}/querier.v1.QuerierService/{method}", data=body, method="POST",
                                     headers={"Content-Type": "application/proto", "Connect-Protocol-Version": "1", "X-Scope-OrgID": tenant})
    return urllib.request.urlopen(request).read()
start, end = int(time.time() * 1000) - 3_600_000, int(time.time() * 1000) + 60_000
PY
profile_type=$(get 'd["tempo"]["jsonData"]["tracesToProfiles"]["profileTypeId"]')
label=$(get 'd["tempo"]["jsonData"]["tracesToProfiles"]["tags"][0]["value"]')
check "Pyroscope: ProfileTypes lists tracesToProfiles' $profile_type" python3 - "$CORRELATOR_URL" "$TENANT" "$profile_type" <<'PY'
import os, sys; sys.path.insert(0, os.environ["E2E_TMP"]); from connect import *
url, tenant, wanted = sys.argv[1:4]
answer = call(url, tenant, "ProfileTypes", vi(1, start) + vi(2, end))
ids = [dict(fields(t)).get(1, b"").decode() for n, t in fields(answer) if n == 1]
print(f"    profile types: {ids}")
sys.exit(wanted not in ids)
PY
check "Pyroscope: LabelValues of tracesToProfiles' label $label ({} as Grafana's default selector) is the span's service.name" \
    python3 - "$CORRELATOR_URL" "$TENANT" "$label" "$SERVICE" <<'PY'
import os, sys; sys.path.insert(0, os.environ["E2E_TMP"]); from connect import *
url, tenant, label, service = sys.argv[1:5]
answer = call(url, tenant, "LabelValues", ld(1, label.encode()) + ld(2, b"{}") + vi(3, start) + vi(4, end))
names = [v.decode() for n, v in fields(answer) if n == 1]
print(f"    {label} values: {names}")
sys.exit(names != [service])
PY
# Tempo's "Profiles for this span": SelectMergeSpanProfile with the configured type, the label
# selector built from the tag mapping and the span's id; go tool pprof's numbers for that span.
check "Pyroscope: the span's profile as tracesToProfiles asks for it is go tool pprof's (-tagfocus span_id=$SPAN_ID)" \
    python3 - "$CORRELATOR_URL" "$TENANT" "$profile_type" "$label" "$SERVICE" "$SPAN_ID" \
        "$E2E_ROOT/Tests/Fixtures/pprof-go119/golden/cpu.cpu.tagfocus-span_id.top.txt" <<'PY'
import os, re, sys; sys.path.insert(0, os.environ["E2E_TMP"]); from connect import *
url, tenant, profile_type, label, service, span_id, golden = sys.argv[1:8]
text = open(golden).read()
assert "tagfocus=span_id=" + span_id in text, "the golden is of another span"
want_total = int(re.search(r"accounting for (\d+)ms", text).group(1)) * 1_000_000
rows = text.split("flat%", 1)[1].splitlines()[1:]  # flat flat% sum% cum cum% function
want_functions = {" ".join(row.split()[5:]) for row in rows if len(row.split()) >= 6}
selector = '{%s="%s"}' % (label, service)
answer = call(url, tenant, "SelectMergeSpanProfile",
              ld(1, profile_type.encode()) + ld(2, selector.encode()) + ld(3, span_id.encode()) + vi(4, start) + vi(5, end))
graph = dict(fields(answer)).get(1, b"")
names = {v.decode() for n, v in fields(graph) if n == 1} - {"total"}
total = dict(fields(graph)).get(3, 0)
print(f"    {selector} span {span_id}: total {total} ns (go tool pprof {want_total}), {len(names)} functions ({len(want_functions)}); missing {sorted(want_functions - names)}, extra {sorted(names - want_functions)}")
sys.exit(not (total == want_total and names == want_functions))
PY

if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- correlator log"; grep -v '^$' "$E2E_TMP/grafana/correlator.log" | tail -10
fi
finish
