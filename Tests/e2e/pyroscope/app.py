#!/usr/bin/env python3
"""A Python service instrumented the way Grafana documents span profiles: the OpenTelemetry
SDK (spans over OTLP/HTTP), the Pyroscope Python SDK (pyroscope-io, pushing to
/push.v1.PusherService/Push) and its span processor (pyroscope-otel, which labels the CPU
samples of each root span with its span id). Every fifth request, `GET /checkout`, burns CPU in
`burn_cpu_in_checkout`; the others are quick.

    python3 app.py URL SECONDS OUT.json

OUT.json: {"slow": [trace ids of the slow requests], "fast": [...]}.
"""

import hashlib
import json
import sys
import time

import pyroscope
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pyroscope.otel import PyroscopeSpanProcessor


def burn_cpu_in_checkout(seconds):
    end = time.process_time() + seconds
    digest = b"checkout"
    while time.process_time() < end:
        for _ in range(200):
            digest = hashlib.sha256(digest).digest()
    return digest


def quick_lookup():
    return sum(range(100))


def main():
    url, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    pyroscope.configure(
        application_name="py-checkout", server_address=url, sample_rate=100,
        tags={"env": "e2e"}, upload_interval=5,
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "py-checkout"}))
    provider.add_span_processor(PyroscopeSpanProcessor())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces")))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("e2e")

    slow, fast = [], []
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        name = "GET /checkout" if n % 5 == 0 else "GET /health"
        with tracer.start_as_current_span(name) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            if name == "GET /checkout":
                burn_cpu_in_checkout(0.3)
                slow.append(trace_id)
            else:
                quick_lookup()
                time.sleep(0.02)
                fast.append(trace_id)
        n += 1
    provider.force_flush()
    provider.shutdown()
    pyroscope.shutdown()
    with open(out, "w") as f:
        json.dump({"slow": slow, "fast": fast}, f)


if __name__ == "__main__":
    main()
