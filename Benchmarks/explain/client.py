#!/usr/bin/env python3
"""The client side of Benchmarks/explain.sh.

    client.py load URL FIXTURE_DIR TOTAL CLIENTS OUT_DIR > load.json
        Posts the explanation fixture (Tests/Fixtures/explain/data) re-timed to start 40
        minutes ago: its spans (OTLP/JSON, one resource per service.version, as
        Tests/HTTPTests/Correlation/ExplainTests.swift posts them) moved by one offset, its
        profiles with from=/until= moved by the same offset (their own time_nanos is in the
        past). Then filler up to TOTAL spans, OTLP protobuf exports of 20,000 spans sent by
        CLIENTS threads: traces of a server span and three children of 30 other services and
        of shop-api over the last 24 hours (shop-api's other routes at any time, the
        fixture's routes only outside its requests' ±31 min, so that their peers stay the
        fixture's). Writes OUT_DIR/requests.json: 40 slow requests of each injected cause and
        40 normal ones, shuffled. Prints {"spans", "seconds", "spans_per_second", "requests",
        "errors"}.
    client.py explain URL REQUESTS_JSON [PSQL_COMMAND...] > run.json
        GET /api/v1/traces/{id}/explain for every request, one after another on one
        keep-alive connection. With PSQL_COMMAND, runs it with -c "SELECT 'explain-begin N'"
        before request N (and -c "SELECT 'explain-end'" after the last), so that a statement
        log can be cut per request. Prints {"n", "p50", "p99", "errors", "first_cause_right",
        "slow_asked", "latencies"} (milliseconds; nearest-rank percentiles; first_cause_right:
        slow requests whose first cause is the injected one).
    client.py summary RUN_JSON... > latency.json
        {"n", "p50", "p99", "max", "errors"} over the latencies of several `explain` runs.
    client.py script POSTGRES_LOG REQUESTS_JSON OUT_SQL > statements.json
        Cuts the statement log of one marked `explain` run into each request's statements
        (parameters put in as literals: bigint and bytea cast, the rest as the statement
        casts them) and writes a pgbench script that runs request n % N as the client's n-th
        transaction (pgbench -D n=-1). Prints the logged run's server time (parse + bind +
        execute) per statement kind: {"requests", "statements", "server_ms_per_request",
        "summary" (one line), "kinds": [{kind, calls, ms_total, ms_p50, ms_max, share}]}.
    client.py bykind REQUESTS_JSON SKIP RUN_JSON_OR_PGBENCH_LOG...
        Writes to stderr p50/p99 per kind of request (each injected cause, normal) of the
        `explain` runs (*.json) and of the pgbench logs (after the first SKIP transactions).
    client.py statements SCRIPT_SQL REQUESTS PGBENCH_OUTPUT... > kinds.json
        From pgbench -r reports of the script: the mean time an explanation spends in each
        kind of statement (client side: round trip, planning, execution, rows), averaged over
        the reports. Prints {"ms_per_request", "summary", "kinds": [{kind, ms_per_request,
        share}]}, and a table to stderr.
    client.py pgbench SKIP LOG_FILES... > latency.json
        {"n", "p50", "p99", "max"} of pgbench -l transaction logs, transactions after the
        first SKIP of each run.
"""

import gzip
import http.client
import json
import os
import random
import re
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from protobuf import length_delimited, varint  # noqa: E402

MINUTE = 60_000_000_000
HOUR = 60 * MINUTE


def connection(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)


def post(conn_box, url, path, body, content_type):
    """POST with retries on 429/503 and dropped connections; returns the status."""
    for attempt in range(30):
        try:
            conn_box[0].request("POST", path, body=body, headers={"Content-Type": content_type})
            response = conn_box[0].getresponse()
            answer = response.read()
            status, retry_after = response.status, response.getheader("Retry-After", "1")
        except (OSError, http.client.HTTPException) as error:
            conn_box[0].close()
            conn_box[0] = connection(url)
            status, answer, retry_after = 0, str(error).encode(), "1"
        if status in (0, 429, 503) and attempt < 29:
            time.sleep(min(float(retry_after or 1), 5))
            continue
        if status >= 300:
            sys.stderr.write(f"POST {path}: {status} {answer[:300]!r}\n")
        return status
    return 0


# MARK: pprof (only the two header fields needed)

def pprof_times(data):
    """(time_nanos, duration_nanos) of a gzip'd pprof."""
    data = gzip.decompress(data)
    i, found = 0, {}

    def varint():
        nonlocal i
        result = shift = 0
        while True:
            byte = data[i]
            i += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            value = varint()
            if field in (9, 10):
                found[field] = value
        elif wire == 2:
            length = varint()
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
    return found.get(9, 0), found.get(10, 0)


# MARK: OTLP/JSON

def attr(key, value):
    if isinstance(value, int):
        return '{"key":"%s","value":{"intValue":"%d"}}' % (key, value)
    return '{"key":"%s","value":{"stringValue":"%s"}}' % (key, value)


def span_json(trace, span, parent, name, kind, start, end, attributes, status=0):
    parent_part = ',"parentSpanId":"%s"' % parent if parent else ""
    status_part = ',"status":{"code":%d}' % status if status else ""
    return ('{"traceId":"%s","spanId":"%s"%s,"name":"%s","kind":%d,"startTimeUnixNano":"%d",'
            '"endTimeUnixNano":"%d","attributes":[%s]%s}') % (
        trace, span, parent_part, name, kind, start, end, ",".join(attributes), status_part)


def export_json(groups):
    """groups: [(service, version, [span json])] → one ExportTraceServiceRequest."""
    resources = []
    for service, version, spans in groups:
        attributes = [attr("service.name", service)]
        if version:
            attributes.append(attr("service.version", version))
        resources.append('{"resource":{"attributes":[%s]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[%s]}]}' % (
            ",".join(attributes), ",".join(spans)))
    return ('{"resourceSpans":[%s]}' % ",".join(resources)).encode()


def fixture_spans(fixture_dir):
    with gzip.open(os.path.join(fixture_dir, "spans.json.gz")) as handle:
        return json.load(handle)


OTHER_SERVICES = 30
OTHER_ROUTES = ["GET /items", "GET /items/{id}", "POST /items", "GET /users/{id}", "PUT /users/{id}",
                "GET /orders", "POST /orders", "GET /status", "DELETE /items/{id}", "GET /search"]
CHILDREN = ["SELECT items", "redis GET", "HTTP GET downstream"]
SHOP_OTHER_ROUTES = ["GET /catalog", "GET /product/{id}", "POST /cart/items", "GET /account"]


# The filler as OTLP protobuf, encoded by hand (as Benchmarks/traces/load.py and
# Tests/e2e/faults/make_bulk_spans.py send it): a debug build decodes OTLP/JSON at a few
# thousand spans a second, which would make loading a million take most of the run.



delimited = length_delimited


def pb_attr(key, value):
    any_value = delimited(1, value.encode()) if isinstance(value, str) else varint(3 << 3) + varint(value)
    return delimited(9, delimited(1, key.encode()) + delimited(2, any_value))


def pb_span(trace, span, parent, name, kind, start, end, attributes, error=False):
    return delimited(2, b"".join([
        delimited(1, trace), delimited(2, span), delimited(4, parent) if parent else b"", name,
        varint(6 << 3) + varint(kind), b"\x39" + struct.pack("<Q", start), b"\x41" + struct.pack("<Q", end),
        attributes, delimited(15, varint(3 << 3) + varint(2)) if error else b"",
    ]))


def pb_export(groups):
    """groups: [(service, version, [encoded span])] → one ExportTraceServiceRequest."""
    out = []
    for service, version, spans in groups:
        resource = delimited(1, delimited(1, delimited(1, b"service.name") + delimited(2, delimited(1, service.encode())))
                             + delimited(1, delimited(1, b"service.version") + delimited(2, delimited(1, version.encode()))))
        out.append(delimited(1, resource + delimited(2, delimited(1, delimited(1, b"bench")) + b"".join(spans))))
    return b"".join(out)


def filler_batches(total, now, fixture_routes, busy_from, busy_to, batch):
    """Yields (OTLP protobuf body, spans) of about `batch` spans until `total` spans were made:
    traces of a server span and three children, over the last 24 hours."""
    rng = random.Random(7)
    names = {}

    def name(text):
        if text not in names:
            names[text] = delimited(5, text.encode())
        return names[text]

    root_attributes = {}
    child_attributes = [pb_attr("peer.service", peer) for peer in ["db", "cache", "downstream"]]
    made = trace_no = 0
    while made < total:
        groups = {}
        in_batch = 0
        while in_batch < batch and made + in_batch < total:
            trace_no += 1
            trace = (0xF111 << 112 | trace_no).to_bytes(16, "big")
            start = now - 24 * HOUR + rng.randrange(24 * HOUR)
            if trace_no % 20 == 0:
                service, version = "shop-api", ("v1" if trace_no % 40 else "v2")
                if trace_no % 60 == 0 and not busy_from <= start < busy_to:
                    route = fixture_routes[trace_no // 60 % len(fixture_routes)]
                else:
                    route = SHOP_OTHER_ROUTES[trace_no // 20 % len(SHOP_OTHER_ROUTES)]
            else:
                number = trace_no % OTHER_SERVICES
                service, version = "svc-%02d" % number, "1.%d.0" % (number % 4)
                route = OTHER_ROUTES[trace_no // OTHER_SERVICES % len(OTHER_ROUTES)]
            duration = int(rng.lognormvariate(16.5, 0.6))  # median ~15 ms
            error = rng.random() < 0.01
            key = (service, route, error)
            if key not in root_attributes:
                method, path = route.split(" ", 1)
                root_attributes[key] = b"".join([
                    pb_attr("http.request.method", method), pb_attr("http.route", path),
                    pb_attr("http.response.status_code", 500 if error else 200), pb_attr("server.address", service)])
            root = (trace_no << 8).to_bytes(8, "big")
            spans = groups.setdefault((service, version), [])
            spans.append(pb_span(trace, root, None, name(route), 2, start, start + duration, root_attributes[key], error))
            children = min(3, total - made - in_batch - 1)
            for child in range(children):
                child_start = start + duration * child // 4
                spans.append(pb_span(trace, (trace_no << 8 | child + 1).to_bytes(8, "big"), root, name(CHILDREN[child]), 3,
                                     child_start, child_start + duration // 5, child_attributes[child]))
            in_batch += 1 + children
        made += in_batch
        yield pb_export([(service, version, spans) for (service, version), spans in groups.items()]), in_batch


def load(url, fixture_dir, total, clients, out_dir):
    began = time.perf_counter()
    spans = fixture_spans(fixture_dir)
    now = time.time_ns()
    first = min(s["start_unix_nano"] for s in spans)
    last = max(s["end_unix_nano"] for s in spans)
    offset = (now - 40 * MINUTE) - first
    errors = 0
    box = [connection(url)]

    # The fixture: spans (one resource per version), then every profile at its moved time.
    by_version = {}
    for s in spans:
        by_version.setdefault(s["version"], []).append(span_json(
            s["trace_id"], s["span_id"], None, s["name"], 2, s["start_unix_nano"] + offset, s["end_unix_nano"] + offset, []))
    body = export_json([("shop-api", version, group) for version, group in sorted(by_version.items())])
    errors += post(box, url, "/v1/traces", body, "application/json") >= 300
    for name in sorted(os.listdir(fixture_dir)):
        if not name.endswith(".pb.gz"):
            continue
        data = open(os.path.join(fixture_dir, name), "rb").read()
        kind = re.match(r"[a-z]+", name).group(0)
        start, duration = pprof_times(data)
        path = "/api/v1/profiles?service=shop-api&type=%s&profile_id=bench-%s&from=%d&until=%d" % (
            kind, name, start + offset, start + offset + duration)
        errors += post(box, url, path, data, "application/octet-stream") >= 300

    # Filler: CLIENTS senders, the bodies made on the fly.
    routes = sorted({s["name"] for s in spans})
    batches = filler_batches(total - len(spans), now, routes, first + offset - 31 * MINUTE, last + offset + 31 * MINUTE, 20_000)
    lock = threading.Lock()
    sent = [len(spans)]

    def worker():
        nonlocal errors
        box = [connection(url)]
        while True:
            with lock:
                item = next(batches, None)
            if item is None:
                return
            body, count = item
            status = post(box, url, "/v1/traces", body, "application/x-protobuf")
            with lock:
                if status >= 300:
                    errors += 1
                else:
                    sent[0] += count

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The requests: each injected cause's slow requests (about 40 of each), 40 normal ones.
    rng = random.Random(22)
    chosen = []
    for kind in ["cpu", "off_cpu main.recordPayment", "off_cpu main.fetchReport", "changed_after_deploy"]:
        matching = [s for s in spans if s.get("cause") and (kind == s["cause"]["kind"] or kind == s["cause"]["kind"] + " " + s["cause"]["function"])]
        chosen += rng.sample(matching, min(40, len(matching)))
    chosen += rng.sample([s for s in spans if not s.get("cause")], 40)
    rng.shuffle(chosen)
    with open(os.path.join(out_dir, "requests.json"), "w") as handle:
        json.dump([{"trace_id": s["trace_id"], "span_id": s["span_id"], "name": s["name"], "cause": s.get("cause")} for s in chosen], handle)
    seconds = time.perf_counter() - began
    print(json.dumps({"spans": sent[0], "seconds": round(seconds, 1), "spans_per_second": int(sent[0] / seconds),
                      "requests": len(chosen), "errors": errors}))


# MARK: Correlator's /explain

def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def explain(url, requests_path, marker):
    requests = json.load(open(requests_path))
    conn = connection(url)
    latencies, errors, right, slow = [], 0, 0, 0
    for index, request in enumerate(requests):
        if marker:
            subprocess.run(marker + ["-c", "SELECT 'explain-begin %d'" % index], check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        try:
            conn.request("GET", "/api/v1/traces/%s/explain" % request["trace_id"])
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            conn = connection(url)
            status, body = 0, str(error).encode()
        latencies.append(round((time.perf_counter() - started) * 1000, 3))
        if status != 200:
            errors += 1
            if errors == 1:
                sys.stderr.write("explain %s: %s %r\n" % (request["trace_id"], status, body[:300]))
            continue
        cause = request.get("cause")
        if cause:
            slow += 1
            first = (json.loads(body).get("causes") or [{}])[0]
            kinds = ["slower_than_peers", "peer_evidence"] if cause["kind"] == "cpu" else [cause["kind"]]
            right += first.get("function") == cause["function"] and first.get("kind") in kinds
    if marker:
        subprocess.run(marker + ["-c", "SELECT 'explain-end'"], check=True, stdout=subprocess.DEVNULL)
    print(json.dumps({"n": len(latencies), "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                      "errors": errors, "first_cause_right": right, "slow_asked": slow, "latencies": latencies}))


def summary(paths):
    runs = [json.load(open(path)) for path in paths]
    latencies = [value for run in runs for value in run["latencies"]]
    print(json.dumps({"n": len(latencies), "p50": round(percentile(latencies, 0.5), 2), "p99": round(percentile(latencies, 0.99), 2),
                      "max": round(max(latencies), 2), "errors": sum(run["errors"] for run in runs)}))


# MARK: The statements, from PostgreSQL's log

KINDS = [
    ("trace spans", re.compile(r"FROM spans\s+WHERE tenant = \S+ AND trace_id")),
    ("route peers", re.compile(r"FROM spans\s+WHERE tenant = \S+ AND service = \S+ AND name")),
    ("profile series", re.compile(r"FROM profile_series ps")),
    ("span samples (span_profiles)", re.compile(r"FROM span_profiles sp")),
    ("hourly rollups", re.compile(r"FROM profile_stacks_hourly h")),
    ("profile stacks", re.compile(r"FROM profile_stacks\s+WHERE")),
    ("stack dictionary", re.compile(r"FROM profile_stack_dictionary")),
    ("functions", re.compile(r"FROM functions WHERE")),
]


def kind_of(sql):
    for name, pattern in KINDS:
        if pattern.search(sql):
            return name
    return "other: " + " ".join(sql.split())[:60]


def parse_log(path):
    """The statement log in order: ("marker", N or None) for the markers, ("statement",
    [milliseconds, SQL, {n: value}]) for each statement of the extended protocol (its parse,
    bind and execute times added up: PostgreSQL plans an unnamed statement at bind)."""
    entries = []
    line_start = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* \w+ \[(\d+)\] ")
    records, current = [], None
    with open(path, errors="replace") as handle:
        for line in handle:
            if line_start.match(line):
                if current is not None:
                    records.append(current)
                current = line
            elif current is not None:
                current += line
    if current is not None:
        records.append(current)
    before = {}  # backend pid → milliseconds of the parse and bind of its next execute
    pending = None
    for record in records:
        pid = line_start.match(record).group(1)
        body = record[line_start.match(record).end():]
        marker = re.search(r"statement: SELECT 'explain-(begin (\d+)|end)'", body)
        if marker:
            entries.append(("marker", int(marker.group(2)) if marker.group(2) else None))
            continue
        match = re.match(r"LOG:\s+duration: ([\d.]+) ms\s+(parse|bind|execute) [^:]*: (.*)", body, re.S)
        if match:
            milliseconds, phase = float(match.group(1)), match.group(2)
            if phase != "execute":
                before[pid] = before.get(pid, 0) + milliseconds
                pending = None
                continue
            pending = [milliseconds + before.pop(pid, 0), match.group(3).rstrip(), {}]
            entries.append(("statement", pending))
            continue
        match = re.match(r"DETAIL:\s+parameters: (.*)", body, re.S)
        if match and pending is not None:
            pending[2] = parse_parameters(match.group(1).rstrip("\n"))
            pending = None
    return entries


def parse_parameters(text):
    values = {}
    i = 0
    while i < len(text):
        match = re.compile(r"\$(\d+) = ").match(text, i)
        if not match:
            break
        number = int(match.group(1))
        i = match.end()
        if text.startswith("NULL", i):
            values[number] = None
            i += 4
        else:
            assert text[i] == "'", text[i:i + 40]
            j = i + 1
            out = []
            while True:
                if text[j] == "'":
                    if j + 1 < len(text) and text[j + 1] == "'":
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(text[j])
                j += 1
            values[number] = "".join(out)
            i = j + 1
        if text.startswith(", ", i):
            i += 2
    return values


def literal(value):
    if value is None:
        return "NULL"
    quoted = "'" + value.replace("'", "''") + "'"
    if re.fullmatch(r"-?\d+", value):
        return quoted + "::bigint"
    if re.fullmatch(r"\\x[0-9a-f]*", value):
        return quoted + "::bytea"
    return quoted


def bind(sql, parameters):
    return re.sub(r"\$(\d+)", lambda m: literal(parameters[int(m.group(1))]), sql)


def script(log_path, requests_path, out_path):
    requests = json.load(open(requests_path))
    per_request = {}
    current = None
    for kind, value in parse_log(log_path):
        if kind == "marker":
            current = value
            if current is not None:
                per_request[current] = []
            continue
        if current is None:
            continue
        duration, sql, parameters = value
        # Only the explanation's statements (not the rollup or partition jobs that may run meanwhile).
        if kind_of(sql).startswith("other"):
            continue
        per_request[current].append((duration, sql, parameters))
    missing = [n for n in range(len(requests)) if not per_request.get(n)]
    if missing:
        sys.exit("statement log: no statements for requests %s" % missing[:10])
    with open(out_path, "w") as out:
        # pgbench keeps a client's variables between its transactions: n counts them.
        out.write("\\set n :n + 1\n\\set r :n %% %d\n" % len(requests))
        for number in range(len(requests)):
            out.write("%s :r = %d\n" % ("\\if" if number == 0 else "\\elif", number))
            for _, sql, parameters in per_request[number]:
                out.write(" ".join(bind(sql, parameters).split()) + ";\n")
        out.write("\\endif\n")
    kinds = {}
    for statements in per_request.values():
        for duration, sql, _ in statements:
            kinds.setdefault(kind_of(sql), []).append(duration)
    total = sum(sum(v) for v in kinds.values())
    rows = [{"kind": k, "calls": len(v), "ms_total": round(sum(v), 1), "ms_p50": round(statistics.median(v), 3),
             "ms_max": round(max(v), 2), "share": round(sum(v) / total, 3)} for k, v in kinds.items()]
    rows.sort(key=lambda r: -r["ms_total"])
    statements = sum(len(v) for v in per_request.values())
    sys.stderr.write("explain bench: the logged round, %d statements of %d requests, server time (parse+bind+execute, the logging adds to it) by kind:\n" % (statements, len(per_request)))
    for r in rows:
        sys.stderr.write("  %-30s %5d calls %9.1f ms %5.1f%%   p50 %7.3f ms   max %7.2f ms\n" % (
            r["kind"], r["calls"], r["ms_total"], r["share"] * 100, r["ms_p50"], r["ms_max"]))
    text = "%.1f statements a request; " % (statements / len(per_request)) + ", ".join(
        "%s %.0f%% (p50 %.1f ms)" % (r["kind"], r["share"] * 100, r["ms_p50"]) for r in rows[:3])
    print(json.dumps({"requests": len(per_request), "statements": statements,
                      "server_ms_per_request": round(total / len(per_request), 2), "summary": text, "kinds": rows}))


def statement_latencies(script_path, requests, paths):
    """Per kind of statement, the mean time a request spends in it, from pgbench -r reports
    (each statement of the script runs once a round: the sum of their average latencies over
    the requests). pgbench cuts the commands short in its report: its lines are matched to
    the script's in order. Prints {"ms_per_request", "summary", "kinds": [{kind,
    ms_per_request, share}]}."""
    commands = [line.rstrip("\n") for line in open(script_path) if line.strip()]
    runs = []
    for path in paths:
        lines = open(path).read().split("statement latencies in milliseconds", 1)[1].split("\n")[1:]
        report = [line for line in lines if re.match(r"\s+[\d.]+\s+\d+\s+\S", line)]
        if len(report) != len(commands):
            sys.exit("%s: %d commands in the report, %d in the script" % (path, len(report), len(commands)))
        kinds = {}
        for command, line in zip(commands, report):
            if not command.startswith("\\"):
                kind = kind_of(command)
                kinds[kind] = kinds.get(kind, 0) + float(line.split()[0]) / requests
        runs.append(kinds)
    names = {name for run in runs for name in run}
    rows = [{"kind": name, "ms_per_request": round(sum(run.get(name, 0) for run in runs) / len(runs), 3)} for name in names]
    total = sum(row["ms_per_request"] for row in rows)
    for row in rows:
        row["share"] = round(row["ms_per_request"] / total, 3) if total else 0
    rows.sort(key=lambda row: -row["ms_per_request"])
    sys.stderr.write("explain bench: pgbench -r, mean time a request spends in each kind of statement:\n")
    for row in rows:
        sys.stderr.write("  %-30s %7.3f ms %5.1f%%\n" % (row["kind"], row["ms_per_request"], row["share"] * 100))
    text = ", ".join("%s %.0f%% (%.2f ms)" % (row["kind"], row["share"] * 100, row["ms_per_request"]) for row in rows[:3])
    print(json.dumps({"ms_per_request": round(total, 2), "summary": text, "kinds": rows}))


def pgbench_latencies(paths, skip):
    latencies = []
    for path in paths:
        for line in open(path):
            fields = line.split()
            # client_id transaction_no time script_no time_epoch time_us [schedule_lag]
            if len(fields) >= 6 and int(fields[1]) > skip:
                latencies.append(int(fields[2]) / 1000)
    print(json.dumps({"n": len(latencies), "p50": round(percentile(latencies, 0.5), 2),
                      "p99": round(percentile(latencies, 0.99), 2), "max": round(max(latencies), 2) if latencies else None}))


def by_kind(requests_path, skip, paths):
    """Writes to stderr p50/p99 per kind of request (injected cause, or normal) of the
    `explain` runs and of the pgbench logs (transaction n ran request (n - 1) % N)."""
    requests = json.load(open(requests_path))

    def kind(index):
        cause = requests[index].get("cause")
        return "%s %s" % (cause["kind"], cause["function"]) if cause else "normal"

    mine, peer = {}, {}
    for path in paths:
        if path.endswith(".json"):
            for index, value in enumerate(json.load(open(path))["latencies"]):
                mine.setdefault(kind(index % len(requests)), []).append(value)
            continue
        for line in open(path):
            fields = line.split()
            if len(fields) >= 6 and int(fields[1]) > skip:
                peer.setdefault(kind((int(fields[1]) - 1) % len(requests)), []).append(int(fields[2]) / 1000)
    sys.stderr.write("explain bench: by kind of request, ms (correlator | pgbench):\n")
    for name in sorted(mine):
        ours, theirs = mine[name], peer.get(name, [])
        sys.stderr.write("  %-40s p50 %7.2f | %6.2f   p99 %7.2f | %6.2f   (%d | %d)\n" % (
            name, percentile(ours, 0.5), percentile(theirs, 0.5), percentile(ours, 0.99), percentile(theirs, 0.99),
            len(ours), len(theirs)))


def main():
    command = sys.argv[1]
    if command == "load":
        load(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif command == "explain":
        explain(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif command == "summary":
        summary(sys.argv[2:])
    elif command == "script":
        script(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "bykind":
        by_kind(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif command == "statements":
        statement_latencies(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif command == "pgbench":
        pgbench_latencies(sys.argv[3:], int(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
