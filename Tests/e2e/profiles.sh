#!/usr/bin/env bash
# Profiles end to end: `correlator profile top` against go tool pprof's golden text; then a real
# Go program (net/http/pprof, labelled work) scraped by Correlator, each stored profile downloaded
# again and Correlator's stored per-function numbers compared with `go tool pprof` on it.
source "$(dirname "$0")/lib/common.bash"
FIXTURES=$E2E_ROOT/Tests/Fixtures/pprof-go119
HERE=$E2E_ROOT/Tests/e2e/profiles

echo "-- correlator profile top/tags on the Go 1.19 fixtures vs the golden go tool pprof output"
for golden in "$FIXTURES"/golden/*.top.txt; do
    name=$(basename "$golden" .top.txt)            # e.g. cpu.cpu or cpu.cpu.tagfocus-span_id
    profile=${name%%.*}
    rest=${name#*.}
    index=${rest%%.*}
    args=(--sample-index "$index")
    while read -r filter; do args+=(--tagfocus "$filter"); done < <(sed -n 's/^   tagfocus=//p' "$golden")
    "$CORRELATOR_BIN" profile top "$FIXTURES/$profile.pb.gz" "${args[@]}" >"$E2E_TMP/$name.txt" 2>&1
    check "profile top $name equals go tool pprof" cmp -s "$E2E_TMP/$name.txt" "$golden"
done
"$CORRELATOR_BIN" profile tags "$FIXTURES/cpu.pb.gz" >"$E2E_TMP/tags.txt" 2>&1
check "profile tags cpu equals go tool pprof -tags" cmp -s "$E2E_TMP/tags.txt" "$FIXTURES/golden/cpu.tags.txt"
"$CORRELATOR_BIN" profile top "$FIXTURES/cpu.pb.gz" --json >"$E2E_TMP/top.json"
check "profile top --json: raw integers, flat descending" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
flats = [abs(r["flat"]) for r in rows]
sys.exit(0 if rows and flats == sorted(flats, reverse=True) and all(isinstance(r["cum"], int) for r in rows) else 1)' "$E2E_TMP/top.json"
check "profile diff runs" sh -c "\"$CORRELATOR_BIN\" profile diff \"$FIXTURES/heap.pb.gz\" \"$FIXTURES/allocs.pb.gz\" --sample-index alloc_space >/dev/null"

echo "-- a Go program scraped by Correlator"
if ! command -v go >/dev/null; then
    check "go is installed (deps/apt/profiles.txt: golang-go)" false
    finish; exit $?
fi
export GOFLAGS=-mod=mod GOCACHE="$E2E_TMP/go-cache" GOPATH="$E2E_TMP/go-path" GOPROXY=off GOTOOLCHAIN=local
(cd "$HERE" && go build -o "$E2E_TMP/labelled-work" .) || { check "build the Go program" false; finish; exit $?; }
app_port=$(free_port)
"$E2E_TMP/labelled-work" -addr "127.0.0.1:$app_port" >"$E2E_TMP/app.log" 2>&1 &
E2E_PIDS+=($!)
check "Go program serves net/http/pprof" wait_http "http://127.0.0.1:$app_port/debug/pprof/" 30

down_port=$(free_port)
cat >"$E2E_TMP/config.yaml" <<YAML
profile_scrape_configs:
  - job_name: labelled-work
    interval: 4s
    targets: ["127.0.0.1:$app_port"]
    labels: {env: e2e}
    profiles:
      cpu: {seconds: 2}
      heap: {}
      allocs: {}
      goroutine: {}
      mutex: {}
  - job_name: down
    interval: 2s
    targets: ["127.0.0.1:$down_port"]
    profiles: [heap]
YAML
start_correlator profiles --config "$E2E_TMP/config.yaml" || { finish; exit $?; }

latest() {  # latest TYPE: the newest stored profile id of the Go program of that type
    curl -s "$CORRELATOR_URL/api/v1/profiles?service=labelled-work&type=$1&limit=1" |
        python3 -c 'import json,sys; p=json.load(sys.stdin)["profiles"]; print(p[0]["profile_id"] if p else "")'
}
for _ in $(seq 1 60); do
    ready=1
    for type in cpu heap allocs goroutine; do [ -n "$(latest $type)" ] || ready=0; done
    [ $ready = 1 ] && break
    sleep 1
done

compare() {  # compare TYPE SAMPLE_INDEX UNIT
    local type=$1 index=$2 unit=$3 id
    id=$(latest "$type")
    [ -n "$id" ] || { echo "    no $type profile stored"; return 1; }
    curl -sf -o "$E2E_TMP/$id.pb.gz" "$CORRELATOR_URL/api/v1/profiles/$id/pprof" || return 1
    curl -sf -o "$E2E_TMP/$id.$index.json" "$CORRELATOR_URL/api/v1/profiles/$id/top?sample_type=$index&limit=100000" || return 1
    local unit_args=()
    [ -n "$unit" ] && unit_args=(-unit="$unit")
    go tool pprof -top -nodecount=100000 -nodefraction=0 -sample_index="$index" "${unit_args[@]}" \
        "$E2E_TMP/$id.pb.gz" >"$E2E_TMP/$id.$index.txt" 2>/dev/null || return 1
    python3 "$HERE/compare_top.py" "$E2E_TMP/$id.$index.json" "$E2E_TMP/$id.$index.txt"
}
check "cpu samples: stored numbers equal go tool pprof on the downloaded profile" compare cpu samples ""
check "cpu time: stored numbers equal go tool pprof" compare cpu cpu ns
check "heap inuse_space: stored numbers equal go tool pprof" compare heap inuse_space B
check "allocs alloc_space: stored numbers equal go tool pprof" compare allocs alloc_space B
check "goroutine: stored numbers equal go tool pprof" compare goroutine goroutine ""

cpu_id=$(latest cpu)
curl -s -o "$E2E_TMP/cpu.pb.gz" "$CORRELATOR_URL/api/v1/profiles/$cpu_id/pprof"
go tool pprof -tags "$E2E_TMP/cpu.pb.gz" >"$E2E_TMP/cpu.tags.go.txt" 2>/dev/null
"$CORRELATOR_BIN" profile tags "$E2E_TMP/cpu.pb.gz" >"$E2E_TMP/cpu.tags.mine.txt"
check "scraped CPU profile carries span_id labels" grep -q "span_id:" "$E2E_TMP/cpu.tags.go.txt"
check "profile tags equals go tool pprof -tags on the scraped CPU profile" cmp -s "$E2E_TMP/cpu.tags.go.txt" "$E2E_TMP/cpu.tags.mine.txt"
curl -s "$CORRELATOR_URL/metrics" >"$E2E_TMP/metrics.txt"
check "scrape_up is 1 for the Go program" grep -Eq "^correlator_profile_scrape_up\{.*instance=\"127.0.0.1:$app_port\".*profile=\"heap\".*\} 1(\.0)?$" "$E2E_TMP/metrics.txt"
check "scrape_up is 0 for the down target" grep -Eq "^correlator_profile_scrape_up\{.*instance=\"127.0.0.1:$down_port\".*\} 0(\.0)?$" "$E2E_TMP/metrics.txt"
check "the down target did not stop the others (several cpu profiles stored)" python3 -c '
import json, sys, time, urllib.request
for _ in range(30):
    p = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/profiles?service=labelled-work&type=cpu"))["profiles"]
    if len(p) >= 2:
        sys.exit(0)
    time.sleep(1)
sys.exit(1)' "$CORRELATOR_URL"

echo "-- merged queries: every CPU profile of the Go program up to a time, against go tool pprof merging the same files"
merged_to=$(date +%s)
# The scraper pulls one target's CPU profiles one after another, so once a profile that started
# after merged_to is stored, every one that started before it is stored too.
check "a CPU profile that started after merged_to is stored" python3 -c '
import datetime, json, sys, time, urllib.request
for _ in range(60):
    p = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/profiles?service=labelled-work&type=cpu&limit=1"))["profiles"]
    if p and datetime.datetime.fromisoformat(p[0]["start"].replace("Z", "+00:00")).timestamp() > int(sys.argv[2]):
        sys.exit(0)
    time.sleep(1)
sys.exit(1)' "$CORRELATOR_URL" "$merged_to"
curl -s "$CORRELATOR_URL/api/v1/profiles?service=labelled-work&type=cpu&from=$((merged_to - 3600))&to=$merged_to&limit=1000" |
    python3 -c 'import json,sys; print("\n".join(p["profile_id"] for p in json.load(sys.stdin)["profiles"]))' >"$E2E_TMP/merged.ids"
mkdir -p "$E2E_TMP/merged"
while read -r id; do curl -sf -o "$E2E_TMP/merged/$id.pb.gz" "$CORRELATOR_URL/api/v1/profiles/$id/pprof"; done <"$E2E_TMP/merged.ids"
merged_count=$(wc -l <"$E2E_TMP/merged.ids")
range="service=labelled-work&type=cpu&sample_type=cpu&from=$((merged_to - 3600))&to=$merged_to"
go tool pprof -top -nodecount=100000 -nodefraction=0 -sample_index=cpu -unit=ns "$E2E_TMP"/merged/*.pb.gz >"$E2E_TMP/merged.go.txt" 2>/dev/null
curl -sf -o "$E2E_TMP/merged.top.json" "$CORRELATOR_URL/api/v1/query/top?$range&limit=100000"
check "merged top of $merged_count CPU profiles equals go tool pprof -top over the same files" \
    python3 "$HERE/compare_top.py" "$E2E_TMP/merged.top.json" "$E2E_TMP/merged.go.txt"
check "the merge counted $merged_count profiles" python3 -c "import json,sys; sys.exit(json.load(open('$E2E_TMP/merged.top.json'))['profiles'] != $merged_count or $merged_count < 2)"
curl -sf -o "$E2E_TMP/merged.pb.gz" "$CORRELATOR_URL/api/v1/query/pprof?$range"
go tool pprof -top -nodecount=100000 -nodefraction=0 -sample_index=cpu -unit=ns "$E2E_TMP/merged.pb.gz" >"$E2E_TMP/merged.ours.txt" 2>/dev/null
check "go tool pprof reads the merged pprof and prints the same flat and cum per function" python3 -c '
import sys
def rows(path):
    found, on = {}, False
    for line in open(path).read().splitlines():
        if on:
            f = line.split()
            name = " ".join(f[5:]).replace(" (partial-inline)", "").replace(" (inline)", "")
            found[name] = (f[0], f[3])
        elif line.startswith("      flat  flat%"):
            on = True
    return found
a, b = rows(sys.argv[1]), rows(sys.argv[2])
sys.exit(not a or a != b)' "$E2E_TMP/merged.go.txt" "$E2E_TMP/merged.ours.txt"
finish
