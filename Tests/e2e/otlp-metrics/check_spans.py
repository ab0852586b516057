#!/usr/bin/env python3
"""Checks that every span app.py ended is stored: /api/v1/traces/{trace_id} of each of its
traces lists each of its span ids (the batch processor's last export may land a moment later).

    python3 check_spans.py URL SPANS.json
"""

import json
import sys
import time
import urllib.request


def stored(url, trace_id):
    try:
        return {s["span_id"] for s in json.load(urllib.request.urlopen(f"{url}/api/v1/traces/{trace_id}"))["spans"]}
    except Exception:
        return set()


def main():
    url, spans = sys.argv[1], json.load(open(sys.argv[2]))
    want = {}
    for span in spans:
        want.setdefault(span["trace_id"], set()).add(span["span_id"])
    missing = {}
    for _ in range(20):
        missing = {t: ids - stored(url, t) for t, ids in want.items()}
        missing = {t: ids for t, ids in missing.items() if ids}
        if not missing:
            break
        time.sleep(0.5)
    count = sum(len(ids) for ids in missing.values())
    print(f"    {len(spans)} spans in {len(want)} traces ended, {len(spans) - count} stored, {count} missing")
    for t, ids in missing.items():
        print(f"    trace {t}: missing {sorted(ids)}")
    sys.exit(1 if missing or not spans else 0)


if __name__ == "__main__":
    main()
