#!/usr/bin/env bash
# Pyroscope push ingest next to Correlator's own pprof route, in the same run against the same
# `correlator serve` (embedded PostgreSQL): the same real Go CPU profiles (the four in
# Tests/Fixtures: pprof-go119/cpu and merge/cpu-{a,b,c}, their time moved to now) sent by the
# same load generator (wrk, one thread, $CLIENTS keep-alive connections, a new profile id in every
# request) (a) as push.v1.PushRequests to POST /push.v1.PusherService/Push (Connect unary,
# application/proto, as Pyroscope's SDKs and Alloy send) and (b) as pprof bodies to
# POST /api/v1/profiles. The runs alternate push, own, own, push, … so neither side meets
# emptier tables. profiles/s = profiles acknowledged (200: committed) / elapsed; MB/s = their
# pprof bytes (gzip'd, as sent; the push envelope adds ~100 bytes); ratio = push / own, the
# issue's target being >= 0.9x (printed, never enforced). A third row splits the CPU time per
# profile. Env: PUSH_BENCH_SECONDS per side (30), PUSH_BENCH_CLIENTS (8), PUSH_BENCH_ROUNDS (2),
# PUSH_BENCH_VERBOSE=1 prints every run's numbers to stderr.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
SECONDS_PER_SIDE=${PUSH_BENCH_SECONDS:-30}
CLIENTS=${PUSH_BENCH_CLIENTS:-8}
ROUNDS=${PUSH_BENCH_ROUNDS:-2}
SERVICE=bench-go
PROFILES=("$ROOT/Tests/Fixtures/pprof-go119/cpu.pb.gz" "$ROOT"/Tests/Fixtures/merge/cpu-{a,b,c}.pb.gz)
source "$ROOT/Tests/e2e/lib/common.bash"
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
command -v wrk >/dev/null || { row "pyroscope push: profiles/s" "-" "-" "-" "wrk missing (deps/apt/profiles.txt)"; exit 0; }
start_correlator bench --log-level warning || { echo "pyroscope-push benchmark: correlator did not start"; exit 1; }
TMP=$E2E_TMP/push-bench
mkdir -p "$TMP"
postmaster=$(pgrep -f -- "-D $E2E_TMP/bench/data/postgres" | head -1)

prepared=$(python3 "$HERE/pyroscope-push/prepare.py" "$TMP" "$SERVICE" "${PROFILES[@]}") || exit 1
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

source "$HERE/lib/cpu.bash"
# ingested ROUTE: correlator_profiles_ingested_total{route=ROUTE}, the profiles newly stored.
ingested() {
    curl -s "$CORRELATOR_URL/metrics" | python3 -c '
import re, sys
route = sys.argv[1]
total = 0.0
for line in sys.stdin:
    if line.startswith("correlator_profiles_ingested_total{") and re.search(r"route=\"%s\"" % re.escape(route), line):
        total += float(line.rsplit(" ", 1)[1])
print(int(total))' "$1"
}

# load MODE RUN SECONDS: one wrk run; appends its RESULT, with the profiles it stored and the CPU
# seconds of correlator, PostgreSQL and wrk, to $TMP/results.jsonl.
load() {
    local mode=$1 run=$2 seconds=$3 route=pprof
    [ "$mode" = push ] && route=pyroscope_push
    local stored0 server0 db0 stored1 server1 db1
    stored0=$(ingested "$route"); server0=$(cpu_seconds "$CORRELATOR_PID"); db0=$(cpu_seconds "$postmaster")
    local TIMEFORMAT="%U %S"
    { time BENCH_MODE=$mode BENCH_DIR=$TMP BENCH_PROFILES=${#PROFILES[@]} BENCH_SERVICE=$SERVICE BENCH_RUN=$run \
        BENCH_PLACEHOLDER=$(field "$prepared" placeholder) \
        wrk -t1 -c"$CLIENTS" -d"${seconds}s" --timeout 30s -s "$HERE/pyroscope-push/load.lua" "$CORRELATOR_URL" \
        >"$TMP/wrk-$run.txt" 2>&1; } 2>"$TMP/time-$run.txt"
    # The requests in flight when wrk stopped (one per connection) finish before the next run
    # starts; their CPU time is this run's, so CPU per profile divides by the profiles stored.
    local answered; answered=$(sed -n 's/^RESULT .*"requests": \([0-9]*\).*/\1/p' "$TMP/wrk-$run.txt")
    for _ in $(seq 1 300); do
        stored1=$(ingested "$route")
        [ $((stored1 - stored0)) -ge $((${answered:-0} + CLIENTS)) ] && break
        sleep 0.1
    done
    server1=$(cpu_seconds "$CORRELATOR_PID"); db1=$(cpu_seconds "$postmaster")
    python3 - "$mode" "$TMP/wrk-$run.txt" "$TMP/time-$run.txt" "$((stored1 - stored0))" "$server0" "$server1" "$db0" "$db1" \
        >>"$TMP/results.jsonl" <<'PY' || { echo "pyroscope-push: wrk gave no result:"; tail -5 "$TMP/wrk-$run.txt"; exit 1; }
import json, sys
mode, wrk_out, time_out, stored = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s0, s1, d0, d1 = (float(x) for x in sys.argv[5:9])
line = next(l for l in open(wrk_out) if l.startswith("RESULT "))
result = json.loads(line[len("RESULT "):])
user, system = (float(x) for x in open(time_out).read().split()[-2:])
result.update(mode=mode, stored=stored, server_cpu=s1 - s0, db_cpu=d1 - d0, client_cpu=user + system)
print(json.dumps(result))
PY
    [ -n "${PUSH_BENCH_VERBOSE:-}" ] && tail -1 "$TMP/results.jsonl" >&2
    return 0
}

# Warm-up of both routes (connections, partitions, plans), not counted.
load push 1 2 && load own 2 2 && : >"$TMP/results.jsonl" || exit 1
# $ROUNDS rounds, push first in the odd ones (push own, own push, …): drift cancels.
each=$(python3 -c "print(max(1, round($SECONDS_PER_SIDE / $ROUNDS)))")
run=2
for round in $(seq 1 "$ROUNDS"); do
    order="push own"; [ $((round % 2)) = 0 ] && order="own push"
    for mode in $order; do
        run=$((run + 1))
        load "$mode" "$run" "$each" || exit 1
    done
done

python3 - "$TMP/results.jsonl" "$(field "$prepared" pprof_bytes_mean)" "${#PROFILES[@]}" "$CLIENTS" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
pprof_mean, profiles, clients = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
side = {}
for mode in ("push", "own"):
    mine = [r for r in runs if r["mode"] == mode]
    total = {k: sum(r[k] for r in mine) for k in ("ok", "non_2xx", "socket_errors", "seconds", "stored", "server_cpu", "db_cpu", "client_cpu")}
    total["rate"] = total["ok"] / total["seconds"]
    total["mbps"] = total["rate"] * pprof_mean / 1e6
    ok, stored = max(total["ok"], 1), max(total["stored"], 1)
    total["server_ms"] = 1000 * total["server_cpu"] / stored
    total["db_ms"] = 1000 * total["db_cpu"] / stored
    total["client_ms"] = 1000 * total["client_cpu"] / ok
    total["client_share"] = total["client_cpu"] / total["seconds"]
    total["p99"] = max(r["p99_ms"] for r in mine)
    total["first_error"] = next((r["first_error"] for r in mine if r["first_error"]), "")
    side[mode] = total
push, own = side["push"], side["own"]
def row(*cells): print("%-48s %14s %14s %10s %s" % cells)
def ratio(a, b): return f"{a / b:.2f}x" if b else "n/a"
errors = f"errors {push['non_2xx'] + push['socket_errors']}/{own['non_2xx'] + own['socket_errors']}"
stored = "" if push["stored"] >= push["ok"] and own["stored"] >= own["ok"] else f"; STORED ONLY {push['stored']}/{own['stored']} of {push['ok']}/{own['ok']} acknowledged"
row(f"pyroscope push: profiles/s ({profiles} Go CPU, {clients} cl)", f"{push['rate']:.1f}", f"{own['rate']:.1f}", ratio(push["rate"], own["rate"]),
    f"peer: POST /api/v1/profiles, same profiles and server; target >= 0.9x; {push['ok']}/{own['ok']} in {push['seconds']:.0f}/{own['seconds']:.0f}s; {errors}{stored}")
row(f"pyroscope push: pprof MB/s ({pprof_mean / 1000:.1f} kB gzip'd each)", f"{push['mbps']:.2f}", f"{own['mbps']:.2f}", ratio(push["mbps"], own["mbps"]),
    f"peer: POST /api/v1/profiles; p99 {push['p99']:.0f}/{own['p99']:.0f} ms")
both_push, both_own = push["server_ms"] + push["db_ms"], own["server_ms"] + own["db_ms"]
row("pyroscope push: CPU ms/profile", f"{both_push:.2f}", f"{both_own:.2f}", ratio(both_push, both_own),
    f"lower is better: correlator {push['server_ms']:.2f}/{own['server_ms']:.2f} + postgresql {push['db_ms']:.2f}/{own['db_ms']:.2f}; "
    f"wrk {push['client_ms']:.2f}/{own['client_ms']:.2f} ({100 * push['client_share']:.0f}%/{100 * own['client_share']:.0f}% of a core)")
for mode in ("push", "own"):
    if side[mode]["first_error"]:
        print(f"  first error ({mode}): {side[mode]['first_error']}")
PY
exit 0
