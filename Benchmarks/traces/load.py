#!/usr/bin/env python3
"""OTLP trace load for Benchmarks/traces.sh: N processes, each with one keep-alive connection,
send ExportTraceServiceRequests of SPANS spans for SECONDS seconds — POST /v1/traces protobuf
to an http:// URL, or the gRPC TraceService/Export (grpcio, bytes as they are) to grpc://HOST:PORT.
Every request carries new trace and span ids (patched into a prebuilt body, so the client spends
little CPU per request).

    python3 load.py URL|grpc://HOST:PORT SECONDS CLIENTS SPANS

Prints one JSON line: {"requests", "spans", "errors", "seconds", "client_cpu_seconds"}.
"""

import http.client
import json
import multiprocessing
import os
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from protobuf import field, length_delimited, varint  # noqa: E402








def string_kv(key, value):
    any_value = length_delimited(1, value.encode())
    return length_delimited(1, key.encode()) + length_delimited(2, any_value)


def int_kv(key, value):
    return length_delimited(1, key.encode()) + length_delimited(2, field(3, 0, varint(value)))


def build_template(spans):
    """An ExportTraceServiceRequest of `spans` spans and the byte offsets of each span's ids."""
    resource = b"".join(length_delimited(1, kv) for kv in [
        string_kv("service.name", "bench-checkout"),
        string_kv("service.version", "3.1.4"),
        string_kv("telemetry.sdk.language", "python"),
        string_kv("telemetry.sdk.name", "opentelemetry"),
        string_kv("host.name", "bench-host-01"),
    ])
    now = time.time_ns()
    span_messages = []
    for index in range(spans):
        attributes = [
            string_kv("http.request.method", "GET"),
            string_kv("http.route", "/api/orders/{id}"),
            int_kv("http.response.status_code", 200),
            string_kv("db.statement", "SELECT * FROM orders WHERE id = $1\tLIMIT 1"),
        ]
        if index % 4 == 0:
            attributes.append(string_kv("pyroscope.profile.id", "%016x" % (index + 1)))
        body = b"".join([
            length_delimited(1, b"\x11" * 16),     # trace_id, patched per request
            length_delimited(2, b"\x22" * 8),      # span_id, patched per request
            length_delimited(4, b"\x33" * 8) if index % 8 else b"",  # parent (roots every 8th)
            length_delimited(5, f"SELECT orders {index % 16}".encode()),
            field(6, 0, varint(3 if index % 8 else 2)),
            field(7, 1, struct.pack("<Q", now + index * 1000)),
            field(8, 1, struct.pack("<Q", now + index * 1000 + 250_000)),
            b"".join(length_delimited(9, kv) for kv in attributes),
            length_delimited(15, length_delimited(2, b"ok") + field(3, 0, varint(1))),
        ])
        span_messages.append(body)
    scope = length_delimited(1, length_delimited(1, b"bench.tracer") + length_delimited(2, b"1.0"))
    scope_spans = scope + b"".join(length_delimited(2, s) for s in span_messages)
    resource_spans = length_delimited(1, resource) + length_delimited(2, scope_spans)
    request = bytearray(length_delimited(1, resource_spans))
    # Locate the ids: each span starts with 0a 10 <16 bytes> 12 08 <8 bytes>.
    offsets = []
    position = 0
    marker = b"\x0a\x10" + b"\x11" * 16 + b"\x12\x08" + b"\x22" * 8
    while True:
        position = request.find(marker, position)
        if position < 0:
            break
        offsets.append((position + 2, position + 20))
        position += len(marker)
    assert len(offsets) == spans, (len(offsets), spans)
    return request, offsets


def grpc_sender(address):
    """A function sending one request over one gRPC channel; True when acknowledged."""
    import grpc
    channel = grpc.insecure_channel(address)
    export = channel.unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        request_serializer=lambda message: message, response_deserializer=lambda message: message,
    )

    def send(body):
        try:
            export(body, timeout=60)
            return True
        except grpc.RpcError:
            return False
    return send


def http_sender(url):
    """A function sending one request over one kept-alive HTTP connection; True when acknowledged."""
    parsed = urllib.parse.urlparse(url)
    headers = {"Content-Type": "application/x-protobuf"}
    connection = [http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)]

    def send(body):
        try:
            connection[0].request("POST", "/v1/traces", body=body, headers=headers)
            response = connection[0].getresponse()
            response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            connection[0].close()
            connection[0] = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            return False
    return send


def worker(url, seconds, worker_id, spans, results):
    body, offsets = build_template(spans)
    send = grpc_sender(url[len("grpc://"):]) if url.startswith("grpc://") else http_sender(url)
    requests = errors = counter = 0
    deadline = time.monotonic() + seconds
    prefix = struct.pack(">IQ", os.getpid(), worker_id)[:8]
    while time.monotonic() < deadline:
        counter += 1
        for index, (trace_at, span_at) in enumerate(offsets):
            # 8 traces per request; trace id = worker, request, trace; span id = request, index.
            body[trace_at:trace_at + 16] = prefix + struct.pack(">IHH", counter, index // 64, 1)
            body[span_at:span_at + 8] = struct.pack(">IHH", counter, worker_id + 1, index + 1)
        if send(bytes(body)):
            requests += 1
        else:
            errors += 1
    results.put((requests, errors, time.process_time()))


def main():
    url, seconds, clients, spans = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    results = multiprocessing.Queue()
    started = time.monotonic()
    processes = [multiprocessing.Process(target=worker, args=(url, seconds, i, spans, results)) for i in range(clients)]
    for process in processes:
        process.start()
    totals = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    requests = sum(t[0] for t in totals)
    print(json.dumps({
        "requests": requests, "spans": requests * spans, "errors": sum(t[1] for t in totals),
        "seconds": round(elapsed, 2), "client_cpu_seconds": round(sum(t[2] for t in totals), 2),
    }))


if __name__ == "__main__":
    main()
