# Shared by Tests/citus/run.sh (make test-citus) and Benchmarks/citus.sh (make bench-citus):
# finds PostgreSQL and Citus (citus_check: says how to get Citus when it is missing, returns 2)
# and starts throwaway PostgreSQL clusters on free ports under $CLUSTER_TMP (start_node), which
# are stopped and removed on exit. Sets PGBIN, LIBDIR, SHAREDIR, and PORT[NAME] per node.

citus_check() {
    PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || ls /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -1)}
    if ! PGBIN=$("$PG_CONFIG" --bindir 2>/dev/null) || [ ! -x "$PGBIN/initdb" ]; then
        echo "test-citus: PostgreSQL's pg_config, initdb and pg_ctl not found (apt-get install postgresql postgresql-server-dev-all, or set PG_CONFIG)" >&2
        return 2
    fi
    PG_VERSION=$("$PGBIN/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
    LIBDIR=$("$PG_CONFIG" --pkglibdir)
    SHAREDIR=$("$PG_CONFIG" --sharedir)
    if [ ! -f "$LIBDIR/citus.so" ] || [ ! -f "$SHAREDIR/extension/citus.control" ]; then
        cat >&2 <<EOF
test-citus: the Citus extension is not installed for PostgreSQL $PG_VERSION
  (no $LIBDIR/citus.so or $SHAREDIR/extension/citus.control).
Citus is not packaged by Debian. Install it from Citus's own packages
(https://docs.citusdata.com/en/stable/installation/single_node_debian.html), or build it
from source against this server:
  - the server's headers at the server's exact version (postgresql-server-dev-$PG_VERSION
    pinned to the installed postgresql-$PG_VERSION), liblz4-dev, libzstd-dev, libkrb5-dev;
  - git clone https://github.com/citusdata/citus; check out a release that supports
    PostgreSQL $PG_VERSION (v13.2.2 is the newest for 15; v14 needs 16 or later);
  - ./configure --without-libcurl && make && make install.
Then run make test-citus again. (make test does not need Citus.)
EOF
        return 2
    fi
}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
psql_on() { local port=$1 db=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U admin -d "$db" "$@"; }

CLUSTER_TMP=$(mktemp -d /tmp/correlator-citus.XXXXXX)
chmod 755 "$CLUSTER_TMP"
[ "$(id -u)" = 0 ] && chown postgres "$CLUSTER_TMP"
NODES=()
declare -A PORT
stop_nodes() {
    for node in "${NODES[@]}"; do
        [ -f "$CLUSTER_TMP/$node/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_TMP/$node" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$CLUSTER_TMP"
}
trap stop_nodes EXIT

# start_node NAME [PRELOAD]: initdb (user admin, trust) and start on a free port with
# shared_preload_libraries = PRELOAD (citus by default; "" for a plain PostgreSQL). Settings for
# throwaway clusters: no fsync, many connections (Citus opens several per worker).
start_node() {
    local node=$1 preload=${2-citus}
    NODES+=("$node")
    PORT[$node]=$(free_port)
    as_pg "$PGBIN/initdb" -D "$CLUSTER_TMP/$node" -U admin --auth=trust -E UTF8 --locale=C >"$CLUSTER_TMP/$node.initdb.log" 2>&1 \
        || { echo "initdb of $node failed:"; cat "$CLUSTER_TMP/$node.initdb.log"; return 1; }
    cat >>"$CLUSTER_TMP/$node/postgresql.conf" <<EOF
shared_preload_libraries = '$preload'
listen_addresses = '127.0.0.1'
port = ${PORT[$node]}
unix_socket_directories = '$CLUSTER_TMP'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
max_prepared_transactions = 200
EOF
    [ -n "$preload" ] && echo "citus.shard_count = ${CITUS_SHARD_COUNT:-4}" >>"$CLUSTER_TMP/$node/postgresql.conf"
    as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_TMP/$node" -l "$CLUSTER_TMP/$node.log" -w start >/dev/null \
        || { echo "$node did not start:"; tail -20 "$CLUSTER_TMP/$node.log"; return 1; }
}

# start_citus_cluster: a coordinator and two workers. Their postgres databases become Citus
# databases with the workers added; CITUS_COORDINATOR_PORT and CITUS_WORKER_PORTS are exported
# for new-database.sh, which makes more.
start_citus_cluster() {
    local node
    for node in coordinator worker1 worker2; do start_node "$node" citus || return 1; done
    export CITUS_COORDINATOR_PORT=${PORT[coordinator]} CITUS_WORKER_PORTS="${PORT[worker1]} ${PORT[worker2]}"
    "$(dirname "${BASH_SOURCE[0]}")/new-database.sh" postgres >/dev/null
}
