#!/usr/bin/env python3
"""A real HTTP receiver for the notification tests, on loopback only.

Records every POST as a JSON line in --log and answers each path with a scripted sequence
of statuses, then 200. GET /metrics serves `e2e_value{instance="a"} V` so Sextant can
scrape the value a test sets. POST /_control takes {"value": V} and/or
{"script": {"/hook": ["500", "429:2", "200"]}} ("status[:retry-after seconds]").
Prints its port on stdout once listening.
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--log", required=True)
parser.add_argument("--script", action="append", default=[], help="PATH=STATUS[:RETRY_AFTER],...")
args = parser.parse_args()

lock = threading.Lock()
scripts = {}
state = {"value": 0.0}
for entry in args.script:
    path, sequence = entry.split("=", 1)
    scripts[path] = [step for step in sequence.split(",") if step]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/metrics":
            with lock:
                value = state["value"]
            self.reply(200, f'# TYPE e2e_value gauge\ne2e_value{{instance="a"}} {value}\n'.encode(),
                       [("Content-Type", "text/plain; version=0.0.4")])
        else:
            self.reply(404, b"not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/_control":
            command = json.loads(body or b"{}")
            with lock:
                if "value" in command:
                    state["value"] = float(command["value"])
                for path, sequence in command.get("script", {}).items():
                    scripts[path] = list(sequence)
            self.reply(200)
            return
        with lock:
            sequence = scripts.get(self.path, [])
            step = sequence.pop(0) if sequence else "200"
            status, _, retry_after = step.partition(":")
            with open(args.log, "a") as log:
                log.write(json.dumps({"path": self.path, "status": int(status), "at": time.time(),
                                      "headers": dict(self.headers), "body": body.decode("utf-8", "replace")}) + "\n")
        self.reply(int(status), b"scripted " + status.encode(), [("Retry-After", retry_after)] if retry_after else ())

    def log_message(self, *arguments):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
