#!/usr/bin/env bash
# Pyroscope's Python SDK against Correlator, unmodified: a service instrumented as Grafana
# documents span profiles (OpenTelemetry SDK + pyroscope-io + pyroscope-otel) pushes its CPU
# profiles to /push.v1.PusherService/Push and its spans to /v1/traces. Its slow requests must
# resolve, through the span id labels the SDK puts on the samples, to the function that burned
# their CPU. py-spy's folded output goes to /ingest, Pyroscope's format by default.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/pyroscope" && pwd)
echo "pyroscope: the Pyroscope Python SDK (pyroscope-io) with pyroscope-otel and the OpenTelemetry SDK"

check "pyroscope-io and pyroscope-otel are installed (deps/pip/pyroscope.txt)" python3 -c "import pyroscope, pyroscope.otel" || { finish; exit 1; }
start_correlator pyroscope || { finish; exit 1; }

python3 "$HERE/app.py" "$CORRELATOR_URL" 14 "$E2E_TMP/requests.json" >"$E2E_TMP/app.log" 2>&1
check "the instrumented app ran" test -s "$E2E_TMP/requests.json" || { tail -20 "$E2E_TMP/app.log"; finish; exit 1; }

profiles=$(curl -s "$CORRELATOR_URL/api/v1/profiles?service=py-checkout&limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["profiles"]))')
echo "    $profiles profiles of py-checkout stored"
check "the SDK's pushes were stored as profiles of service py-checkout ($profiles)" test "$profiles" -ge 2
check "the push kept the SDK's tags as labels (env=e2e) and the type as cpu" python3 -c '
import json, sys, urllib.request
p = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/profiles?service=py-checkout&type=cpu&limit=1"))["profiles"]
sys.exit(not p or p[0]["labels"].get("env") != "e2e")' "$CORRELATOR_URL"

# Each slow request: its trace links to the profile samples of its span (span_samples), and
# those samples' top function is the one that burned the CPU.
python3 - "$CORRELATOR_URL" "$E2E_TMP/requests.json" >"$E2E_TMP/links.txt" <<'PY'
import json, sys, time, urllib.request
url, requests = sys.argv[1], json.load(open(sys.argv[2]))
def links(trace_id):
    try:
        return json.load(urllib.request.urlopen(f"{url}/api/v1/traces/{trace_id}/profiles"))
    except Exception:
        return None
slow = requests["slow"][1:-1]  # the first and last may straddle an upload
linked = named = 0
for trace_id in slow:
    answer = None
    for _ in range(20):
        answer = links(trace_id)
        if answer is not None: break
        time.sleep(0.5)
    found = [l for l in (answer or {}).get("links", []) if l["kind"] == "span_samples"]
    if found:
        linked += 1
        if found[0]["top"] and "burn_cpu_in_checkout" in found[0]["top"][0]["function"]:
            named += 1
print(len(slow), linked, named)
PY
read -r slow linked named <"$E2E_TMP/links.txt"
echo "    slow requests: $slow, linked to their own samples: $linked, top function burn_cpu_in_checkout: $named"
check "slow requests link to their own profile samples (span_samples): $linked of $slow" python3 -c "import sys; sys.exit(not ($slow >= 5 and $linked * 10 >= $slow * 9))"
check "their top function is burn_cpu_in_checkout: $named of $linked" python3 -c "import sys; sys.exit(not ($linked > 0 and $named * 10 >= $linked * 9))"
check "the merged CPU profile of py-checkout names burn_cpu_in_checkout" python3 -c '
import json, sys, urllib.request
top = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/query/top?service=py-checkout&type=cpu&limit=5"))
sys.exit(not any("burn_cpu_in_checkout" in f["function"] for f in top["functions"]))' "$CORRELATOR_URL"
echo "-- py-spy: its folded output (--format raw) pushed to /ingest as Pyroscope's default format"
if py-spy record --format raw -o "$E2E_TMP/spy.txt" --rate 100 --nonblocking -- python3 "$HERE/spin.py" >"$E2E_TMP/py-spy.log" 2>&1; then
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$E2E_TMP/spy.txt" \
        "$CORRELATOR_URL/ingest?name=spy-app.cpu%7Benv%3De2e%7D&spyName=pyspy&sampleRate=100")
    check "the folded profile is accepted ($status)" test "$status" = 200
    check "its numbers are py-spy's: flat samples per frame and the total, counted from the file" python3 - "$CORRELATOR_URL" "$E2E_TMP/spy.txt" <<'PY'
import json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
flat, total = {}, 0
for line in open(path).read().splitlines():
    stack, _, count = line.rpartition(" ")
    frames = [f for f in stack.strip().split(";") if f]
    if not frames:
        continue
    flat[frames[-1]] = flat.get(frames[-1], 0) + int(count)
    total += int(count)
profiles = json.load(urllib.request.urlopen(url + "/api/v1/profiles?service=spy-app"))["profiles"]
top = json.load(urllib.request.urlopen(f"{url}/api/v1/profiles/{profiles[0]['profile_id']}/top?sample_type=samples&limit=100000"))
mine = {f["function"]: f["flat"] for f in top["functions"] if f["flat"]}
print(f"    {len(flat)} frames, {total} samples in the file; stored total {top['total']}, hot_loop {mine.get(next((k for k in mine if k.startswith('hot_loop')), ''), 0)}")
sys.exit(not (top["total"] == total and mine == flat and any(k.startswith("hot_loop") for k in mine) and profiles[0]["labels"].get("pyroscope_spy") == "pyspy"))
PY
else
    check "py-spy recorded the program (py-spy.log: $(tail -1 "$E2E_TMP/py-spy.log"))" false
fi

if [ "$E2E_FAILED" -gt 0 ]; then
    echo "--- app log"; tail -10 "$E2E_TMP/app.log"
    echo "--- correlator log"; grep -v '^$' "$E2E_TMP/pyroscope/correlator.log" | tail -10
fi
finish
