#!/usr/bin/env python3
"""Sends spans steadily with the OpenTelemetry Python SDK until STOP_FILE exists, and records
which spans the OTLP/HTTP exporter (or with --grpc HOST:PORT the OTLP/gRPC one, gzip, as
service chaos-sender-grpc) reported as exported (the server acknowledged them).

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT python3 send_spans.py STOP_FILE ACKED.txt SUMMARY.json [--grpc HOST:PORT]

ACKED.txt: one span id (16 hex digits) per line, of every span in a batch that succeeded.
SUMMARY.json: {"batches_ok", "batches_failed", "spans_acked", "spans_failed", "last_ok"}.
"""

import json
import os
import sys
import threading
import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult


class RecordingExporter(SpanExporter):
    def __init__(self, inner, acked_path):
        self.inner = inner
        self.acked = open(acked_path, "w")
        self.lock = threading.Lock()
        self.summary = {"batches_ok": 0, "batches_failed": 0, "spans_acked": 0, "spans_failed": 0, "last_ok": False}

    def export(self, spans):
        result = self.inner.export(spans)
        with self.lock:
            ok = result == SpanExportResult.SUCCESS
            self.summary["last_ok"] = ok
            if ok:
                self.summary["batches_ok"] += 1
                self.summary["spans_acked"] += len(spans)
                for span in spans:
                    self.acked.write(format(span.get_span_context().span_id, "016x") + "\n")
                self.acked.flush()
            else:
                self.summary["batches_failed"] += 1
                self.summary["spans_failed"] += len(spans)
        return result

    def shutdown(self):
        self.inner.shutdown()
        self.acked.close()

    def force_flush(self, timeout_millis=30000):
        return True


def main():
    stop_file, acked_path, summary_path = sys.argv[1:4]
    if len(sys.argv) > 5 and sys.argv[4] == "--grpc":
        from grpc import Compression
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        service, exporter = "chaos-sender-grpc", OTLPSpanExporter(endpoint=sys.argv[5], insecure=True, compression=Compression.Gzip)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        service, exporter = "chaos-sender", OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    recorder = RecordingExporter(exporter, acked_path)
    provider.add_span_processor(BatchSpanProcessor(recorder, max_export_batch_size=50, schedule_delay_millis=200, max_queue_size=100000))
    tracer = provider.get_tracer("chaos")
    n = 0
    while not os.path.exists(stop_file):
        with tracer.start_as_current_span(f"request {n}") as root:
            root.set_attribute("chaos.n", n)
            with tracer.start_as_current_span("child"):
                pass
        n += 1
        time.sleep(0.02)
    provider.force_flush(120000)
    provider.shutdown()
    recorder.summary["spans_created"] = 2 * n
    with open(summary_path, "w") as out:
        json.dump(recorder.summary, out)
    print(json.dumps(recorder.summary))


if __name__ == "__main__":
    main()
