#!/usr/bin/env python3
"""Exports spans to Correlator with the real OpenTelemetry Python SDK and records what the SDK reported.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python3 export_spans.py SDK_VIEW.json OTLP.json

The OTLP/HTTP exporter is configured only by the environment (default path /v1/traces, protobuf).
Writes SDK_VIEW.json: {"exported": true/false, "spans": [{trace_id, span_id, parent_span_id,
name, kind, start_unix_nano, duration_ns, status_code, status_message, service, profile_id}]}
and OTLP.json: the same spans as an OTLP JSON ExportTraceServiceRequest (hex ids, integer enums).
Exits 1 when the exporter reports a failure.
"""

import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

PROFILE_KEYS = ["pyroscope.profile.id", "profile.id", "profile_id"]


class RecordingExporter(SpanExporter):
    """Passes spans to the OTLP exporter and keeps them with the exporter's verdict."""

    def __init__(self, inner):
        self.inner = inner
        self.spans = []
        self.results = []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result)
        self.spans.extend(spans)
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def make_spans(provider):
    http = provider.get_tracer("e2e.http", "1.0.0")
    db = provider.get_tracer("e2e.db")
    for request in range(12):
        root = http.start_span(f"GET /orders/{request}", kind=SpanKind.SERVER)
        root_id = format(root.get_span_context().span_id, "016x")
        if request % 3 == 0:
            # Pyroscope's convention: the span's own id.
            root.set_attribute("pyroscope.profile.id", root_id)
        root.set_attribute("http.request.method", "GET")
        root.set_attribute("http.route", "/orders/{id}")
        ctx = set_span_in_context(root)
        for query in range(3):
            child = db.start_span("SELECT orders", context=ctx, kind=SpanKind.CLIENT)
            child.set_attribute("db.system", "postgresql")
            child.set_attribute("db.statement", "SELECT *\tFROM orders\nWHERE id = $1 -- \\ backslash")
            if query == 1:
                child.set_attribute("profile.id", f"uploaded-{request:04d}")
            if query == 2 and request % 4 == 0:
                child.set_status(Status(StatusCode.ERROR, "timeout: canceling statement"))
                child.add_event("exception", {"exception.type": "QueryCanceled"})
            child.end()
        if request % 5 == 4:
            root.set_status(Status(StatusCode.ERROR, "upstream failed"))
        else:
            root.set_status(Status(StatusCode.OK))
        root.end()


def sdk_view(span):
    context = span.get_span_context()
    attributes = dict(span.attributes or {})
    profile_id = next((str(attributes[k]) for k in PROFILE_KEYS if attributes.get(k) not in (None, "")), None)
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "kind": span.kind.value + 1,  # SDK SpanKind.INTERNAL = 0; OTLP SPAN_KIND_INTERNAL = 1
        "start_unix_nano": span.start_time,
        "duration_ns": span.end_time - span.start_time,
        "status_code": span.status.status_code.value,
        "status_message": span.status.description or "",
        "service": span.resource.attributes.get("service.name", "unknown_service"),
        "profile_id": profile_id,
    }


def otlp_json(spans):
    request = json_format.MessageToDict(encode_spans(spans), use_integers_for_enums=True)

    def hexify(value):
        return base64.b64decode(value).hex()

    for resource_spans in request.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = hexify(span[key])
                for link in span.get("links", []):
                    for key in ("traceId", "spanId"):
                        if key in link:
                            link[key] = hexify(link[key])
    return request


def main():
    view_path, json_path = sys.argv[1], sys.argv[2]
    provider = TracerProvider(resource=Resource.create({"service.name": "e2e-shop", "service.version": "2.0"}))
    recorder = RecordingExporter(OTLPSpanExporter())
    provider.add_span_processor(BatchSpanProcessor(recorder, max_export_batch_size=16))
    make_spans(provider)
    provider.force_flush()
    provider.shutdown()
    exported = bool(recorder.results) and all(r == SpanExportResult.SUCCESS for r in recorder.results)
    with open(view_path, "w") as out:
        json.dump({"exported": exported, "batches": len(recorder.results),
                   "spans": [sdk_view(s) for s in recorder.spans]}, out, indent=1)
    with open(json_path, "w") as out:
        json.dump(otlp_json(recorder.spans), out)
    print(f"exported {len(recorder.spans)} spans in {len(recorder.results)} requests: {'ok' if exported else 'FAILED'}")
    sys.exit(0 if exported else 1)


if __name__ == "__main__":
    main()
