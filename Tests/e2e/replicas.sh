#!/usr/bin/env bash
# Two replicas on one PostgreSQL: replica A runs the embedded cluster, replica B connects to it
# with --database-url. Goroutine profiles of a leaking service are ingested through both; the
# leak alert reaches a webhook exactly once; the replica leading the rule scheduler is killed
# with SIGKILL and the other takes over, without sending the alert again.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURES=$HERE/alerting
DIR=$E2E_TMP/replicas
DATA=$DIR/data
mkdir -p "$DIR"
PG_BIN=$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")
echo "replicas: two correlators on one PostgreSQL"

hook_port=$(free_port)
python3 "$HERE/replicas/webhook.py" "$hook_port" "$DIR/webhook.jsonl" &
E2E_PIDS+=("$!")
: >"$DIR/webhook.jsonl"
cat >"$DIR/rules.yml" <<'YAML'
groups:
  - name: leaks
    interval: 1s
    rules:
      - alert: GoroutineLeak
        leak: {sample_type: goroutine, window: 10m, min_points: 4, min_relative_growth: 0.5}
YAML
cat >"$DIR/correlator.yml" <<YAML
rule_files: [rules.yml]
alerting:
  webhooks: [{url: "http://127.0.0.1:$hook_port/hook"}]
  resend_delay: 1h
YAML

serve() {  # serve NAME PORT [args]: starts a replica; sets PID_<NAME>
    local name=$1 port=$2; shift 2
    "$CORRELATOR_BIN" serve --listen "127.0.0.1:$port" --grpc-listen "127.0.0.1:$(free_port)" --config "$DIR/correlator.yml" "$@" >>"$DIR/$name.log" 2>&1 &
    E2E_PIDS+=("$!")
    eval "PID_$name=$!"
    wait_http "http://127.0.0.1:$port/readyz" 90
}
PORT_A=$(free_port); PORT_B=$(free_port)
if EXTERNAL_URL=$(e2e_database replicas); then
    # Both replicas on an external database (a Citus coordinator with `make test-citus`).
    check "replica A starts on the external database (--database-url)" serve A "$PORT_A" --data-dir "$DIR/unused-a" \
        --database-url "$EXTERNAL_URL"
    check "replica B starts on the same database (--database-url)" serve B "$PORT_B" --data-dir "$DIR/unused" \
        --database-url "$EXTERNAL_URL"
else
    EXTERNAL_URL=""
    check "replica A starts with the embedded PostgreSQL" serve A "$PORT_A" --data-dir "$DATA"
    check "replica B starts on the same database (--database-url)" serve B "$PORT_B" --data-dir "$DIR/unused" \
        --database-url "postgres://correlator@/correlator?host=$DATA/run"
fi

now=$(date +%s)
ingested=0
for i in 1 2 3 4 5 6; do
    port=$([ $((i % 2)) = 1 ] && echo "$PORT_A" || echo "$PORT_B")
    at=$((now - (7 - i) * 30))
    for service in leaky stable; do
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$FIXTURES/$service/goroutine-$i.pb.gz" \
            "http://127.0.0.1:$port/api/v1/profiles?service=$service&type=goroutine&from=$at")
        [ "$code" = 200 ] && ingested=$((ingested + 1))
    done
done
check "12 profiles ingested through both replicas" test "$ingested" -eq 12
check "each replica reads what the other wrote" sh -c \
    "curl -s 'http://127.0.0.1:$PORT_A/api/v1/profiles?service=leaky&limit=100' | grep -o '\"profile_id\"' | wc -l | grep -qx 6 &&
     curl -s 'http://127.0.0.1:$PORT_B/api/v1/profiles?service=leaky&limit=100' | grep -o '\"profile_id\"' | wc -l | grep -qx 6"

firing() { grep -c '"status": "firing".*"service": "leaky"\|"service": "leaky".*"status": "firing"' "$DIR/webhook.jsonl"; }
for _ in $(seq 1 100); do [ "$(firing)" -ge 1 ] && break; sleep 0.2; done
sleep 5  # both replicas have evaluated the rule several times
check "the leak alert reached the webhook exactly once ($(firing) notifications)" test "$(firing)" -eq 1
leaders=$(grep -l "rule scheduler leading" "$DIR/A.log" "$DIR/B.log" | wc -l)
check "exactly one replica leads the rule scheduler" test "$leaders" -eq 1

if grep -q "rule scheduler leading" "$DIR/A.log"; then leader=A; survivor=B; else leader=B; survivor=A; fi
survivor_port=$([ "$survivor" = A ] && echo "$PORT_A" || echo "$PORT_B")
eval "leader_pid=\$PID_$leader"
echo "  kill -9 the leader, replica $leader"
kill -KILL "$leader_pid"
took_over() { grep -q "rule scheduler leading" "$DIR/$survivor.log"; }
for _ in $(seq 1 150); do took_over && break; sleep 0.2; done
check "replica $survivor takes over the rule scheduler within 30 s" took_over
sleep 5
check "the survivor still reports the alert firing" sh -c \
    "curl -s 'http://127.0.0.1:$survivor_port/api/v1/alerts' | grep -q '\"state\":\"firing\"'"
check "the failover sent no second notification ($(firing) in all)" test "$(firing)" -eq 1
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$FIXTURES/leaky/cpu.pb.gz" \
    "http://127.0.0.1:$survivor_port/api/v1/profiles?service=leaky&type=cpu")
check "the survivor still ingests ($code)" test "$code" = 200

# Stop the survivor; if it was B, start A again so it stops its cluster, then stop it too.
eval "CORRELATOR_PID=\$PID_$survivor"
check "replica $survivor stops cleanly" stop_correlator
if [ -z "$EXTERNAL_URL" ]; then
    if [ -f "$DATA/postgres/postmaster.pid" ]; then
        serve A "$PORT_A" --data-dir "$DATA" && CORRELATOR_PID=$PID_A && stop_correlator
    fi
    check "no PostgreSQL of this run is left behind" test ! -e "$DATA/postgres/postmaster.pid"
fi
if [ "$E2E_FAILED" -gt 0 ]; then
    for name in A B; do echo "--- $name"; grep -v '^$' "$DIR/$name.log" | tail -8; done
    echo "--- webhook"; tail -5 "$DIR/webhook.jsonl"
fi
finish
