#!/usr/bin/env bash
# Correlation API end to end: a correlator with the Go fixture's spans, exemplars and CPU
# profile stored; trace → profile links, slow requests, jump redirects, profile queries with
# curl; then schemathesis checks real responses of every documented route against /openapi.yaml.
source "$(dirname "$0")/lib/common.bash"
FIXTURES=$E2E_ROOT/Tests/Fixtures/pprof-go119

echo "correlation: starting correlator"
start_correlator corr || { finish; exit 1; }
DATA=$E2E_TMP/corr/data
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$DATA/run" -U correlator -d correlator)
[ -S "$DATA/run/.s.PGSQL.5432" ] || PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$(dirname "$(ls /tmp/*/.s.PGSQL.5432 2>/dev/null | head -1)")" -U correlator -d correlator)

# Load the fixture (the ingest routes' writers store the same rows).
python3 "$E2E_ROOT/Tests/e2e/correlation/load_fixture.py" "$FIXTURES" >"$E2E_TMP/load.sql"
check "fixture rows loaded with psql" "${PSQL[@]}" -f "$E2E_TMP/load.sql"

SLOW_TRACE=$(python3 -c "import json; print([s for s in json.load(open('$FIXTURES/spans.json')) if s['slow']][0]['trace_id'])")
SLOW_SPAN=$(python3 -c "import json; print([s for s in json.load(open('$FIXTURES/spans.json')) if s['slow']][0]['span_id'])")
FROM=1795442700; TO=1795443000

links() { curl -sf "$CORRELATOR_URL/api/v1/traces/$SLOW_TRACE/profiles"; }
check "a slow trace links to its span's samples first" \
    sh -c "$(declare -f links); CORRELATOR_URL=$CORRELATOR_URL SLOW_TRACE=$SLOW_TRACE links | python3 -c '
import json,sys; d=json.load(sys.stdin); l=d[\"links\"][0]
assert l[\"kind\"]==\"span_samples\" and l[\"span_id\"]==\"$SLOW_SPAN\" and l[\"top\"][0][\"function\"]==\"crypto/sha256.block\", d'"
check "unknown trace is 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$CORRELATOR_URL/api/v1/traces/0123456789abcdef0123456789abcdef/profiles")" = 404
check "jump redirects to the profile page of the span" \
    test "$(curl -s -o /dev/null -w '%{redirect_url}' "$CORRELATOR_URL/jump/trace/$SLOW_TRACE")" = "$CORRELATOR_URL/ui/profiles/cpu-fixture?span_id=$SLOW_SPAN"
check "every exemplar resolves through /api/v1/slow-requests" sh -c "
curl -sf '$CORRELATOR_URL/api/v1/slow-requests?from=$FROM&to=$TO&limit=200' | python3 -c '
import json,sys,re; d=json.load(sys.stdin)
want=set(re.findall(r\"trace_id=\\\"([0-9a-f]{32})\\\"\", open(\"$FIXTURES/metrics.om.txt\").read()))
got={r[\"trace_id\"] for r in d[\"slow_requests\"] if r[\"links\"]}
assert want and want<=got, (len(want), len(got))'"
check "go tool pprof reads the flame graph's profile list" sh -c "
curl -sf '$CORRELATOR_URL/api/v1/profiles?from=$FROM&to=$TO&region=eu' | grep -q cpu-fixture"
check "flame graph of one span" sh -c "
curl -sf '$CORRELATOR_URL/api/v1/profiles/cpu-fixture/flamegraph?span_id=ad0338ddcc3e722a' | python3 -c '
import json,sys; d=json.load(sys.stdin); assert d[\"root\"][\"total\"]==80000000, d[\"root\"][\"total\"]'"

# schemathesis: every documented operation, real responses against the document.
if command -v schemathesis >/dev/null 2>&1; then
    echo "correlation: schemathesis against $CORRELATOR_URL/openapi.yaml"
    check "schemathesis: no server error, responses conform to openapi.yaml" \
        timeout 240 schemathesis run "$CORRELATOR_URL/openapi.yaml" --url "$CORRELATOR_URL" \
            --checks not_a_server_error,response_schema_conformance,content_type_conformance \
            --phases examples,coverage,fuzzing --max-examples 15 --seed 1 --workers 2 --no-color
else
    echo "  FAIL schemathesis not installed (make deps installs deps/pip/correlation.txt)"; E2E_FAILED=$((E2E_FAILED + 1))
fi
finish
