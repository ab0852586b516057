#!/usr/bin/env python3
"""Writes one large OTLP/HTTP protobuf export (ExportTraceServiceRequest) and the hex span ids
it holds, so a test can send the same bytes again after a failure, as an exporter retries.

    python3 make_bulk_spans.py BODY.pb SPAN_IDS.txt COUNT TAG

Every span has its own trace id; the service is `chaos-bulk` and the spans carry the
attribute `bulk.tag = TAG`, so each batch can be counted on its own.
"""

import sys
import time
import zlib

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span


def main():
    body_path, ids_path, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    start = time.time_ns()
    spans = []
    ids = []
    prefix = zlib.crc32(tag.encode()) << 20
    for n in range(count):
        span_id = (1 << 62 | prefix | n).to_bytes(8, "big")
        spans.append(Span(
            trace_id=(0xB01C << 112 | prefix << 20 | n).to_bytes(16, "big"),
            span_id=span_id,
            name=f"bulk {n % 50}",
            kind=Span.SPAN_KIND_SERVER,
            start_time_unix_nano=start + n * 1000,
            end_time_unix_nano=start + n * 1000 + 250_000,
            attributes=[
                KeyValue(key="bulk.tag", value=AnyValue(string_value=tag)),
                KeyValue(key="http.route", value=AnyValue(string_value=f"/bulk/{n % 50}")),
            ],
        ))
        ids.append(span_id.hex())
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource=Resource(attributes=[KeyValue(key="service.name", value=AnyValue(string_value="chaos-bulk"))]),
        scope_spans=[ScopeSpans(spans=spans)],
    )])
    with open(body_path, "wb") as out:
        out.write(request.SerializeToString())
    with open(ids_path, "w") as out:
        out.write("\n".join(ids) + "\n")


if __name__ == "__main__":
    main()
