#!/usr/bin/env python3
"""Soak load for Tests/soak/soak.sh: mixed ingest and queries at a fixed rate for SECONDS, while
sampling the server's RSS. One thread per stream, each on its own keep-alive connection:

  spans      OTLP/HTTP protobuf, 512 spans per request, SPANS_PER_SECOND in total (new ids each time)
  exemplars  OpenMetrics pushes with a new exemplar trace id, 10/s
  profiles   a Go pprof (cpu.pb.gz) under a new profile id, 1/s
  queries    a recent trace, its profile links, query_exemplars, the profile list: 8/s in turn

    python3 mixed_load.py URL PID SECONDS SPANS_PER_SECOND PPROF_FILE OUT.json

Prints one table row per minute (RSS, requests, errors, p50/p99 of ingest and queries) and writes
the rows and a summary (RSS slope over the second half, error count) to OUT.json.
"""

import http.client
import json
import os
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Benchmarks", "traces"))
from load import build_template  # noqa: E402

URL, PID, SECONDS, SPANS_PER_SECOND, PPROF, OUT = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
parsed = urllib.parse.urlparse(URL)
start = time.monotonic()
deadline = start + SECONDS
lock = threading.Lock()
samples = []  # (t, stream, ok, latency)
recent_traces = []


def record(stream, ok, latency, name):
    with lock:
        samples.append((time.monotonic() - start, stream, ok, latency, name))


def paced(stream, per_second, make_request):
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    interval = 1.0 / per_second
    next_at = time.monotonic()
    n = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += interval
        n += 1
        method, path, body, headers = make_request(n)
        name = stream if stream != "queries" else "query " + path.split("?")[0].replace(path.split("/")[4] if path.startswith("/api/v1/traces/") else "\0", "{id}")
        t0 = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = 200 <= response.status < 300 or (stream == "queries" and response.status == 404)
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        record(stream, ok, time.monotonic() - t0, name)


def spans_stream():
    body, offsets = build_template(512)
    prefix = struct.pack(">I", os.getpid())

    def make(n):
        for index, (trace_at, span_at) in enumerate(offsets):
            trace = prefix + struct.pack(">IQ", n, index // 64)
            body[trace_at:trace_at + 16] = trace
            body[span_at:span_at + 8] = struct.pack(">IHH", n, 7, index + 1)
        with lock:
            recent_traces.append((prefix + struct.pack(">IQ", n, 0)).hex())
            del recent_traces[:-100]
        return "POST", "/v1/traces", bytes(body), {"Content-Type": "application/x-protobuf"}
    paced("spans", SPANS_PER_SECOND / 512, make)


def exemplars_stream():
    def make(n):
        trace = "%032x" % (0x50A4 << 96 | n)
        text = ("# TYPE soak_seconds histogram\n"
                f'soak_seconds_bucket{{le="0.5",route="/r{n % 20}"}} {n} # {{trace_id="{trace}"}} 0.3 {time.time():.3f}\n'
                f'soak_seconds_bucket{{le="+Inf",route="/r{n % 20}"}} {n}\n'
                f'soak_seconds_count{{route="/r{n % 20}"}} {n}\nsoak_seconds_sum{{route="/r{n % 20}"}} {n * 0.3}\n# EOF\n')
        return "POST", "/api/v1/exemplars", text.encode(), {"Content-Type": "application/openmetrics-text; version=1.0.0"}
    paced("exemplars", 10, make)


def profiles_stream():
    pprof = open(PPROF, "rb").read()

    def make(n):
        return "POST", f"/api/v1/profiles?service=soak&type=cpu&profile_id=soak-{n}&from={int(time.time()) - 10}", pprof, {}
    paced("profiles", 1, make)


def queries_stream():
    def make(n):
        with lock:
            trace = recent_traces[-1] if recent_traces else "0" * 31 + "1"
        kind = n % 4
        if kind == 0:
            return "GET", f"/api/v1/traces/{trace}", None, {}
        if kind == 1:
            return "GET", f"/api/v1/traces/{trace}/profiles", None, {}
        if kind == 2:
            return "GET", "/api/v1/query_exemplars?query=soak_seconds_bucket&start=%d&end=%d" % (time.time() - 60, time.time()), None, {}
        return "GET", "/api/v1/profiles?service=soak&limit=20", None, {}
    paced("queries", 8, make)


def rss_kib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


threads = [threading.Thread(target=f, daemon=True) for f in (spans_stream, exemplars_stream, profiles_stream, queries_stream)]
for thread in threads:
    thread.start()
rss = []
while time.monotonic() < deadline:
    rss.append((time.monotonic() - start, rss_kib()))
    time.sleep(5)
for thread in threads:
    thread.join(timeout=35)
rss.append((time.monotonic() - start, rss_kib()))

rows = []
print("%6s %9s %9s %7s %11s %11s %11s %11s" % ("minute", "RSS MiB", "requests", "errors", "ingest p50", "ingest p99", "query p50", "query p99"))
for minute in range(int(SECONDS // 60) + (1 if SECONDS % 60 else 0)):
    window = [s for s in samples if minute * 60 <= s[0] < (minute + 1) * 60]
    ingest = [s[3] * 1000 for s in window if s[1] != "queries"]
    queries = [s[3] * 1000 for s in window if s[1] == "queries"]
    memory = [r[1] for r in rss if minute * 60 <= r[0] < (minute + 1) * 60] or [rss[-1][1]]
    row = {"minute": minute + 1, "rss_mib": round(max(memory) / 1024, 1), "requests": len(window),
           "errors": sum(1 for s in window if not s[2]),
           "ingest_p50_ms": round(percentile(ingest, 0.5), 1), "ingest_p99_ms": round(percentile(ingest, 0.99), 1),
           "query_p50_ms": round(percentile(queries, 0.5), 1), "query_p99_ms": round(percentile(queries, 0.99), 1)}
    rows.append(row)
    print("%6d %9.1f %9d %7d %11.1f %11.1f %11.1f %11.1f" % tuple(row[k] for k in ("minute", "rss_mib", "requests", "errors", "ingest_p50_ms", "ingest_p99_ms", "query_p50_ms", "query_p99_ms")))

# Latency by request kind, first and last third of the run: which one drifts.
by_kind = {}
for name in sorted({s[4] for s in samples}):
    early = [s[3] * 1000 for s in samples if s[4] == name and s[0] < SECONDS / 3]
    late = [s[3] * 1000 for s in samples if s[4] == name and s[0] >= 2 * SECONDS / 3]
    by_kind[name] = {"p99_first_third_ms": round(percentile(early, 0.99), 1), "p99_last_third_ms": round(percentile(late, 0.99), 1)}
    print("%-40s p99 first third %9.1f ms, last third %9.1f ms" % (name, by_kind[name]["p99_first_third_ms"], by_kind[name]["p99_last_third_ms"]))

# RSS trend over the second half (after warm-up): least-squares slope in MiB per minute.
half = [r for r in rss if r[0] >= SECONDS / 2]
n = len(half)
slope = 0.0
if n >= 2:
    mean_t = sum(r[0] for r in half) / n
    mean_m = sum(r[1] for r in half) / n
    denominator = sum((r[0] - mean_t) ** 2 for r in half) or 1
    slope = sum((r[0] - mean_t) * (r[1] - mean_m) for r in half) / denominator * 60 / 1024
summary = {"seconds": SECONDS, "spans_per_second": SPANS_PER_SECOND, "requests": len(samples),
           "errors": sum(1 for s in samples if not s[2]), "rss_start_mib": round(rss[0][1] / 1024, 1),
           "rss_end_mib": round(rss[-1][1] / 1024, 1), "rss_slope_second_half_mib_per_min": round(slope, 2),
           "by_kind": by_kind, "rows": rows}
print(json.dumps({k: v for k, v in summary.items() if k not in ("rows", "by_kind")}))
json.dump(summary, open(OUT, "w"), indent=1)
