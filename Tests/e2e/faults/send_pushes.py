#!/usr/bin/env python3
"""Pushes profiles to Pyroscope's Connect push API (application/json) until STOP_FILE exists,
as an agent does: each push carries one new sample id, is retried (the same bytes) until it is
acknowledged or five tries failed, and the ids acknowledged are recorded.

    python3 send_pushes.py URL PPROF STOP_FILE ACKED.txt SUMMARY.json
"""

import base64
import json
import os
import sys
import time
import urllib.request
import uuid


def main():
    url, pprof, stop_file, acked_path, summary_path = sys.argv[1:6]
    raw = base64.b64encode(open(pprof, "rb").read()).decode()
    summary = {"sent": 0, "acked": 0, "given_up": 0, "retries": 0}
    with open(acked_path, "w") as acked:
        while not os.path.exists(stop_file):
            sample_id = str(uuid.uuid4())
            body = json.dumps({"series": [{
                "labels": [{"name": "__name__", "value": "process_cpu"}, {"name": "service_name", "value": "chaos-push"}],
                "samples": [{"rawProfile": raw, "ID": sample_id}],
            }]}).encode()
            summary["sent"] += 1
            for attempt in range(5):
                if attempt:
                    summary["retries"] += 1
                    time.sleep(2)
                try:
                    request = urllib.request.Request(url + "/push.v1.PusherService/Push", data=body,
                                                     headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=15) as response:
                        if response.status == 200:
                            acked.write(sample_id + "\n")
                            acked.flush()
                            summary["acked"] += 1
                            break
                except Exception:
                    pass
            else:
                summary["given_up"] += 1
            time.sleep(0.5)
    with open(summary_path, "w") as out:
        json.dump(summary, out)


if __name__ == "__main__":
    main()
