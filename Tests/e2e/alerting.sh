#!/usr/bin/env bash
# Alerting end to end: real Go goroutine profiles of a leaking service and of its stable twin
# are ingested; the leak rule's alert must reach a real Alertmanager (0.25, Debian
# prometheus-alertmanager) with its labels, annotations and an example trace id; the twin must
# not alert. Also: rules check/test CLI, /api/v1/rules, /api/v1/alerts, reload on SIGHUP and
# POST /-/reload, and failed deliveries counted in /metrics.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURES=$HERE/alerting
AM_BIN=$(command -v prometheus-alertmanager || command -v alertmanager || true)

echo "-- rules check / rules test"
cat >"$E2E_TMP/rules.yml" <<'YAML'
groups:
  - name: leaks
    interval: 1s
    rules:
      - alert: GoroutineLeak
        leak:
          sample_type: goroutine
          window: 10m
          min_points: 4
          min_relative_growth: 0.5
        labels: {severity: page}
        annotations:
          summary: '{{service}}: goroutines grow by {{slope_per_hour}} an hour'
YAML
cat >"$E2E_TMP/bad.yml" <<'YAML'
groups:
  - name: leaks
    rules:
      - alert: Broken
        leak: {sample_type: goroutine, window: soon, min_relative_growth: 0.5}
YAML
cat >"$E2E_TMP/tests.yml" <<'YAML'
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - name: leak fires, twin does not
    interval: 1m
    input_series:
      - series: 'total{service="leaky", sample_type="goroutine", profile_type="goroutine"}'
        values: '100+50x10'
      - series: 'total{service="stable", sample_type="goroutine", profile_type="goroutine"}'
        values: '100x10'
    alert_rule_test:
      - eval_time: 9m
        alertname: GoroutineLeak
        exp_alerts:
          - exp_labels: {service: leaky, severity: page}
            exp_annotations: {summary: 'leaky: goroutines grow by 3000 an hour'}
YAML
out=$("$CORRELATOR_BIN" rules check "$E2E_TMP/rules.yml"); status=$?
check "rules check accepts a valid file" [ "$status" -eq 0 ]
check "rules check reports the rule count" grep -q "SUCCESS: 1 rules found" <<<"$out"
out=$("$CORRELATOR_BIN" rules check "$E2E_TMP/bad.yml"); status=$?
check "rules check fails an invalid file (exit 1)" [ "$status" -eq 1 ]
check "rules check names the line" grep -q "bad.yml:5" <<<"$out"
out=$("$CORRELATOR_BIN" rules test "$E2E_TMP/tests.yml"); status=$?
check "rules test passes" [ "$status" -eq 0 ]
sed -i 's/3000 an hour/1 an hour/' "$E2E_TMP/tests.yml"
out=$("$CORRELATOR_BIN" rules test "$E2E_TMP/tests.yml"); status=$?
check "rules test fails on a wrong expectation (exit 1)" [ "$status" -eq 1 ]

if [ -z "$AM_BIN" ]; then
    echo "prometheus-alertmanager is not installed (make deps)"; check "alertmanager available" false; finish; exit
fi

echo "-- Alertmanager"
AM_PORT=$(free_port)
mkdir -p "$E2E_TMP/am"
cat >"$E2E_TMP/am/alertmanager.yml" <<'YAML'
route:
  receiver: blackhole
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
YAML
"$AM_BIN" --config.file="$E2E_TMP/am/alertmanager.yml" --storage.path="$E2E_TMP/am/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$E2E_TMP/am/log" 2>&1 &
E2E_PIDS+=($!)
AM_URL="http://127.0.0.1:$AM_PORT"
check "alertmanager ready" wait_http "$AM_URL/-/ready" 30

DEAD_PORT=$(free_port)
cat >"$E2E_TMP/correlator.yml" <<YAML
rule_files: [rules.yml]
alerting:
  alertmanagers: [{url: "$AM_URL"}, {url: "http://127.0.0.1:$DEAD_PORT"}]
  resend_delay: 1m
web:
  external_url: http://correlator.example
YAML
# The rules are loaded only after every profile is in (POST /-/reload), so the first
# notification already carries the whole series and the trace-labelled CPU profile.
cp "$E2E_TMP/rules.yml" "$E2E_TMP/leak-rules.yml"
echo "groups: []" >"$E2E_TMP/rules.yml"
start_correlator alerting --config "$E2E_TMP/correlator.yml" || { finish; exit; }

echo "-- ingest: 6 goroutine profiles each of a leaking service and of its stable twin"
now=$(date +%s)
ingest() {  # service type from file
    curl -s -o "$E2E_TMP/ingest.out" -w '%{http_code}' -X POST --data-binary "@$4" \
        -H 'Content-Type: application/octet-stream' \
        "$CORRELATOR_URL/api/v1/profiles?service=$1&type=$2&from=$3"
}
ingested=0
for i in 1 2 3 4 5 6; do
    at=$((now - (7 - i) * 30))
    [ "$(ingest leaky goroutine "$at" "$FIXTURES/leaky/goroutine-$i.pb.gz")" = 200 ] && ingested=$((ingested + 1))
    [ "$(ingest stable goroutine "$at" "$FIXTURES/stable/goroutine-$i.pb.gz")" = 200 ] && ingested=$((ingested + 1))
done
[ "$(ingest leaky cpu "$((now - 30))" "$FIXTURES/leaky/cpu.pb.gz")" = 200 ] && ingested=$((ingested + 1))
check "profiles ingested (13 of 13)" [ "$ingested" -eq 13 ]
[ "$ingested" -eq 13 ] || echo "     last ingest answer: $(head -c 300 "$E2E_TMP/ingest.out")"
cp "$E2E_TMP/leak-rules.yml" "$E2E_TMP/rules.yml"
check "POST /-/reload loads the leak rule" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$CORRELATOR_URL/-/reload")" = 200 ]

echo "-- the alert reaches Alertmanager"
am_alerts() { curl -s "$AM_URL/api/v2/alerts"; }
arrived=1
for _ in $(seq 1 75); do
    am_alerts | python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(0 if any(x["labels"].get("alertname")=="GoroutineLeak" for x in a) else 1)' && { arrived=0; break; }
    sleep 0.2
done
check "GoroutineLeak arrives in Alertmanager within 15 s" [ "$arrived" -eq 0 ]
am_alerts >"$E2E_TMP/am-alerts.json"
check_alert() {
    python3 - "$E2E_TMP/am-alerts.json" "$1" <<'PY'
import json, re, sys
alerts = [a for a in json.load(open(sys.argv[1])) if a["labels"].get("alertname") == "GoroutineLeak"]
what = sys.argv[2]
leaky = [a for a in alerts if a["labels"].get("service") == "leaky"]
if what == "labels":
    ok = len(leaky) == 1 and leaky[0]["labels"].get("severity") == "page"
elif what == "summary":
    ok = bool(leaky) and re.match(r"leaky: goroutines grow by [0-9.e+]+ an hour", leaky[0]["annotations"].get("summary", "")) is not None
elif what == "trace":
    ids = leaky[0]["annotations"].get("example_trace_ids", "").split() if leaky else []
    url = leaky[0]["annotations"].get("example_trace_url", "") if leaky else ""
    ok = bool(ids) and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and url == "http://correlator.example/jump/trace/" + ids[0]
elif what == "values":
    ok = bool(leaky) and leaky[0]["annotations"].get("evidence_values", "").split() == ["51", "101", "151", "201", "251", "301"]
elif what == "generator":
    ok = bool(leaky) and leaky[0].get("generatorURL", "").startswith("http://correlator.example/")
elif what == "twin":
    ok = not any(a["labels"].get("service") == "stable" for a in alerts)
else:
    ok = False
if not ok:
    print("     alerts:", json.dumps(alerts)[:600])
sys.exit(0 if ok else 1)
PY
}
check "alert labels: alertname, service=leaky, severity=page" check_alert labels
check "alert summary annotation expanded" check_alert summary
check "alert carries example trace ids with jump links" check_alert trace
check "alert carries the series values (goroutine counts)" check_alert values
check "alert has a generatorURL on the external URL" check_alert generator
sleep 2
am_alerts >"$E2E_TMP/am-alerts.json"
check "the stable twin raises no alert" check_alert twin

echo "-- API"
curl -s "$CORRELATOR_URL/api/v1/alerts" >"$E2E_TMP/api-alerts.json"
check "/api/v1/alerts lists the firing alert" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
a=d["data"]["alerts"]; sys.exit(0 if d["status"]=="success" and [x["labels"]["service"] for x in a]==["leaky"] and a[0]["state"]=="firing" else 1)' "$E2E_TMP/api-alerts.json"
curl -s "$CORRELATOR_URL/api/v1/rules" >"$E2E_TMP/api-rules.json"
check "/api/v1/rules reports health and last evaluation" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
r=d["data"]["groups"][0]["rules"][0]; sys.exit(0 if r["health"]=="ok" and r["state"]=="firing" and r["lastEvaluation"] else 1)' "$E2E_TMP/api-rules.json"
check "/metrics counts failed deliveries to the dead receiver" bash -c \
    "for _ in \$(seq 1 50); do curl -s '$CORRELATOR_URL/metrics' | grep -q '^correlator_notifications_failed_total{receiver=\"http://127.0.0.1:$DEAD_PORT\"} [1-9]' && exit 0; sleep 0.2; done; exit 1"

echo "-- reload"
cp "$E2E_TMP/bad.yml" "$E2E_TMP/rules.yml"
code=$(curl -s -o "$E2E_TMP/reload.out" -w '%{http_code}' -X POST "$CORRELATOR_URL/-/reload")
check "POST /-/reload with a broken file answers 400" [ "$code" = 400 ]
check "the reload error names the line" grep -q "rules.yml:5" "$E2E_TMP/reload.out"
check "/api/v1/rules keeps the old rule and warns" python3 -c '
import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+"/api/v1/rules"))
sys.exit(0 if d["data"]["groups"][0]["rules"][0]["name"]=="GoroutineLeak" and d.get("warnings") else 1)' "$CORRELATOR_URL"
sed -e 's/alert: Broken/alert: Renamed/' -e 's/window: soon/window: 10m/' "$E2E_TMP/bad.yml" >"$E2E_TMP/rules.yml"
kill -HUP "$CORRELATOR_PID"
check "SIGHUP loads the fixed file" bash -c "for _ in \$(seq 1 50); do curl -s '$CORRELATOR_URL/api/v1/rules' | grep -q '\"name\":\"Renamed\"' && exit 0; sleep 0.1; done; exit 1"
check "correlator still running after SIGHUP" kill -0 "$CORRELATOR_PID"
check "correlator stops cleanly" stop_correlator
# On its fresh database the rule scheduler waits for the migrations (it used to evaluate first and
# log: relation "rule_state" does not exist).
check "no service used a table before the migrations made it" \
    sh -c "! grep 'does not exist' '$E2E_TMP/alerting/correlator.log'"
finish
