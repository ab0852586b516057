#!/usr/bin/env python3
"""Checks what app.py recorded against query_exemplars: every request's exemplar is on
checkout_request_duration_seconds_bucket with its trace id, span id, value, le, route, job and
instance; and the counter's exemplars are on checkout_requests_total.

    python3 check_exemplars.py URL RECORDED.json histogram|counter
"""

import json
import sys
import urllib.parse
import urllib.request


def exemplars(url, query):
    q = urllib.parse.urlencode({"query": query, "start": 0, "end": 4000000000})
    return json.load(urllib.request.urlopen(f"{url}/api/v1/query_exemplars?{q}"))["data"]


def main():
    url, recorded, which = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
    if which == "counter":
        data = exemplars(url, 'checkout_requests_total{job="shop/py-metrics"}')
        traces = {e["labels"]["trace_id"] for s in data for e in s["exemplars"]}
        print(f"    {len(traces)} traces in the counter's exemplars")
        sys.exit(not traces or not traces <= {r["trace_id"] for r in recorded})
    found = {}
    for series in exemplars(url, "checkout_request_duration_seconds_bucket"):
        labels = series["seriesLabels"]
        for e in series["exemplars"]:
            found[e["labels"]["trace_id"]] = (e["labels"].get("span_id"), float(e["value"]), labels["le"], labels.get("http_route"),
                                              labels.get("job"), labels.get("instance"))
    problems = []
    for r in recorded:
        want = (r["span_id"], r["value"], r["le"], r["route"], "shop/py-metrics", "i-1")
        if found.get(r["trace_id"]) != want:
            problems.append(f"{r['trace_id']}: stored {found.get(r['trace_id'])}, want {want}")
    print(f"    {len(recorded)} recorded, {len(found)} exemplars found, {len(problems)} problems")
    for p in problems:
        print("    " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
