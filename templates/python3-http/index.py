# HTTP server of the python3-http template (standard library only). The watchdog starts it once
# (mode http) with PORT set and forwards every call; handle(event, context) as in OpenFaaS's
# python3-http template.
import json
import os
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "function", ".python_packages"))
sys.path.insert(0, HERE)

from function import handler  # noqa: E402


class Event:
    def __init__(self, body, headers, method, query, path):
        self.body = body
        self.headers = headers
        self.method = method
        self.query = query
        self.path = path


class Context:
    def __init__(self):
        self.hostname = socket.gethostname()


def format_body(body):
    if body is None:
        return b"", None
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode(), "application/json"
    if isinstance(body, bytes):
        return body, None
    return str(body).encode(), None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(url.query).items()}
        event = Event(raw, dict(self.headers), self.command, query, url.path)
        try:
            res = handler.handle(event, Context())
        except Exception as err:  # the function's own error: 500 with the reason
            print(f"handler error: {err}", file=sys.stderr, flush=True)
            res = {"statusCode": 500, "body": str(err)}
        status, headers, body = 200, {}, None
        if isinstance(res, dict) and ("statusCode" in res or "body" in res or "headers" in res):
            status = int(res.get("statusCode") or 200)
            headers = dict(res.get("headers") or {})
            body = res.get("body")
        elif res is not None:
            body = res
        data, content_type = format_body(body)
        self.send_response(status)
        if content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve


if __name__ == "__main__":
    port = int(os.environ.get("PORT") or os.environ.get("http_port") or 5000)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
