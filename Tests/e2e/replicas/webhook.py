#!/usr/bin/env python3
"""A webhook receiver that appends every alert it is sent, one JSON line each, to OUT.

    python3 webhook.py PORT OUT.jsonl
"""

import http.server
import json
import sys

out = open(sys.argv[2], "a")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        envelope = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        for alert in envelope.get("alerts", []):
            out.write(json.dumps({"status": alert["status"], "labels": alert["labels"]}) + "\n")
        out.flush()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
