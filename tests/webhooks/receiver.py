"""A webhook receiver on loopback for the integration tests. It checks every delivery with the
official Standard Webhooks library (PyPI `standardwebhooks`, pinned in requirements.txt).

Usage: python3 receiver.py DIR. Prints "PORT n" once listening on 127.0.0.1 (a free port). Each
POST is written to DIR as n.json: {"id", "timestamp", "verified", "error", "status", "body"}.
Files in DIR steer it while it runs:
  secret      the whsec_ secret to verify with (read on every request)
  fail-first  a number n: answer 500 to the first n requests (after recording them)
It answers 204 to a delivery that verifies, 400 to one that does not.
"""
import http.server
import json
import os
import sys
import threading

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

FOLDER = sys.argv[1]
LOCK = threading.Lock()
COUNT = [0]


def read(name):
    try:
        with open(os.path.join(FOLDER, name), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k: v for k, v in self.headers.items()}
        verified, error = False, None
        try:
            Webhook(read("secret") or "whsec_bm9uZQ==").verify(body, headers)
            verified = True
        except (WebhookVerificationError, ValueError) as e:
            error = str(e)
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            fail_first = int(read("fail-first") or "0")
        status = 500 if n <= fail_first else (204 if verified else 400)
        record = {
            "id": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "signature": headers.get("webhook-signature"),
            "verified": verified,
            "error": error,
            "status": status,
            "body": body.decode("utf-8", "replace"),
        }
        with open(os.path.join(FOLDER, f"{n:06d}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
