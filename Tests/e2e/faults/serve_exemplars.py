#!/usr/bin/env python3
"""A scrape target whose histogram gets a new exemplar (a new trace id) on every scrape.

    python3 serve_exemplars.py PORT
"""

import http.server
import sys
import threading

lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        with lock:
            count += 1
            n = count
        trace = format(0xC4A05 << 100 | n, "032x")
        body = (
            "# TYPE chaos_request_seconds histogram\n"
            f'chaos_request_seconds_bucket{{le="0.1"}} {n} # {{trace_id="{trace}"}} 0.05\n'
            f'chaos_request_seconds_bucket{{le="+Inf"}} {n}\n'
            f"chaos_request_seconds_sum {n * 0.05}\n"
            f"chaos_request_seconds_count {n}\n"
            "# EOF\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
