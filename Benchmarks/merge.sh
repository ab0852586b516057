#!/usr/bin/env bash
# Merged profile queries (issue 18) next to `go tool pprof`, in the same run. One service, 24 h
# of CPU profiles every 10 s (8,640), stored once through POST /api/v1/profiles by $CLIENTS
# parallel clients: a pool of $POOL real Go CPU profiles (merge/gen-go, a copy of the project's
# generator in ../shared/fixtures/gen-go, built and run once per run with seeds 1801…; never
# committed) uploaded round-robin with from/until 10 s apart ending now. Then, sequentially after
# one warm-up, $REQUESTS requests each of the merged top (limit=50) and the merged flame graph
# (max_nodes=2048) over the last hour (360 profiles) and over the 24 h: p50 in the table, p99 in
# the note with its target (1 h <= 100 ms, 24 h <= 1 s). Peer: `go tool pprof -top` merging the
# hour's 360 files (hard links of the pool files, in upload order), p50 of $PEER_RUNS runs; ratio
# = peer / correlator p50 (target >= 50x). `-unit=ns` only changes how it prints numbers: its
# output is compared with Correlator's merged top (flat/cum per function, total), and the 24 h
# answers with 24 x the hour's (the pool cycles evenly through every hour). Ingest row: profiles
# stored per second while loading, CPU of correlator + PostgreSQL per profile; with
# CORRELATOR_BASELINE_BIN (an older correlator) the same profiles are loaded into a second
# instance of it and ratio = this / baseline (target >= 0.7x). A timing never fails the benchmark.
# Env: MERGE_BENCH_POOL (20; divides 360), MERGE_BENCH_CLIENTS (8), MERGE_BENCH_REQUESTS (30),
# MERGE_BENCH_BUDGET (40 s per query series, at least 5 requests), MERGE_BENCH_PEER_RUNS (3),
# MERGE_BENCH_HOURS (24; a debug build stores ~8 profiles/s on 2 cores, so 8,640 take ~20 min:
# MERGE_BENCH_HOURS=4 for a quick look).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
POOL=${MERGE_BENCH_POOL:-20}
CLIENTS=${MERGE_BENCH_CLIENTS:-8}
REQUESTS=${MERGE_BENCH_REQUESTS:-30}
BUDGET=${MERGE_BENCH_BUDGET:-40}
PEER_RUNS=${MERGE_BENCH_PEER_RUNS:-3}
HOURS=${MERGE_BENCH_HOURS:-24}
COUNT=$((HOURS * 360))
SERVICE=bench-merge
MAX_NODES=2048
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
client() { python3 "$HERE/merge/client.py" "$@"; }
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
ms() { python3 -c "import sys; print(f'{float(sys.argv[1]) * 1000:.1f}ms')" "$1"; }
command -v go >/dev/null || { row "merge: top 1 h" "-" "-" "-" "go missing (deps/apt/profiles.txt)"; exit 0; }
[ $((360 % POOL)) = 0 ] || { echo "merge benchmark: MERGE_BENCH_POOL=$POOL does not divide 360"; exit 1; }
export GOFLAGS=-mod=mod GOPROXY=off
TMP=$(mktemp -d /tmp/correlator-bench-merge.XXXXXX)
chmod 755 "$TMP"   # the embedded PostgreSQL runs as an unprivileged user when this runs as root
mkdir -p "$TMP/pool"
PIDS=()
cleanup() {
    local pid pidfile
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    for pidfile in "$TMP"/*/data/postgres/postmaster.pid; do
        [ -f "$pidfile" ] && kill -TERM "$(head -1 "$pidfile")" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
# start NAME BINARY: `serve` with an embedded cluster under $TMP/NAME on a free port (gRPC off:
# CORRELATOR_GRPC_LISTEN, which binaries older than the gRPC receiver ignore); sets
# CORRELATOR_URL and CORRELATOR_PID once /readyz answers.
start() {
    local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$TMP/$1"
    CORRELATOR_GRPC_LISTEN=off "$2" serve --data-dir "$TMP/$1/data" --listen "127.0.0.1:$port" --log-level warning \
        >"$TMP/$1/correlator.log" 2>&1 &
    CORRELATOR_PID=$!
    PIDS+=("$CORRELATOR_PID")
    CORRELATOR_URL="http://127.0.0.1:$port"
    for _ in $(seq 1 450); do
        curl -sf "$CORRELATOR_URL/readyz" >/dev/null && return 0
        kill -0 "$CORRELATOR_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "merge benchmark: $2 did not become ready; its log:"; tail -5 "$TMP/$1/correlator.log"
    return 1
}
stop() {  # stop PID: SIGTERM, then wait (the embedded PostgreSQL stops with it)
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# The pool: real Go CPU profiles, two generators at a time (2 s each under the profiler).
cp -r "$HERE/merge/gen-go" "$TMP/gen-go" && chmod -R u+w "$TMP/gen-go"
(cd "$TMP/gen-go" && go build -o gen-go .) >"$TMP/gen-go.log" 2>&1 \
    || { echo "merge benchmark: gen-go did not build:"; tail -5 "$TMP/gen-go.log"; exit 1; }
POOL_FILES=()
for n in $(seq 1 "$POOL"); do
    "$TMP/gen-go/gen-go" -out "$TMP/pool/$n" -seconds 2 -seed $((1800 + n)) -leak 10 >>"$TMP/gen-go.log" 2>&1 &
    [ $((n % 2)) = 0 ] && wait
    POOL_FILES+=("$TMP/pool/$n/cpu.pb.gz")
done
wait
for file in "${POOL_FILES[@]}"; do
    [ -s "$file" ] || { echo "merge benchmark: gen-go wrote no $file:"; tail -5 "$TMP/gen-go.log"; exit 1; }
done
END=$(($(date +%s) / 10 * 10))
client window "$TMP/window" "$COUNT" 1 "${POOL_FILES[@]}" || exit 1

source "$HERE/lib/cpu.bash"
# load NAME: loads the profiles into the instance started as NAME; prints the loader's JSON
# with the CPU milliseconds per stored profile of correlator + PostgreSQL added.
load() {
    local postmaster server0 db0 result
    postmaster=$(head -1 "$TMP/$1/data/postgres/postmaster.pid" 2>/dev/null)
    server0=$(cpu_seconds "$CORRELATOR_PID"); db0=$(cpu_seconds "$postmaster")
    result=$(client load "$CORRELATOR_URL" "$SERVICE" "$END" "$CLIENTS" "$COUNT" "${POOL_FILES[@]}") || return 1
    python3 -c '
import json, sys
result = json.loads(sys.argv[1])
cpu = float(sys.argv[3]) - float(sys.argv[2]) + float(sys.argv[5]) - float(sys.argv[4])
result["cpu_ms"] = 1000 * cpu / max(result["profiles"], 1)
print(json.dumps(result))' "$result" "$server0" "$(cpu_seconds "$CORRELATOR_PID")" "$db0" "$(cpu_seconds "$postmaster")"
}

start merge "$CORRELATOR_BIN" || exit 1
echo "merge bench: loading $COUNT profiles (pool of $POOL) with $CLIENTS clients" >&2
loaded=$(load merge) || { echo "merge benchmark: loading failed"; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PSQL=$(command -v psql || echo "$PGBIN/psql")
stacks=$("$PSQL" -X -A -t -q -h "$TMP/merge/data/run" -U correlator -d correlator \
    -c "SELECT count(*) FROM profile_stack_dictionary" 2>/dev/null || echo "?")

baseline_note="no baseline binary (CORRELATOR_BASELINE_BIN)"; baseline_rate=-; ingest_ratio=-
if [ -n "${CORRELATOR_BASELINE_BIN:-}" ]; then
    MAIN_URL=$CORRELATOR_URL MAIN_PID=$CORRELATOR_PID
    if start baseline "$CORRELATOR_BASELINE_BIN"; then
        echo "merge bench: loading the same profiles into $CORRELATOR_BASELINE_BIN" >&2
        if baseline=$(load baseline); then
            baseline_rate=$(python3 -c "import sys; print(f'{float(sys.argv[1]):.1f}')" "$(field "$baseline" rate)")
            ingest_ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}x')" "$(field "$loaded" rate)" "$(field "$baseline" rate)")
            baseline_note="peer: $CORRELATOR_BASELINE_BIN, same profiles; $(field "$baseline" profiles) in $(python3 -c "print(f'{$(field "$baseline" seconds):.0f}')")s, $(python3 -c "print(f'{$(field "$baseline" cpu_ms):.1f}')") CPU ms/profile, errors $(field "$baseline" errors); target >= 0.7x"
        else
            baseline_note="baseline load failed"
        fi
        stop "$CORRELATOR_PID"
    else
        baseline_note="baseline $CORRELATOR_BASELINE_BIN did not start"
    fi
    CORRELATOR_URL=$MAIN_URL CORRELATOR_PID=$MAIN_PID
fi

# The merged queries, then the peer.
HOUR_FROM=$((END - 3600)) DAY_FROM=$((END - COUNT * 10))
query() {  # query NAME ROUTE FROM: times ROUTE over [FROM, END); the last answer in $TMP/NAME.json
    local params="service=$SERVICE&type=cpu&from=$3&to=$END"
    case $2 in top) params="$params&limit=50" ;; flamegraph) params="$params&max_nodes=$MAX_NODES" ;; esac
    echo "merge bench: GET /api/v1/query/$2?$params" >&2
    client latency "$CORRELATOR_URL" "/api/v1/query/$2?$params" "$REQUESTS" "$BUDGET" >"$TMP/$1.json" \
        || echo '{"n": 0, "p50": 0, "p99": 0, "status": 0, "body": "client failed"}' >"$TMP/$1.json"
}
query top-1h top "$HOUR_FROM"
query flame-1h flamegraph "$HOUR_FROM"
query top-24h top "$DAY_FROM"
query flame-24h flamegraph "$DAY_FROM"
echo "merge bench: go tool pprof -top over the hour's 360 files, $PEER_RUNS runs" >&2
peer=$(client peer "$PEER_RUNS" "$TMP/pprof-top.txt" go tool pprof -top -sample_index=cpu -unit=ns "$TMP"/window/*.pb.gz)

summary() {  # summary NAME TARGET_SECONDS: "p50 p99 n status note"
    python3 - "$TMP/$1.json" "$2" <<'PY'
import json, sys
answer, target = json.load(open(sys.argv[1])), float(sys.argv[2])
verdict = "met" if answer["p99"] <= target else "MISSED"
status = "" if answer["status"] == 200 else f"; HTTP {answer['status']}"
print(answer["p50"], answer["p99"], answer["n"], f"p99 {answer['p99'] * 1000:.1f} ms (target <= {target * 1000:.0f} ms: {verdict}); n={answer['n']}{status}")
PY
}
checked=$(client check "$TMP"/{top-1h,flame-1h,top-24h,flame-24h}.json "$TMP/pprof-top.txt" "$HOURS" 360 "$MAX_NODES")
agreement="DISAGREES with go tool pprof (below)"
[ "${checked%% *}" = ok ] && agreement="total and ${checked#ok } functions' flat/cum = go tool pprof's"
peer_p50=$(field "$peer" p50)
peer_ms=$(ms "$peer_p50")
top_note="; $agreement"
for spec in "top-1h|top 1 h|0.1|1" "flame-1h|flame graph 1 h|0.1|1" "top-24h|top $HOURS h|1|0" "flame-24h|flame graph $HOURS h|1|0"; do
    IFS='|' read -r name label target with_peer <<<"$spec"
    read -r p50 p99 n note <<<"$(summary "$name" "$target")"
    if [ "$with_peer" = 1 ]; then
        ratio=$(python3 -c "import sys; print(f'{float(sys.argv[2]) / float(sys.argv[1]):.1f}x' if float(sys.argv[1]) else 'n/a')" "$p50" "$peer_p50")
        row "merge: $label (360 profiles) p50" "$(ms "$p50")" "$peer_ms" "$ratio" \
            "$note; peer: go tool pprof -top, same 360 files (p50 of $(field "$peer" n)); target >= 50x${top_note:-}"
        top_note=""
    else
        row "merge: $label ($COUNT profiles) p50" "$(ms "$p50")" "-" "-" "$note; no peer"
    fi
done
row "merge: ingest profiles/s ($COUNT Go CPU, $CLIENTS cl)" \
    "$(python3 -c "import sys; print(f'{float(sys.argv[1]):.1f}')" "$(field "$loaded" rate)")" "$baseline_rate" "$ingest_ratio" \
    "$(field "$loaded" profiles) stored in $(python3 -c "print(f'{$(field "$loaded" seconds):.0f}')")s, $(python3 -c "print(f'{$(field "$loaded" cpu_ms):.1f}')") CPU ms/profile (correlator + PostgreSQL), $stacks distinct stacks, retries $(field "$loaded" retries), errors $(field "$loaded" errors); $baseline_note"
first_error=$(field "$loaded" first_error)
[ -n "$first_error" ] && echo "  first ingest error: $first_error"
[ "${checked%% *}" = ok ] || { echo "  merge: answers disagree:"; sed 's/^/    /' <<<"$checked"; }
exit 0
