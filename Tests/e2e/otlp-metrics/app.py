#!/usr/bin/env python3
"""OpenTelemetry metrics with exemplars, as the Python SDK records them by default (the
trace-based exemplar filter keeps the active span's ids): a latency histogram in seconds and a
request counter, recorded inside spans (each request a trace of two spans), exported over
OTLP/HTTP protobuf to URL/v1/metrics and URL/v1/traces, or with --grpc HOST:PORT over OTLP/gRPC
(gzip, as the SDKs' compression=gzip) to that address.

    python3 app.py URL OUT.json [--grpc HOST:PORT]

OUT.json: the recorded requests: [{"trace_id", "span_id", "value", "route", "le"}], `le` the bucket
bound Prometheus gives the value (the first of BOUNDS at or above it, as text).
OUT.json.spans: every span the app ended: [{"trace_id", "span_id", "name"}].
"""

import json
import sys
import time

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def exporters(url, grpc_address):
    """The metric and span exporters: OTLP/HTTP to URL, or OTLP/gRPC to grpc_address."""
    if grpc_address:
        from grpc import Compression
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        return (OTLPMetricExporter(endpoint=grpc_address, insecure=True, compression=Compression.Gzip),
                OTLPSpanExporter(endpoint=grpc_address, insecure=True, compression=Compression.Gzip))
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPMetricExporter(endpoint=url + "/v1/metrics"), OTLPSpanExporter(endpoint=url + "/v1/traces")


BOUNDS = [0.005, 0.01, 0.1, 0.5, 1, 5]


def main():
    url, out = sys.argv[1], sys.argv[2]
    grpc_address = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--grpc" else None
    metric_exporter, span_exporter = exporters(url, grpc_address)
    resource = Resource.create({"service.name": "py-metrics", "service.namespace": "shop", "service.instance.id": "i-1"})
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=500)
    meters = MeterProvider(resource=resource, metric_readers=[reader])
    metrics.set_meter_provider(meters)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    ended = InMemorySpanExporter()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ended))
    trace.set_tracer_provider(tracer_provider)
    meter = metrics.get_meter("e2e")
    tracer = trace.get_tracer("e2e")
    duration = meter.create_histogram("checkout.request.duration", unit="s", description="request latency",
                                      explicit_bucket_boundaries_advisory=BOUNDS)
    requests = meter.create_counter("checkout.requests", unit="{request}")

    recorded = []
    for n, (route, seconds) in enumerate([("/checkout", 0.42), ("/checkout", 3.2), ("/cart", 0.003), ("/cart", 0.07)]):
        with tracer.start_as_current_span(f"GET {route}") as span:
            context = span.get_span_context()
            duration.record(seconds, {"http.route": route, "http.request.method": "GET"})
            requests.add(1, {"http.route": route})
            with tracer.start_as_current_span("SELECT carts"):
                pass
            le = next((b for b in BOUNDS if seconds <= b), None)
            recorded.append({"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x"),
                             "value": seconds, "route": route, "le": "+Inf" if le is None else format(le, "g")})
        # One export per request, so each bucket's exemplar is this request's.
        meters.force_flush()
        time.sleep(0.6)
    meters.shutdown()
    tracer_provider.shutdown()
    with open(out, "w") as f:
        json.dump(recorded, f)
    with open(out + ".spans", "w") as f:
        json.dump([{"trace_id": format(s.context.trace_id, "032x"), "span_id": format(s.context.span_id, "016x"), "name": s.name}
                   for s in ended.get_finished_spans()], f)


if __name__ == "__main__":
    main()
