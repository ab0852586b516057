#!/usr/bin/env bash
# make demo as a new user runs it: demo/run.sh with the built binary (on free ports, in a
# throwaway data directory) and its Go workload. Within the demo's promise (four alerts in about
# three minutes; the suite waits up to eight on a busy machine) every rule of demo/rules.yml fires
# and the script prints it; the alerts name what the workload injects (demo/workload/main.go:
# main.applyDiscounts burns CPU in v2's GET /checkout, main.watchInventory leaks a goroutine in
# GET /cart), carry slow requests whose traces and profiles open, and the first example says why
# it was slow. Ctrl-C (SIGINT) stops the workload, Correlator and its PostgreSQL.
source "$(dirname "$0")/lib/common.bash"
command -v go >/dev/null || { echo "  FAIL go not installed (deps/apt)"; exit 1; }

HTTP=127.0.0.1:$(free_port)
GRPC=127.0.0.1:$(free_port)
URL=http://$HTTP
DATA=$E2E_TMP/demo
OUT=$E2E_TMP/demo.out
ALERTS=(CPUHotspot CPUHotspotGrowth AllocationRate GoroutineLeak)

echo "-- make demo (demo/run.sh) on $HTTP"
# Its own session, as a terminal would run it: SIGINT to the script alone is Ctrl-C's part here.
# A background job of a script starts with SIGINT ignored, which bash cannot trap; python restores
# the default before it executes the script, as a terminal's foreground job has it.
DEMO_LISTEN=$HTTP DEMO_GRPC_LISTEN=$GRPC DEMO_DATA_DIR=$DATA CORRELATOR_BIN=$CORRELATOR_BIN \
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp("setsid", ["setsid", "bash", sys.argv[1]])' \
    "$E2E_ROOT/demo/run.sh" >"$OUT" 2>&1 &
DEMO_PID=$!
E2E_PIDS+=("$DEMO_PID")

started=$(date +%s)
fired() { grep -qE "FIRING $1[:/]" "$OUT"; }
all_fired() { for a in "${ALERTS[@]}"; do fired "$a" || return 1; done; }
while ! all_fired && kill -0 "$DEMO_PID" 2>/dev/null && [ $(( $(date +%s) - started )) -lt 480 ]; do
    sleep 5
done
echo "   (the script's output after $(( $(date +%s) - started )) s:)"
sed 's/^/     /' "$OUT"
check "the script prints the pages to open" grep -q "$URL/ui/alerts" "$OUT"
for a in "${ALERTS[@]}"; do
    check "$a fires and the script says so" fired "$a"
done
check "the firing alerts come with a slowest example request" grep -q "slowest example request: http" "$OUT"

curl -s "$URL/api/v1/alerts" >"$E2E_TMP/alerts.json"
# field ALERTNAME EXPRESSION: a jq expression over the firing alert of that name.
field() { jq -r --arg name "$1" "[.data.alerts[] | select(.state == \"firing\" and .labels.alertname == \$name)][0] | $2" "$E2E_TMP/alerts.json"; }

check "CPUHotspot names the injected function main.applyDiscounts" \
    test "$(field CPUHotspot .labels.function)" = "main.applyDiscounts"
check "GoroutineLeak's summary counts the goroutines gained" \
    grep -qE "FIRING GoroutineLeak: demo-shop gains [0-9.]+k? goroutines an hour" "$OUT"

trace=$(field CPUHotspot '.annotations.example_trace_ids | split(" ")[0]')
echo "   CPUHotspot's first example request: $trace"
spans=$(curl -s "$URL/api/v1/traces/$trace")
check "its trace is stored and is a GET /checkout of v2" \
    grep -q . <<<"$(jq -r '.. | objects | select(.name? == "GET /checkout") | .name' <<<"$spans" 2>/dev/null | head -1)"
# Followed as a user clicks it: the CPU link's flame graph of the span. The link's own top lists
# ten functions by flat time, which need not name applyDiscounts (a sample taken while it was
# preempted has runtime.asyncPreempt as its leaf and applyDiscounts with flat 0).
flamegraph=$(curl -s "$URL/api/v1/traces/$trace/profiles" | jq -r '[.links[] | select(.profile_type == "cpu")][0].jump.flamegraph // empty')
echo "   its CPU link: $flamegraph"
check "its profile links lead to a CPU profile that holds main.applyDiscounts" \
    grep -q '"main.applyDiscounts"' <<<"$(test -n "$flamegraph" && curl -s "$URL$flamegraph")"
check "the alert says why that request was slow (main.applyDiscounts)" \
    grep -q "applyDiscounts" <<<"$(field CPUHotspot '.annotations.example_cause // ""')"
check "the alerts page shows them" \
    grep -q "CPUHotspot" <<<"$(curl -s "$URL/ui/alerts")"

echo "-- Ctrl-C"
postmaster=$(head -1 "$DATA/postgres/postmaster.pid" 2>/dev/null)
kill -INT "$DEMO_PID"
for _ in $(seq 1 600); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
check "the script stops" sh -c "! kill -0 $DEMO_PID 2>/dev/null"
check "Correlator stops" sh -c "! curl -s -o /dev/null --max-time 2 $URL/healthz"
postgres_stopped() { [ -n "$postmaster" ] && ! alive "$postmaster" && [ ! -e "$DATA/postgres/postmaster.pid" ]; }
check "its PostgreSQL stops" postgres_stopped
finish
