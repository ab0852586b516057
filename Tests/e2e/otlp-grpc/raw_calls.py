#!/usr/bin/env python3
"""A raw gRPC client (grpcio, with the stubs opentelemetry-proto ships) calling Correlator's
OTLP/gRPC port the way misbehaving or unauthorised senders do. Each case prints what it got and
exits 0 when the answer is the one OTLP expects.

    python3 raw_calls.py CASE GRPC_ADDR HTTP_URL [TOKEN] [SIZE]

CASE:
  valid        an ExportTraceServiceRequest (gzip) is acknowledged, then its span is read back over HTTP
  partial      one good span and one with an all-zero trace id: partial_success.rejected_spans == 1
  malformed    bytes that are not an ExportTraceServiceRequest: INVALID_ARGUMENT saying where
  oversized    a request over SIZE bytes (max_body_bytes): RESOURCE_EXHAUSTED naming the limit
  unauthenticated  no token while auth is on: UNAUTHENTICATED
  forbidden    a token without the ingest scope: PERMISSION_DENIED
  unknown      LogsService/Export and TraceService/Nope, which Correlator does not serve: UNIMPLEMENTED
  unavailable  while PostgreSQL is away: UNAVAILABLE (retryable) with a google.rpc.RetryInfo
"""

import json
import os
import sys
import time
import urllib.request

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def request(spans, service="raw-grpc"):
    resource = resource_pb2.Resource(attributes=[common_pb2.KeyValue(key="service.name", value=common_pb2.AnyValue(string_value=service))])
    return trace_service_pb2.ExportTraceServiceRequest(resource_spans=[trace_pb2.ResourceSpans(
        resource=resource, scope_spans=[trace_pb2.ScopeSpans(spans=spans)])])


def span(trace_id, name="raw call", attributes=()):
    now = time.time_ns()
    return trace_pb2.Span(trace_id=trace_id, span_id=os.urandom(8), name=name, kind=trace_pb2.Span.SPAN_KIND_SERVER,
                          start_time_unix_nano=now - 1_000_000, end_time_unix_nano=now, attributes=list(attributes))


def metadata(token):
    return [("authorization", f"Bearer {token}")] if token else []


def expect(code, call):
    try:
        response = call()
    except grpc.RpcError as error:
        print(f"    {error.code().name}: {error.details()}")
        return error.code() == code, error.details()
    print(f"    OK: {response!r}")
    return False, ""


def main():
    case, address, url = sys.argv[1], sys.argv[2], sys.argv[3]
    token = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    channel = grpc.insecure_channel(address)
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    raw = lambda method: channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    ok = False
    if case == "valid":
        trace_id = os.urandom(16)
        response = stub.Export(request([span(trace_id)]), metadata=metadata(token), compression=grpc.Compression.Gzip, timeout=10)
        print(f"    acknowledged: partial_success={response.HasField('partial_success')}")
        http = urllib.request.Request(f"{url}/api/v1/traces/{trace_id.hex()}", headers=dict((k.title(), v) for k, v in metadata(token)))
        stored = json.load(urllib.request.urlopen(http))["spans"]
        print(f"    stored: {[s['name'] for s in stored]}")
        ok = [s["name"] for s in stored] == ["raw call"] and not response.HasField("partial_success")
    elif case == "partial":
        trace_id = os.urandom(16)
        response = stub.Export(request([span(trace_id, "good"), span(bytes(16), "zero trace id")]), metadata=metadata(token), timeout=10)
        print(f"    partial_success: {response.partial_success.rejected_spans} rejected: {response.partial_success.error_message}")
        ok = response.partial_success.rejected_spans == 1 and "all zeros" in response.partial_success.error_message
    elif case == "malformed":
        ok, details = expect(grpc.StatusCode.INVALID_ARGUMENT, lambda: raw(TRACE_EXPORT)(b"\x0a\x7fnot a message", metadata=metadata(token), timeout=10))
        ok = ok and "byte" in details
    elif case == "oversized":
        size = int(sys.argv[5])
        big = common_pb2.KeyValue(key="payload", value=common_pb2.AnyValue(string_value="x" * (size + 1024)))
        message = request([span(os.urandom(16), attributes=[big])])
        ok, details = expect(grpc.StatusCode.RESOURCE_EXHAUSTED, lambda: stub.Export(message, metadata=metadata(token), timeout=10))
        ok = ok and "max_body_bytes" in details
    elif case == "unauthenticated":
        ok, _ = expect(grpc.StatusCode.UNAUTHENTICATED, lambda: stub.Export(request([span(os.urandom(16))]), timeout=10))
    elif case == "forbidden":
        ok, _ = expect(grpc.StatusCode.PERMISSION_DENIED, lambda: stub.Export(request([span(os.urandom(16))]), metadata=metadata(token), timeout=10))
    elif case == "unknown":
        logs, _ = expect(grpc.StatusCode.UNIMPLEMENTED, lambda: raw("/opentelemetry.proto.collector.logs.v1.LogsService/Export")(b"", timeout=10))
        nope, _ = expect(grpc.StatusCode.UNIMPLEMENTED, lambda: raw("/opentelemetry.proto.collector.trace.v1.TraceService/Nope")(b"", timeout=10))
        ok = logs and nope
    elif case == "unavailable":
        try:
            stub.Export(request([span(os.urandom(16))]), metadata=metadata(token), timeout=30)
            print("    OK: acknowledged")
        except grpc.RpcError as error:
            details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
            print(f"    {error.code().name}: {error.details()} (RetryInfo: {b'google.rpc.RetryInfo' in details})")
            ok = error.code() == grpc.StatusCode.UNAVAILABLE and b"google.rpc.RetryInfo" in details
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
