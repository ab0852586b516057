#!/usr/bin/env bash
# The examples of the user guide (docs/guide/*.md) and of README.md cannot rot: every fenced
# block is checked against the built binary, by the kind its info string gives it.
#
#   ```yaml rules [NAME]        correlator rules check passes
#   ```yaml rules-invalid NAME  correlator rules check fails (exit 1): a deliberate mistake
#   ```yaml rule-test [NAME]    correlator rules test passes; its rule_files name rules blocks
#                               of the same page
#   ```yaml config [NAME]       correlator serve --config starts with it and answers /readyz 200
#                               (on free ports, against the scratch server's PostgreSQL; the token
#                               and TLS files it names are made up, their paths moved under the
#                               page's directory; TLS is probed with the made-up CA)
#   ```yaml prometheus          promtool check config passes
#   ```yaml alertmanager        amtool check-config passes
#   ```yaml other               parses as YAML (files of other programs)
#   ```sh run [on=S] [status=N] run with bash -e -o pipefail, localhost:4318 replaced by server S:
#                               `fixtures` (default: Tests/Fixtures/pprof-go119 loaded as
#                               Tests/e2e/ui/load_fixture.py does), `scratch` (empty; both keep
#                               data 3650 days, the fixture is dated 2026-11-23), `none`, or
#                               the NAME of a config block of the page (served with that file);
#                               exit status N (default 0). Runs in the page's directory (its named
#                               blocks are files there; Tests/ and demo/ link to the repository),
#                               with `correlator` on the PATH
#   ```text output / ```json output  right after a run block: its output, compared exactly
#                               (127.0.0.1:<port> read as 127.0.0.1:4318)
#   ```sh norun                 shown, not run (it needs the reader's own program or agent)
#
# An untagged yaml block, and a shell block with curl but neither run nor norun, fail the suite.
# Also checked: demo/rules.yml, demo/correlator.yml, and every relative link of the pages.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURES=$E2E_ROOT/Tests/Fixtures/pprof-go119
WORK=$E2E_TMP/docs
mkdir -p "$WORK/bin"
ln -s "$CORRELATOR_BIN" "$WORK/bin/correlator"
PAGES=("$E2E_ROOT"/docs/guide/*.md "$E2E_ROOT/README.md")
echo "docs: ${#PAGES[@]} pages (docs/guide/*.md, README.md)"
command -v jq >/dev/null || { echo "  FAIL jq not installed (deps/apt/docs.txt)"; E2E_FAILED=$((E2E_FAILED + 1)); }

declare -A SERVER_URL SERVER_PID

# check_output "description" command...: a check that shows the command's output when it fails.
check_output() {
    local out status
    out=$("${@:2}" 2>&1)
    status=$?
    check "$1" test "$status" -eq 0
    [ "$status" -eq 0 ] || sed 's/^/     /' <<<"$out" | head -20
}

# serve NAME [args...]: a correlator on a free port; records its URL and pid under NAME.
serve() {
    local name=$1; shift
    start_correlator "server-$name" "$@" || return 1
    SERVER_URL[$name]=$CORRELATOR_URL
    SERVER_PID[$name]=$CORRELATOR_PID
}

# The scratch server's embedded PostgreSQL, which the config checks use (no cluster each);
# call `ensure_server scratch` first, in this shell.
scratch_database() {
    # Under make test-citus the scratch server serves on a database of the coordinator.
    e2e_database server-scratch || echo "postgres://correlator@/correlator?host=$E2E_TMP/server-scratch/data/run"
}

ensure_server() {  # ensure_server fixtures|scratch
    [ -n "${SERVER_URL[$1]:-}" ] && return 0
    case $1 in
        fixtures)
            # The fixture is dated 2026-11-23: a long retention keeps its partitions.
            serve fixtures --retention 3650d || return 1
            python3 "$HERE/ui/load_fixture.py" "${SERVER_URL[fixtures]}" "$FIXTURES" >/dev/null || return 1 ;;
        scratch) serve scratch --retention 3650d || return 1 ;;
        *) return 1 ;;
    esac
}

# prepare_config DIR FILE: makes the files FILE names, so the config loads here as it would on
# the reader's machine: token files (absolute paths moved under DIR) hold a made-up token; TLS
# files (moved under DIR/tls) are a certificate for 127.0.0.1 and its key, signed by a throwaway
# CA that is also the client CA. Prints "tls" or "mtls" when the server will speak TLS.
prepare_config() {
    local dir=$1 file=$2
    python3 - "$dir" "$file" <<'PY'
import os, re, sys
directory, name = sys.argv[1], sys.argv[2]
path = os.path.join(directory, name)
text = open(path).read()
tokens, tls = [], {}
def token(match):
    value = match.group(2)
    if value.startswith("/"):
        value = "./abs" + value
    tokens.append(value)
    return match.group(1) + value
text = re.sub(r"(token_file:\s*)[\"']?([^\"'\s#]+)[\"']?", token, text)
text = re.sub(r"^(\s*)((?:cert|key|client_ca)_file):\s*[\"']?[^\"'\s#]+[\"']?", lambda m: m.group(1) + m.group(2) + ": " + os.path.join(directory, "tls", m.group(2) + ".pem"), text, flags=re.M)
for match in re.finditer(r"^\s*((?:cert|key|client_ca)_file):", text, flags=re.M):
    tls[match.group(1)] = True
open(path, "w").write(text)
for value in tokens:
    target = os.path.join(directory, value)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    open(target, "w").write("docs-example-token-" + os.path.basename(value) + "-0123456789\n")
if tls:
    print("mtls" if "client_ca_file" in tls else "tls")
PY
}

# make_certificates DIR: DIR/tls/{cert_file,key_file,client_ca_file}.pem and a client pair.
make_certificates() {
    local tls=$1/tls
    mkdir -p "$tls"
    (
        cd "$tls" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=docs-ca -keyout ca.key -out client_ca_file.pem
        openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout key_file.pem -out server.csr
        printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
        openssl x509 -req -in server.csr -CA client_ca_file.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out cert_file.pem
        openssl req -newkey rsa:2048 -nodes -subj /CN=docs-client -keyout client.key -out client.csr
        openssl x509 -req -in client.csr -CA client_ca_file.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem
    ) >/dev/null 2>&1
}

# check_config NAME DIR FILE: serve --config starts and is ready; kept running as server NAME.
check_config() {
    local name=$1 dir=$2 file=$3 port log database tls scheme=http
    ensure_server scratch || return 1
    database=$(scratch_database)
    tls=$(prepare_config "$dir" "$file") || return 1
    local probe=(curl -s -o /dev/null -w '%{http_code}')
    if [ -n "$tls" ]; then
        make_certificates "$dir" || { echo "     openssl could not make the certificates"; return 1; }
        scheme=https
        probe+=(--cacert "$dir/tls/client_ca_file.pem")
        [ "$tls" = mtls ] && probe+=(--cert "$dir/tls/client.pem" --key "$dir/tls/client.key")
    fi
    port=$(free_port)
    log=$dir/$file.log
    "$CORRELATOR_BIN" serve --config "$dir/$file" --listen "127.0.0.1:$port" --grpc-listen "127.0.0.1:$(free_port)" \
        --database-url "$database" >"$log" 2>&1 &
    local pid=$!
    E2E_PIDS+=("$pid")
    for _ in $(seq 1 300); do
        if [ "$("${probe[@]}" "$scheme://127.0.0.1:$port/readyz")" = 200 ]; then
            SERVER_URL[$name]="$scheme://127.0.0.1:$port"
            SERVER_PID[$name]=$pid
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    echo "     $(grep -m1 'error' "$log" || tail -3 "$log")"
    kill -TERM "$pid" 2>/dev/null
    return 1
}

stop_server() {
    local pid=${SERVER_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    unset "SERVER_URL[$1]" "SERVER_PID[$1]"
}

# run_block DIR FILE SERVER EXPECTED STATUS WHERE: runs a shell block; compares its status and output.
run_block() {
    local dir=$1 file=$2 server=$3 expected=$4 want=$5 where=$6 url="" port="" status
    if [ "$server" != none ]; then
        if [ -z "${SERVER_URL[$server]:-}" ]; then
            ensure_server "$server" || { echo "     no server '$server' for this block"; return 1; }
        fi
        url=${SERVER_URL[$server]}
        port=${url##*:}
    fi
    ln -sfn "$E2E_ROOT/Tests" "$dir/Tests"
    ln -sfn "$E2E_ROOT/demo" "$dir/demo"
    local script=$dir/$file.run
    { echo 'set -e -o pipefail'; sed -e "s#localhost:4318#127.0.0.1:${port:-4318}#g" -e "s#127\.0\.0\.1:4318#127.0.0.1:${port:-4318}#g" "$dir/$file"; } >"$script"
    (cd "$dir" && PATH="$WORK/bin:$PATH" timeout 120 bash "$script") >"$dir/$file.out" 2>"$dir/$file.err"
    status=$?
    [ -n "$port" ] && sed -i "s#127\.0\.0\.1:$port#127.0.0.1:4318#g" "$dir/$file.out"
    if [ "$status" != "$want" ]; then
        echo "     exit status $status, expected $want; stderr:"; head -5 "$dir/$file.err" | sed 's/^/       /'
        head -5 "$dir/$file.out" | sed 's/^/       /'
        return 1
    fi
    [ -n "$expected" ] || return 0
    # Compared line by line, trailing spaces and blank lines aside.
    if ! python3 - "$dir/$expected" "$dir/$file.out" >"$dir/$file.diff" <<'PY'
import difflib, sys
page, now = ([line.rstrip() for line in open(path).read().rstrip().split("\n")] for path in sys.argv[1:])
for line in difflib.unified_diff(page, now, "page", "now", lineterm="", n=1):
    print(line)
sys.exit(page != now)
PY
    then
        echo "     the output differs from the page's:"; head -24 "$dir/$file.diff" | sed 's/^/       /'
        return 1
    fi
}

python3 "$HERE/docs/blocks.py" "$WORK/pages" "${PAGES[@]}" >"$WORK/manifest.tsv" || { check "the pages' blocks are listed" false; finish; exit 1; }
# Config blocks that a run block serves from are kept running until the end.
used_configs=$(awk -F'\t' '$1 == "run" && $5 != "fixtures" && $5 != "scratch" && $5 != "none" { print $3 "/" $5 }' "$WORK/manifest.tsv")

counts=""
while IFS=$'\t' read -r kind where dir file server expected status; do
    case $kind in
        problem)
            check "$where: $dir" false ;;
        rules)
            check_output "$where: rules check $file" "$CORRELATOR_BIN" rules check "$dir/$file" ;;
        rules-invalid)
            "$CORRELATOR_BIN" rules check "$dir/$file" >/dev/null 2>&1
            check "$where: rules check rejects $file (a deliberate mistake)" test $? -eq 1 ;;
        rule-test)
            check_output "$where: rules test $file" "$CORRELATOR_BIN" rules test "$dir/$file" ;;
        config)
            if check "$where: serve --config $file starts and is ready" check_config "$file" "$dir" "$file"; then
                grep -qxF "$dir/$file" <<<"$used_configs" || stop_server "$file"
            fi ;;
        prometheus)
            check_output "$where: promtool check config" promtool check config "$dir/$file" ;;
        alertmanager)
            check_output "$where: amtool check-config" amtool check-config "$dir/$file" ;;
        other)
            check "$where: parses as YAML" python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$dir/$file" ;;
        run)
            label="runs"
            [ "$status" != 0 ] && label="exits $status"
            [ -n "$expected" ] && label="$label, output as shown"
            check "$where: $label (server: $server)" run_block "$dir" "$file" "$server" "$expected" "$status" "$where" ;;
    esac
    counts="$counts $kind"
done <"$WORK/manifest.tsv"
echo "docs: blocks checked by kind:$(tr ' ' '\n' <<<"$counts" | grep -v '^$' | sort | uniq -c | awk '{ printf " %s %s", $2, $1 }')"

echo "-- make demo's files"
check_output "demo/rules.yml passes rules check" "$CORRELATOR_BIN" rules check "$E2E_ROOT/demo/rules.yml"
mkdir -p "$WORK/demo" && cp "$E2E_ROOT/demo/correlator.yml" "$E2E_ROOT/demo/rules.yml" "$WORK/demo/"
check "demo/correlator.yml starts serve" check_config demo-config "$WORK/demo" correlator.yml
stop_server demo-config
if command -v go >/dev/null; then
    check_output "demo/workload builds (go vet, go build)" sh -c "cd '$E2E_ROOT/demo/workload' && go vet . && go build -o '$WORK/workload' ."
fi

echo "-- relative links"
check "every relative link of the pages names an existing file and heading" env E2E_ROOT="$E2E_ROOT" python3 - "${PAGES[@]}" <<'PY'
import os, re, sys
def anchors(path):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", open(path).read(), flags=re.S)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+\s+(.*)$", text, flags=re.M)}
missing = []
root = os.path.abspath(os.environ["E2E_ROOT"])
for page in sys.argv[1:]:
    text = re.sub(r"```.*?```", "", open(page).read(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(page), file)) if file else page
        if not os.path.abspath(path).startswith(root + os.sep):
            continue  # outside the repository (the team's shared design notes): not ours to check
        if not os.path.exists(path):
            missing.append(f"{os.path.relpath(page)}: {target} (no such file)")
        elif anchor and path.endswith(".md") and anchor not in anchors(path):
            missing.append(f"{os.path.relpath(page)}: {target} (no such heading)")
for line in missing:
    print("     missing:", line)
sys.exit(1 if missing else 0)
PY
finish
