#!/usr/bin/env bash
# make demo: Correlator on its embedded PostgreSQL with the rules of demo/rules.yml, and the Go
# workload of demo/workload/ sending it spans, exemplars and profiles. Prints the pages to open,
# then each alert as it fires. Ctrl-C stops everything.
#
#   CORRELATOR_BIN  the correlator executable (make demo passes its release build)
#   DEMO_LISTEN     HOST:PORT Correlator serves HTTP on (default 127.0.0.1:4318)
#   DEMO_GRPC_LISTEN  HOST:PORT of its OTLP/gRPC port, or off (default 127.0.0.1:4317)
#   DEMO_DATA_DIR   its data directory (default .correlator/demo, emptied at every start)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
LISTEN=${DEMO_LISTEN:-127.0.0.1:4318}
GRPC_LISTEN=${DEMO_GRPC_LISTEN:-127.0.0.1:4317}
DATA=${DEMO_DATA_DIR:-$ROOT/.correlator/demo}
URL="http://$LISTEN"
PIDS=()

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

stop_all() {
    trap - INT TERM EXIT
    [ "${#PIDS[@]}" -gt 0 ] || exit 0
    say "stopping"
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null
        for _ in $(seq 1 300); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${PIDS[i]}" 2>/dev/null
    done
    exit 0
}
trap stop_all INT TERM EXIT

[ -x "$BIN" ] || die "no correlator at $BIN (make demo builds it; or set CORRELATOR_BIN)"
command -v go >/dev/null || die "the Go toolchain is needed for the workload: apt-get install golang-go (make deps does)"
command -v curl >/dev/null || die "curl is needed: apt-get install curl"
if curl -s -o /dev/null --max-time 2 "$URL/healthz"; then
    die "something already answers on $LISTEN (make run?); stop it or set DEMO_LISTEN=127.0.0.1:PORT"
fi

# A fresh start every time, so the alerts fire on this run's data. A cluster left running by a
# demo that was killed is stopped first.
if [ -f "$DATA/postgres/postmaster.pid" ]; then
    kill -TERM "$(head -1 "$DATA/postgres/postmaster.pid")" 2>/dev/null
    sleep 2
fi
rm -rf "$DATA"
mkdir -p "$DATA"

say "building the workload (demo/workload, standard library only)"
(cd "$ROOT/demo/workload" && go build -o "$DATA/workload" .) || die "go build failed"

say "starting Correlator on $LISTEN (embedded PostgreSQL under $DATA; log: $DATA/correlator.log)"
# Each child runs in a session of its own, so Ctrl-C reaches only this script, which stops
# them in order (the workload, then Correlator and its PostgreSQL).
setsid "$BIN" serve --config "$ROOT/demo/correlator.yml" --data-dir "$DATA" --listen "$LISTEN" --grpc-listen "$GRPC_LISTEN" \
    >"$DATA/correlator.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && break
    kill -0 "${PIDS[0]}" 2>/dev/null || { tail -20 "$DATA/correlator.log"; die "correlator stopped"; }
    sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || { tail -20 "$DATA/correlator.log"; die "correlator did not become ready"; }

START=$(date +%s)
setsid "$DATA/workload" -url "$URL" &
PIDS+=("$!")

EXPLORE="$URL/ui/explore?service=demo-shop&from=$START&to=$((START + 7200))&compare=on"
EXPLORE="$EXPLORE&selector=%7Bversion%3D%22v2%22%7D&baseline_selector=%7Bversion%3D%22v1%22%7D&baseline_from=$START&baseline_to=$((START + 7200))"
cat <<EOF

  Open:
    $URL/ui/                  slowest requests, their profiles, firing alerts
    $URL/ui/alerts            alerts with their evidence and example slow requests
    $URL/ui/rules             the four rules of demo/rules.yml and their state
    $EXPLORE
                              v2's CPU against v1's, function by function (after the deploy at +1m)
    $URL/api/v1/alerts        the same alerts as JSON (Prometheus's shape)

  The workload leaks goroutines in GET /cart from now on and deploys a slow GET /checkout
  (v2) at +1m. Expect GoroutineLeak and CPUHotspot about two minutes in, CPUHotspotGrowth and
  AllocationRate within three. OTLP/gRPC is on $GRPC_LISTEN too. Ctrl-C stops everything.

EOF

# Print each alert once, when it starts firing.
seen=" "
while kill -0 "${PIDS[0]}" 2>/dev/null && kill -0 "${PIDS[1]}" 2>/dev/null; do
    sleep 5
    firing=$(curl -s "$URL/api/v1/alerts" | python3 -c '
import json, sys
try:
    alerts = json.load(sys.stdin)["data"]["alerts"]
except Exception:
    sys.exit(0)
for a in alerts:
    if a.get("state") == "firing":
        labels = a["labels"]
        key = labels["alertname"] + "/" + labels.get("function", "")
        notes = a["annotations"]
        print("\t".join([key, notes.get("summary", ""), notes.get("example_trace_url", ""), notes.get("example_cause", "")]))
' 2>/dev/null)
    while IFS=$'\t' read -r key summary example cause; do
        [ -n "$key" ] || continue
        case "$seen" in *" $key "*) continue ;; esac
        seen="$seen$key "
        say "+$(( $(date +%s) - START ))s FIRING ${key%/}: $summary"
        [ -n "$example" ] && say "        slowest example request: $example"
        [ -n "$cause" ] && say "        why it was slow: $cause"
    done <<<"$firing"
done
kill -0 "${PIDS[0]}" 2>/dev/null || { say "Correlator stopped; the end of its log:"; tail -5 "$DATA/correlator.log"; }
kill -0 "${PIDS[1]}" 2>/dev/null || say "the workload stopped"
