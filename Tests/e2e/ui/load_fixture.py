#!/usr/bin/env python3
"""Loads Tests/Fixtures/pprof-go119 into a running Correlator through its ingest APIs, as the
real producers would send it: the spans as an OTLP/HTTP JSON export (POST /v1/traces), the
exemplars as the OpenMetrics exposition (POST /api/v1/exemplars), the CPU profile as pprof
(POST /api/v1/profiles).

    load_fixture.py CORRELATOR_URL FIXTURES_DIR
"""

import json
import os
import sys
import urllib.request


def post(url, body, content_type):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status >= 300:
            raise SystemExit(f"{url}: HTTP {response.status}")
        return response.read()


def main():
    base, fixtures = sys.argv[1].rstrip("/"), sys.argv[2]
    spans = json.load(open(os.path.join(fixtures, "spans.json")))
    by_service = {}
    for span in spans:
        by_service.setdefault(span["service"], []).append({
            "traceId": span["trace_id"], "spanId": span["span_id"], "name": span["name"], "kind": 2,
            "startTimeUnixNano": str(span["start_unix_nano"]), "endTimeUnixNano": str(span["end_unix_nano"]),
            "status": {},
        })
    for service, items in by_service.items():
        for start in range(0, len(items), 200):
            export = {"resourceSpans": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                "scopeSpans": [{"scope": {"name": "gen-go"}, "spans": items[start:start + 200]}],
            }]}
            answer = json.loads(post(f"{base}/v1/traces", json.dumps(export).encode(), "application/json") or b"{}")
            if answer.get("partialSuccess", {}).get("rejectedSpans"):
                raise SystemExit(f"spans rejected: {answer}")
    post(f"{base}/api/v1/exemplars", open(os.path.join(fixtures, "metrics.om.txt"), "rb").read(),
         "application/openmetrics-text; version=1.0.0; charset=utf-8")
    post(f"{base}/api/v1/profiles?service=checkout-api&type=cpu&profile_id=cpu-fixture",
         open(os.path.join(fixtures, "cpu.pb.gz"), "rb").read(), "application/octet-stream")
    print(f"loaded {len(spans)} spans, the exemplars and the CPU profile")


if __name__ == "__main__":
    main()
