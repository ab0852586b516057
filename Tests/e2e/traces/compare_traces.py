#!/usr/bin/env python3
"""Checks that Correlator stored every span the SDK reported, as the SDK reported it.

    python3 compare_traces.py CORRELATOR_URL SDK_VIEW.json TENANT [SAVE_DIR]

For each trace in SDK_VIEW.json, GETs /api/v1/traces/{id} as TENANT and compares span ids, names,
parents, kinds, times, statuses, services and profile ids. With SAVE_DIR, writes each trace
document there (to compare two tenants byte for byte). Prints the differences; exit 1 on any.
"""

import collections
import json
import os
import sys
import urllib.request

FIELDS = ["trace_id", "span_id", "parent_span_id", "name", "kind", "start_unix_nano", "duration_ns",
          "status_code", "status_message", "service", "profile_id"]


def main():
    url, view_path, tenant = sys.argv[1], sys.argv[2], sys.argv[3]
    save_dir = sys.argv[4] if len(sys.argv) > 4 else None
    view = json.load(open(view_path))
    by_trace = collections.defaultdict(dict)
    for span in view["spans"]:
        by_trace[span["trace_id"]][span["span_id"]] = span
    problems = []
    stored_total = 0
    for trace_id, expected in sorted(by_trace.items()):
        request = urllib.request.Request(f"{url}/api/v1/traces/{trace_id}", headers={"X-Scope-OrgID": tenant})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            problems.append(f"trace {trace_id}: HTTP {error.code} {error.read()[:200]!r}")
            continue
        if save_dir:
            with open(os.path.join(save_dir, trace_id + ".json"), "wb") as out:
                out.write(body)
        document = json.loads(body)
        spans = document["spans"]
        stored_total += len(spans)
        starts = [s["start_unix_nano"] for s in spans]
        if starts != sorted(starts):
            problems.append(f"trace {trace_id}: spans not ordered by start")
        stored = {s["span_id"]: s for s in spans}
        if len(stored) != len(spans):
            problems.append(f"trace {trace_id}: duplicate span ids in the answer")
        for span_id in sorted(set(expected) - set(stored)):
            problems.append(f"trace {trace_id}: span {span_id} ({expected[span_id]['name']}) missing")
        for span_id in sorted(set(stored) - set(expected)):
            problems.append(f"trace {trace_id}: unexpected span {span_id}")
        for span_id in sorted(set(stored) & set(expected)):
            for field in FIELDS:
                if stored[span_id].get(field) != expected[span_id][field]:
                    problems.append(f"trace {trace_id} span {span_id} {field}: stored "
                                    f"{stored[span_id].get(field)!r}, SDK {expected[span_id][field]!r}")
            if not isinstance(stored[span_id].get("attributes"), dict):
                problems.append(f"span {span_id}: attributes is not an object")
    for problem in problems[:30]:
        print("   ", problem)
    print(f"    {len(by_trace)} traces, {len(view['spans'])} SDK spans, {stored_total} stored, "
          f"{sum(1 for s in view['spans'] if s['profile_id'])} with profile ids, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
