"""Serves an OpenMetrics file at /metrics, as an instrumented service would.

usage: serve_fixture.py PORT FILE
Answers with the OpenMetrics content type when the Accept header allows it (as
prometheus_client does), otherwise the file as text/plain.
"""
import http.server
import sys

PORT, PATH = int(sys.argv[1]), sys.argv[2]
BODY = open(PATH, "rb").read()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        accept = self.headers.get("Accept", "")
        self.send_response(200)
        if "application/openmetrics-text" in accept:
            self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
        else:
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
