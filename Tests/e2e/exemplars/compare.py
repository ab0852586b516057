"""Compares query_exemplars answers.

usage: compare.py expected.json answer.json [job]     -> the answer holds exactly the fixture's exemplars
       compare.py --same a.json b.json                -> two answers hold the same exemplars
An exemplar is (trace_id, span_id, value, timestamp in ms).
"""
import json
import sys


def exemplars(answer, job=None):
    found = set()
    for series in answer["data"]:
        if job and series["seriesLabels"].get("job") != job:
            continue
        for e in series["exemplars"]:
            found.add((e["labels"].get("trace_id"), e["labels"].get("span_id"), float(e["value"]), round(float(e["timestamp"]) * 1000)))
    return found


if sys.argv[1] == "--same":
    a = exemplars(json.load(open(sys.argv[2])))
    b = exemplars(json.load(open(sys.argv[3])))
    if a != b or not a:
        print("  only in first:", sorted(a - b), "\n  only in second:", sorted(b - a))
        sys.exit(1)
    sys.exit(0)

expected = {(e["labels"].get("trace_id"), e["labels"].get("span_id"), float(e["value"]), e["timestamp_ms"])
            for e in json.load(open(sys.argv[1]))["exemplars"]}
got = exemplars(json.load(open(sys.argv[2])), sys.argv[3] if len(sys.argv) > 3 else None)
if got != expected:
    print("  missing:", sorted(expected - got), "\n  unexpected:", sorted(got - expected))
    sys.exit(1)
