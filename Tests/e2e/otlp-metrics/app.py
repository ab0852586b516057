#!/usr/bin/env python3
"""OpenTelemetry metrics with exemplars, as the Python SDK records them by default (the
trace-based exemplar filter keeps the active span's ids): a latency histogram in seconds and a
request counter, recorded inside spans, exported over OTLP/HTTP (protobuf, or JSON when the
exporter is given one) to URL/v1/metrics.

    python3 app.py URL OUT.json

OUT.json: the recorded requests: [{"trace_id", "span_id", "value", "route", "le"}], `le` the bucket
bound Prometheus gives the value (the first of BOUNDS at or above it, as text).
"""

import json
import sys
import time

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


BOUNDS = [0.005, 0.01, 0.1, 0.5, 1, 5]


def main():
    url, out = sys.argv[1], sys.argv[2]
    resource = Resource.create({"service.name": "py-metrics", "service.namespace": "shop", "service.instance.id": "i-1"})
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=url + "/v1/metrics"), export_interval_millis=500)
    meters = MeterProvider(resource=resource, metric_readers=[reader])
    metrics.set_meter_provider(meters)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces")))
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


if __name__ == "__main__":
    main()
