#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/otlp/ with the real OpenTelemetry Python SDK.

    python3 -m venv /tmp/otelvenv
    /tmp/otelvenv/bin/pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
    /tmp/otelvenv/bin/python Tests/CorrelatorTests/Traces/make_fixtures.py

Writes:
- spans.pb       ExportTraceServiceRequest as the SDK's OTLP/HTTP exporter sends it
                 (opentelemetry.exporter.otlp.proto.common.trace_encoder.encode_spans).
- spans.json     The same request in OTLP JSON: google.protobuf.json_format with integer
                 enums, then trace/span ids turned from base64 into hex as OTLP JSON requires.
- expected.json  What the SDK reported for each span (ids, names, times, kind, status, the
                 attributes), in the shape the Swift decoder documents for SpanBatch.

The ids are random, so every run produces new files; commit all three together.
"""

import base64
import json
import math
import os
import sys

from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, set_span_in_context

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Fixtures", "otlp"))
T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z in ns


def provider(resource):
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    return tp, exporter


# Resource 1: a service with a name; Resource.create adds the telemetry.sdk.* attributes.
checkout_tp, checkout_spans = provider(
    Resource.create({"service.name": "checkout", "service.version": "1.4.2", "deployment.environment": "test"})
)
# Resource 2: no service.name at all (plain Resource(), no defaults merged in).
anon_tp, anon_spans = provider(Resource({"host.name": "worker-7"}))

http = checkout_tp.get_tracer("correlator.fixtures.http", "0.1.0")
db = checkout_tp.get_tracer("correlator.fixtures.db")

root = http.start_span("GET /checkout", kind=SpanKind.SERVER, start_time=T0)
root_id = format(root.get_span_context().span_id, "016x")
root.set_attributes(
    {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "big.int": 2**62 + 7,
        "negative.int": -42,
        "cache.hit": True,
        "cache.cold": False,
        "ratio": 0.25,
        "infinite": math.inf,
        "text.escapes": 'quote " backslash \\ newline \n tab \t ctrl \x01 é 漢 🚀 </script>',
        "empty.string": "",
        "tags": ["a", "b", "c"],
        "mixed": ["x", 1, 2.5, True, None],
        "map": {"inner.key": "v", "depth": {"n": 3}, "list": [1, 2]},
        "blob": b"\x00\x01\xfe\xff binary",
        "nothing": None,
        # Pyroscope's convention: the span's own id, the span_id label on its profile samples.
        "pyroscope.profile.id": root_id,
    }
)

ctx_root = set_span_in_context(root)
charge = http.start_span("charge card", context=ctx_root, kind=SpanKind.CLIENT, start_time=T0 + 1_000_000)
charge.set_attribute("payment.provider", "acme")
charge.add_event("retry", attributes={"attempt": 2, "reason": "timeout"}, timestamp=T0 + 2_000_000)
charge.add_event("exception", attributes={"exception.type": "CardDeclined", "exception.message": "declined"}, timestamp=T0 + 3_000_000)
charge.set_status(Status(StatusCode.ERROR, "card declined"))

ctx_charge = set_span_in_context(charge)
query = db.start_span("SELECT orders", context=ctx_charge, kind=SpanKind.INTERNAL, start_time=T0 + 1_500_000)
query.set_attribute("db.system", "postgresql")
query.set_attribute("profile.id", b"\x0a\x1b\x2c\x3d\x4e\x5f\x60\x71\x82\x93\xa4\xb5\xc6\xd7\xe8\xf9")
query.end(end_time=T0 + 2_500_000)

charge.end(end_time=T0 + 4_000_000)

# A producer with a link to the charge span, and an OK status; ends in the same nanosecond it starts.
linked = http.start_span(
    "publish order",
    context=ctx_root,
    kind=SpanKind.PRODUCER,
    start_time=T0 + 5_000_000,
    links=[Link(charge.get_span_context(), attributes={"link.reason": "follows"})],
)
linked.set_status(Status(StatusCode.OK))
linked.set_attribute("profile_id", "uploaded-profile-0001")
linked.end(end_time=T0 + 5_000_000)

root.end(end_time=T0 + 9_876_543)

# A second trace from the anonymous resource: a consumer root span.
consumer = anon_tp.get_tracer("worker").start_span("consume order", kind=SpanKind.CONSUMER, start_time=T0 + 20_000_000)
consumer.end(end_time=T0 + 21_000_000)

spans = list(checkout_spans.get_finished_spans()) + list(anon_spans.get_finished_spans())
request = encode_spans(spans)

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "spans.pb"), "wb") as f:
    f.write(request.SerializeToString())

doc = json.loads(json_format.MessageToJson(request, use_integers_for_enums=True))


def b64_to_hex(value):
    return base64.b64decode(value).hex()


for rs in doc.get("resourceSpans", []):
    for ss in rs.get("scopeSpans", []):
        for span in ss.get("spans", []):
            for key in ("traceId", "spanId", "parentSpanId"):
                if key in span:
                    span[key] = b64_to_hex(span[key])
            for link in span.get("links", []):
                for key in ("traceId", "spanId"):
                    if key in link:
                        link[key] = b64_to_hex(link[key])

with open(os.path.join(OUT, "spans.json"), "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")


def expected_value(value):
    """An attribute value as the decoder renders it into the attributes JSON."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, tuple)):
        return [expected_value(v) for v in value]
    if isinstance(value, dict):
        return {k: expected_value(v) for k, v in value.items()}
    return value


def expected_map(attributes):
    return {k: expected_value(v) for k, v in (attributes or {}).items()}


def expected_span(span):
    ctx = span.get_span_context()
    scope = {}
    if span.instrumentation_scope.name:
        scope["otel.scope.name"] = span.instrumentation_scope.name
    if span.instrumentation_scope.version:
        scope["otel.scope.version"] = span.instrumentation_scope.version
    attributes = {"resource": expected_map(span.resource.attributes)}
    if scope:
        attributes["scope"] = scope
    attributes["span"] = expected_map(span.attributes)
    if span.events:
        attributes["events"] = [
            {"name": e.name, "time_unix_nano": e.timestamp, "attributes": expected_map(e.attributes)}
            for e in span.events
        ]
    if span.links:
        attributes["links"] = [
            {
                "trace_id": format(l.context.trace_id, "032x"),
                "span_id": format(l.context.span_id, "016x"),
                "attributes": expected_map(l.attributes),
            }
            for l in span.links
        ]
    profile = None
    for key in ("pyroscope.profile.id", "profile.id", "profile_id"):
        if key in (span.attributes or {}):
            v = span.attributes[key]
            profile = v.hex() if isinstance(v, bytes) else v
            break
    return {
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "service": span.resource.attributes.get("service.name", "unknown_service"),
        "name": span.name,
        "kind": span.kind.value + 1,  # Python's SpanKind starts at INTERNAL = 0; OTLP's at 1
        "start_unix_nano": span.start_time,
        "duration_nanos": span.end_time - span.start_time,
        "status_code": span.status.status_code.value,
        "status_message": span.status.description or "",
        "profile_id": profile,
        "attributes": attributes,
    }


# The encoder groups spans by resource then scope; list them in the order they appear on the wire.
order = {}
for rs in doc["resourceSpans"]:
    for ss in rs["scopeSpans"]:
        for s in ss["spans"]:
            order[s["spanId"]] = len(order)
expected = sorted((expected_span(s) for s in spans), key=lambda e: order[e["span_id"]])

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"sdk": "opentelemetry-sdk " + __import__("opentelemetry.sdk.version").sdk.version.__version__, "spans": expected}, f, indent=1, ensure_ascii=False)
    f.write("\n")

print(f"wrote {len(expected)} spans to {OUT}", file=sys.stderr)
