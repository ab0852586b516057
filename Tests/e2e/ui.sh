#!/usr/bin/env bash
# Web pages end to end, in a real browser: a correlator fed the Go fixture through its ingest
# APIs (OTLP/HTTP JSON spans, OpenMetrics exemplars, pprof), then headless Chromium driven by
# selenium walks overview → slowest request → trace → profile link → flame graph, and the flame
# graph's widest frame under the span must be the function `go tool pprof -tagfocus` names;
# then /ui/explore over three real profiles against go tool pprof's merge (explore.py).
# Screenshots go to $E2E_OUT/ui (or a directory under /tmp this script prints).
source "$(dirname "$0")/lib/common.bash"
FIXTURES=$E2E_ROOT/Tests/Fixtures/pprof-go119
SHOTS=${E2E_OUT:+$E2E_OUT/ui}
SHOTS=${SHOTS:-$(mktemp -d /tmp/correlator-ui-screenshots.XXXXXX)}
mkdir -p "$SHOTS"
echo "ui: screenshots in $SHOTS"

for tool in chromium chromedriver; do
    command -v "$tool" >/dev/null 2>&1 || { echo "  FAIL $tool not installed (make deps installs deps/apt/ui.txt)"; E2E_FAILED=$((E2E_FAILED + 1)); }
done
python3 -c 'import selenium' 2>/dev/null || { echo "  FAIL selenium not installed (make deps installs deps/pip/ui.txt)"; E2E_FAILED=$((E2E_FAILED + 1)); }
[ "$E2E_FAILED" -eq 0 ] || { finish; exit 1; }

# The slowest exemplar of the exposition names the request the engineer clicks first.
read -r SLOW_TRACE SLOW_SPAN < <(python3 - "$FIXTURES/metrics.om.txt" <<'PY'
import re, sys
rows = re.findall(r'# \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\} (\S+)', open(sys.argv[1]).read())
trace, span, _ = max(rows, key=lambda row: float(row[2]))
print(trace, span)
PY
)
# The independent answer: go tool pprof's first -top row under -tagfocus span_id=…, live when
# the Go toolchain is installed (deps/apt/profiles.txt), and the golden file it wrote.
GOLDEN=$(awk -v span="$SLOW_SPAN" '$1 == span { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$FIXTURES/golden/cpu.slow-spans.tagfocus-top.txt")
check "go tool pprof's golden names one function for span $SLOW_SPAN ($GOLDEN)" sh -c "[ -n '$GOLDEN' ] && ! echo '$GOLDEN' | grep -q '|'"
EXPECTED=$GOLDEN
if command -v go >/dev/null 2>&1; then
    LIVE=$(go tool pprof -top -nodecount=100000 -sample_index=cpu -tagfocus "span_id=$SLOW_SPAN" "$FIXTURES/cpu.pb.gz" 2>/dev/null \
        | awk 'found { print $6; exit } /flat%/ { found = 1 }')
    check "go tool pprof -tagfocus span_id=$SLOW_SPAN names $LIVE, as its golden file" test "$LIVE" = "$GOLDEN"
    EXPECTED=${LIVE:-$GOLDEN}
else
    echo "  (go not installed: using the golden file go tool pprof wrote)"
fi

echo "ui: starting correlator"
start_correlator ui || { finish; exit 1; }
check "fixture loaded through the ingest APIs" python3 "$E2E_ROOT/Tests/e2e/ui/load_fixture.py" "$CORRELATOR_URL" "$FIXTURES"

read -r FROM TO < <(python3 -c "
import json; s = json.load(open('$FIXTURES/spans.json'))
print(min(x['start_unix_nano'] for x in s) // 10**9 - 600, max(x['end_unix_nano'] for x in s) // 10**9 + 600)")

check "every page answers HTML" sh -c "
for path in '/ui/?from=$FROM&to=$TO' /ui/traces/$SLOW_TRACE '/ui/profiles/cpu-fixture?span_id=$SLOW_SPAN' /ui/alerts /ui/rules /ui/explore; do
  curl -sf \"$CORRELATOR_URL\$path\" -o /dev/null -w '%{content_type}\n' | grep -q '^text/html' || { echo \"not HTML: \$path\"; exit 1; }
done"
check "an unknown profile is a 404 page" test "$(curl -s -o /dev/null -w '%{http_code}' "$CORRELATOR_URL/ui/profiles/no-such-profile")" = 404

echo "ui: headless Chromium (overview → slowest request → trace → profile → flame graph)"
check "browser walk: the flame graph's widest frame under the span is $EXPECTED" \
    timeout 300 python3 "$E2E_ROOT/Tests/e2e/ui/browse.py" "$CORRELATOR_URL" "$FROM" "$TO" "$SLOW_TRACE" "$SLOW_SPAN" "$EXPECTED" "$SHOTS"
echo "ui: headless Chromium on /ui/explore (chart, drag to zoom, merged flame graph, compare) and the overview's latency chart"
check "explore: merged numbers are go tool pprof's, dragging the chart picks a range, a latency dot opens its trace" \
    timeout 300 python3 "$E2E_ROOT/Tests/e2e/ui/explore.py" "$CORRELATOR_URL" "$E2E_ROOT/Tests/Fixtures/merge" "$FROM" "$TO" "$SHOTS"
finish
