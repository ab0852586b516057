# Shared helpers of the end-to-end suites: each suite sources this, starts what it needs,
# checks with `check`, and ends with `finish` (prints "N passed, N failed", exits non-zero on
# any failure). Every process a suite starts is stopped on exit.
set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
CORRELATOR_BIN=${CORRELATOR_BIN:-$E2E_ROOT/.build/debug/correlator}
E2E_TMP=$(mktemp -d /tmp/correlator-e2e.XXXXXX)
chmod 755 "$E2E_TMP"
# The fixtures are dated when the real programs wrote them (2026-11-23 for pprof-go119): with the
# default retention (7 days) the partition maintainer, a minute after start, would drop what a
# suite has just posted. Suites keep ten years unless they say otherwise.
export CORRELATOR_RETENTION=${CORRELATOR_RETENTION:-3650d}
E2E_PASSED=0
E2E_FAILED=0
E2E_PIDS=()

cleanup() {
    for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${E2E_PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    # A correlator killed on purpose may have left its embedded PostgreSQL behind.
    for pidfile in "$E2E_TMP"/*/postgres/postmaster.pid; do
        [ -f "$pidfile" ] || continue
        kill -TERM "$(head -1 "$pidfile")" 2>/dev/null
    done
    # A failed suite shows the end of each server's log before it goes: a crash's message
    # (a Swift "Fatal error") is only there.
    if [ "$E2E_FAILED" -gt 0 ]; then
        for log in "$E2E_TMP"/*/correlator.log; do
            [ -f "$log" ] || continue
            echo "-- last lines of $(basename "$(dirname "$log")")/correlator.log"
            tail -n 30 "$log"
        done
    fi
    rm -rf "$E2E_TMP"
}
trap cleanup EXIT

check() {  # check "description" command...
    local description=$1; shift
    if "$@"; then
        E2E_PASSED=$((E2E_PASSED + 1)); echo "  ok   $description"
    else
        E2E_FAILED=$((E2E_FAILED + 1)); echo "  FAIL $description"
    fi
}

finish() {
    echo "$E2E_PASSED passed, $E2E_FAILED failed"
    [ "$E2E_FAILED" -eq 0 ]
}

alive() {  # alive PID: the process exists and is not a zombie (an exited PostgreSQL that
    # pg_ctl daemonised is reparented, and its new parent may reap it later)
    case "$(ps -o stat= -p "$1" 2>/dev/null)" in ""|Z*) return 1 ;; *) return 0 ;; esac
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [seconds] [expected status]: polls until the URL answers with the status.
wait_http() {
    local url=$1 seconds=${2:-60} want=${3:-200}
    for _ in $(seq 1 $((seconds * 5))); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}

# e2e_database NAME: with CORRELATOR_E2E_DATABASE set (`make test-citus` sets it), runs that
# command to create the database NAME of this suite (or find it) and prints its URL; fails
# without it. The suites then serve on it instead of an embedded cluster.
e2e_database() {
    [ -n "${CORRELATOR_E2E_DATABASE:-}" ] || return 1
    "$CORRELATOR_E2E_DATABASE" "$(basename "$0" .sh | tr -c 'a-z0-9\n' _)_$1"
}

# start_correlator NAME [args...]: serves with an embedded cluster under $E2E_TMP/NAME (or on
# the database e2e_database gives) on a free port, and OTLP/gRPC on another unless the args say
# --grpc-listen; sets CORRELATOR_URL, CORRELATOR_GRPC (HOST:PORT, or "off") and CORRELATOR_PID
# (and E2E_DATABASE_URL when external); waits until /readyz answers 200.
start_correlator() {
    local name=$1; shift
    local port; port=$(free_port)
    local grpc=()
    CORRELATOR_GRPC=
    local previous=""
    for arg in "$@"; do
        [ "$previous" = --grpc-listen ] && CORRELATOR_GRPC=$arg
        previous=$arg
    done
    if [ -z "$CORRELATOR_GRPC" ]; then
        CORRELATOR_GRPC="127.0.0.1:$(free_port)"
        grpc=(--grpc-listen "$CORRELATOR_GRPC")
    fi
    mkdir -p "$E2E_TMP/$name"
    if [ -n "${CORRELATOR_E2E_DATABASE:-}" ]; then
        E2E_DATABASE_URL=$(e2e_database "$name") || { echo "could not create the database for $name"; return 1; }
        set -- --database-url "$E2E_DATABASE_URL" "$@"
    fi
    "$CORRELATOR_BIN" serve --data-dir "$E2E_TMP/$name/data" --listen "127.0.0.1:$port" "${grpc[@]}" "$@" \
        >>"$E2E_TMP/$name/correlator.log" 2>&1 &
    CORRELATOR_PID=$!
    E2E_PIDS+=("$CORRELATOR_PID")
    CORRELATOR_URL="http://127.0.0.1:$port"
    if ! wait_http "$CORRELATOR_URL/readyz" 90; then
        echo "correlator did not become ready; its log:"; tail -20 "$E2E_TMP/$name/correlator.log"
        return 1
    fi
}

# stop_correlator: SIGTERM and wait (at most 30 s) for the process to exit.
stop_correlator() {
    kill -TERM "$CORRELATOR_PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$CORRELATOR_PID" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}
