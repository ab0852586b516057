#!/usr/bin/env bash
# The foundation as a new user meets it: serve with the embedded PostgreSQL, restart and reuse
# the cluster, SIGTERM leaves nothing behind, SIGKILL is recovered from, an external PostgreSQL
# works, and every startup mistake ends quickly with one clear line.
source "$(dirname "$0")/lib/common.bash"

no_postgres() {  # no postgres process serves a data directory $E2E_TMP/$1…
    ! pgrep -f "[p]ostgres -D $E2E_TMP/$1" >/dev/null
}

# 1. First start creates the cluster, migrates, serves.
check "first start serves /readyz" start_correlator first
check "/healthz answers" wait_http "$CORRELATOR_URL/healthz" 5
check "/metrics is Prometheus text" sh -c "curl -s '$CORRELATOR_URL/metrics' | grep -q '^# TYPE'"
check "PostgreSQL listens on a Unix socket only" sh -c "! grep -q 'listening on IPv' '$E2E_TMP/first/data/postgres.log'"
check "SIGTERM stops the server" stop_correlator
sleep 1
check "SIGTERM stopped our PostgreSQL too" no_postgres first

# 2. A second start reuses the cluster.
check "second start serves again" start_correlator first
check "second start reused the cluster" sh -c "[ \$(grep -c 'creating PostgreSQL cluster' '$E2E_TMP/first/correlator.log') = 1 ]"

# 2b. One-off commands on the data directory of a running server leave its PostgreSQL running
# (they used to stop it on their way out); on a stopped one they start and stop it themselves.
check "migrate beside a running server succeeds" "$CORRELATOR_BIN" migrate --data-dir "$E2E_TMP/first/data" --log-level error
check "rules evaluate beside a running server succeeds" "$CORRELATOR_BIN" rules evaluate --data-dir "$E2E_TMP/first/data" --log-level error
check "the server still answers /readyz 200 after both" wait_http "$CORRELATOR_URL/readyz" 2
check "and still stores spans" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST '$CORRELATOR_URL/v1/traces' -H 'Content-Type: application/json' \
    --data '{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"probe\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}')\" = 200 ]"
check "migrate on a stopped data directory leaves nothing running" sh -c "'$CORRELATOR_BIN' migrate --data-dir '$E2E_TMP/oneoff/data' --log-level error >/dev/null"
check "(no PostgreSQL of the one-off left)" no_postgres oneoff

# 3. SIGKILL leaves PostgreSQL running; the next start adopts it, and SIGTERM then stops both.
kill -KILL "$CORRELATOR_PID"; wait "$CORRELATOR_PID" 2>/dev/null
check "start after SIGKILL serves" start_correlator first
check "and stops cleanly" stop_correlator
sleep 1
check "no PostgreSQL of ours is left" no_postgres first

# 4. A stale postmaster.pid (a crash of the whole machine) is handled.
mkdir -p "$E2E_TMP/first/data/postgres"
echo 999999 > "$E2E_TMP/first/data/postgres/postmaster.pid"
check "start with a stale postmaster.pid serves" start_correlator first
stop_correlator

# 5. An external PostgreSQL 15 through --database-url.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
EXT="$E2E_TMP/external"; mkdir -p "$EXT"; EXT_PORT=$(free_port)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$EXT"
as_pg "$PGBIN/initdb" -D "$EXT/db" -U admin --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$EXT/db" -l "$EXT/log" -w -o "-c listen_addresses=127.0.0.1 -p $EXT_PORT -k $EXT" start >/dev/null
check "serve --database-url uses an external server" start_correlator ext --database-url "postgres://admin:unused@127.0.0.1:$EXT_PORT/postgres?sslmode=disable"
check "and did not start an embedded cluster" sh -c "[ ! -d '$E2E_TMP/ext/data/postgres' ]"
stop_correlator

# 6. Startup mistakes: non-zero within 10 s, one clear line.
fails_clearly() {  # fails_clearly "expected text" args...
    local expected=$1; shift
    local out; out=$(timeout 10 "$CORRELATOR_BIN" "$@" 2>&1 </dev/null); local rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q -- "$expected" <<<"$out" && ! grep -q "Fatal error\|Stack dump" <<<"$out" \
        || { echo "    rc=$rc: $out" | head -3; return 1; }
}
check "unknown flag" fails_clearly "Unknown option '--frobnicate'" serve --frobnicate
check "unreadable config file" fails_clearly "cannot read the file" serve --config "$E2E_TMP/missing.yaml" --data-dir "$E2E_TMP/bad1"
check "unreachable database names the host, not the password" \
    sh -c "out=\$(timeout 10 '$CORRELATOR_BIN' serve --listen 127.0.0.1:$(free_port) --grpc-listen off --database-url 'postgres://alice:hunter2@127.0.0.1:1/db?sslmode=disable' 2>&1); [ \$? -ne 0 ] && [ \$? -ne 124 ] && echo \"\$out\" | grep -q 'cannot reach PostgreSQL at postgres://alice@127.0.0.1:1/db' && ! echo \"\$out\" | grep -q hunter2"
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$E2E_TMP/foreign"; chown 12345:12345 "$E2E_TMP/foreign"
    check "data directory owned by someone else" fails_clearly "owned by another user" serve --data-dir "$E2E_TMP/foreign" --listen 127.0.0.1:$(free_port) --grpc-listen off
fi
BUSY=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$BUSY)); s.listen(); time.sleep(30)" &
E2E_PIDS+=($!)
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $BUSY), 0.2)" 2>/dev/null && break; sleep 0.1; done
check "port in use" fails_clearly "already in use" serve --data-dir "$E2E_TMP/busy" --listen "127.0.0.1:$BUSY" --grpc-listen off
check "gRPC port in use names --grpc-listen" fails_clearly "already in use; stop the other process or pass --grpc-listen" \
    serve --data-dir "$E2E_TMP/busy" --listen "127.0.0.1:$(free_port)" --grpc-listen "127.0.0.1:$BUSY"
check "a refused port did not leave PostgreSQL running" no_postgres busy

# 7. `correlator` runs `profile …` itself and execs correlator-server for the rest: alone, it
# still reads profiles, and a server command says which file is missing.
mkdir -p "$E2E_TMP/alone" && cp "$CORRELATOR_BIN" "$E2E_TMP/alone/correlator"
check "without correlator-server beside it, profile top still works" \
    sh -c "'$E2E_TMP/alone/correlator' profile top '$E2E_ROOT/Tests/Fixtures/pprof-go119/heap.pb.gz' | grep -q '^Type: inuse_space'"
check "without correlator-server beside it, serve fails naming it (exit 127)" \
    sh -c "out=\$('$E2E_TMP/alone/correlator' serve 2>&1); [ \$? -eq 127 ] && echo \"\$out\" | grep -q 'cannot run $E2E_TMP/alone/correlator-server'"
ln -s "$CORRELATOR_BIN" "$E2E_TMP/alone/linked"
check "through a symbolic link, serve --help reaches correlator-server" sh -c "'$E2E_TMP/alone/linked' serve --help | grep -q -- '--database-url'"

as_pg "$PGBIN/pg_ctl" -D "$EXT/db" -m fast -w stop >/dev/null
finish
