#!/usr/bin/env bash
# Profiles: `correlator profile top` vs `go tool pprof -top` (whole process, same files), on the
# Go fixtures and on a generated profile of >= 5 MB decompressed with >= 100,000 samples; then
# in-process decode + summarise throughput next to zlib inflate of the same bytes (the floor).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CORRELATOR_BIN:-$ROOT/.build/release/correlator}
FIXTURES=$ROOT/Tests/Fixtures/pprof-go119
TMP=$(mktemp -d /tmp/correlator-bench-profiles.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
row() { printf '%-48s %14s %14s %10s %s\n' "$@"; }
command -v go >/dev/null || { row "profiles: go tool pprof" "-" "-" "-" "go missing (deps/apt/profiles.txt)"; exit 0; }
export GOCACHE="$TMP/go-cache" GOPATH="$TMP/go-path" GOFLAGS=-mod=mod GOPROXY=off

# A synthetic CPU profile: 4,000 functions, 160,000 samples of 8–40 frames, span labels on a third.
python3 - "$TMP/big.pb.gz" <<'PY'
import gzip, random, sys
random.seed(42)
def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def key(f, w): return varint(f << 3 | w)
def ld(f, payload): return key(f, 2) + varint(len(payload)) + payload
def vi(f, n): return key(f, 0) + varint(n)
def packed(f, values): return ld(f, b"".join(varint(v) for v in values))
strings = ["", "samples", "count", "cpu", "nanoseconds", "span_id", "big"]
def s(text):
    strings.append(text); return len(strings) - 1
out = bytearray()
out += ld(1, vi(1, 1) + vi(2, 2)); out += ld(1, vi(1, 3) + vi(2, 4))
nfunc = 4000
for i in range(1, nfunc + 1):
    out += ld(5, vi(1, i) + vi(2, s(f"pkg{i % 97}.function{i}")) + vi(4, s(f"/src/pkg{i % 97}/file{i % 500}.go")))
    out += ld(4, vi(1, i) + vi(3, 0x400000 + i * 16) + ld(4, vi(1, i) + vi(2, i % 300 + 1)))
spans = [s("%016x" % random.getrandbits(64)) for _ in range(2000)]
hot = list(range(1, 200))
for n in range(160000):
    depth = random.randint(8, 40)
    stack = [random.choice(hot) if random.random() < 0.5 else random.randint(1, nfunc) for _ in range(depth)]
    ticks = random.randint(1, 5)
    body = packed(1, stack) + packed(2, [ticks, ticks * 10000000])
    if n % 3 == 0:
        body += ld(3, vi(1, 5) + vi(2, random.choice(spans)))
    out += ld(2, body)
out += ld(11, vi(1, 3) + vi(2, 4)) + vi(12, 10000000) + vi(9, 1795442820000000000) + vi(10, 60000000000)
for text in strings: out += ld(6, text.encode())
open(sys.argv[1], "wb").write(gzip.compress(bytes(out), 6))
print(f"generated {len(out) / 1e6:.1f} MB decompressed, 160000 samples", file=sys.stderr)
PY

mean_seconds() {  # mean_seconds COMMAND...: mean wall time of the whole process
    if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 1 --runs "${RUNS:-10}" --export-json "$TMP/h.json" "$*" >/dev/null 2>&1
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$TMP/h.json"
    else
        python3 - "$@" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(6):
    start = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); runs.append(time.perf_counter() - start)
print(sum(runs[1:]) / len(runs[1:]))
PY
    fi
}
ms() { python3 -c "print(f'{float(\"$1\") * 1000:.1f}ms')"; }
ratio() { python3 -c "print(f'{float(\"$2\") / float(\"$1\"):.1f}x')"; }

for file in "$FIXTURES/cpu.pb.gz" "$FIXTURES/heap.pb.gz" "$TMP/big.pb.gz"; do
    name=$(basename "$file" .pb.gz)
    mine=$(mean_seconds "$BIN" profile top "$file")
    RUNS=5 peer=$(mean_seconds go tool pprof -top "$file")
    row "profile top $name (whole process)" "$(ms "$mine")" "$(ms "$peer")" "$(ratio "$mine" "$peer")" "go tool pprof -top; ratio = speedup (target >= 2x)"
done

"$BIN" profile throughput "$TMP/big.pb.gz" --iterations 5 >"$TMP/throughput.txt"
get() { sed -n "s/^$1 //p" "$TMP/throughput.txt"; }
row "inflate big ($(get decompressed_mb) MB) MB/s, libdeflate" "$(get libdeflate_mbps)" "$(get inflate_mbps)" \
    "$(python3 -c "print(f'{$(get inflate_seconds) / $(get libdeflate_seconds):.2f}x')")" "peer = zlib inflate (CompressNIO, exact-size buffer); ratio = speedup; the decoder inflates with libdeflate"
row "decode+summarise big ($(get decompressed_mb) MB) MB/s" "$(get decode_summarise_mbps)" "$(get inflate_mbps)" \
    "$(python3 -c "print(f'{$(get decode_summarise_seconds) / $(get inflate_seconds):.2f}x')")" "peer = zlib inflate alone, same bytes; ratio = time vs inflate (target <= 1.2x)"
