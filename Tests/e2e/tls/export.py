#!/usr/bin/env python3
"""Exports three spans with the OpenTelemetry Python SDK over OTLP/HTTPS or OTLP/gRPC with TLS,
trusting only the test's CA (and presenting a client certificate when given), then prints the
trace id. Exits 1 when the export failed.

    export.py http|grpc ENDPOINT CA_FILE [CLIENT_CERT CLIENT_KEY]
"""

import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult

protocol, endpoint, ca = sys.argv[1:4]
client = sys.argv[4:6]
if protocol == "http":
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    options = {"endpoint": endpoint + "/v1/traces", "certificate_file": ca}
    if client:
        options.update(client_certificate_file=client[0], client_key_file=client[1])
else:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    import grpc
    root = open(ca, "rb").read()
    if client:
        credentials = grpc.ssl_channel_credentials(root, open(client[1], "rb").read(), open(client[0], "rb").read())
    else:
        credentials = grpc.ssl_channel_credentials(root)
    options = {"endpoint": endpoint, "credentials": credentials, "insecure": False}

exporter = OTLPSpanExporter(**options)
results = []


class Recording(SimpleSpanProcessor):
    def on_end(self, span):
        results.append(exporter.export([span]))


provider = TracerProvider(resource=Resource.create({"service.name": "tls-" + protocol}))
provider.add_span_processor(Recording(exporter))
tracer = provider.get_tracer("tls-e2e")
with tracer.start_as_current_span("GET /secure") as root_span:
    with tracer.start_as_current_span("db"):
        pass
    with tracer.start_as_current_span("render"):
        pass
    trace_id = format(root_span.get_span_context().trace_id, "032x")
provider.shutdown()
if not results or any(result != SpanExportResult.SUCCESS for result in results):
    print(f"export failed: {results}", file=sys.stderr)
    sys.exit(1)
print(trace_id)
