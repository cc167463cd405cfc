"""A local stand-in for Twilio's REST API, for `make run` (development only).

Without it the worker sent SMS and calls to the real Twilio API with dummy credentials and
logged a traceback for each. The stand-in answers like Twilio (201 + JSON resource) and
appends every SMS and call to a JSON-lines file that the development phone page shows.

    python -m app.devtools.twilio_standin --port 5099   # logs to $TWILIO_STANDIN_LOG
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

_write_lock = threading.Lock()


def read_log(path: str | Path, limit: int = 200) -> list[dict]:
    """The newest `limit` entries, newest first."""
    file = Path(path)
    if not file.exists():
        return []
    lines = file.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]


def make_server(host: str, port: int, log_path: str | Path) -> ThreadingHTTPServer:
    log_file = Path(log_path)
    log_file.parent.mkdir(parents=True, exist_ok=True)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # one line per request is noise here
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            kind = "sms" if self.path.endswith("/Messages.json") else "call"
            sid = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
            entry = {
                "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "kind": kind,
                "sid": sid,
                "to": form.get("To", ""),
                "from": form.get("From", ""),
                "body": form.get("Body", ""),
                "url": form.get("Url", ""),
                "twiml": form.get("Twiml", ""),
            }
            with _write_lock, log_file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            body = json.dumps({**entry, "status": "queued", "account_sid": ""}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument(
        "--log", default=os.environ.get("TWILIO_STANDIN_LOG") or "instance/phone-standin.jsonl"
    )
    args = parser.parse_args()
    server = make_server(args.host, args.port, args.log)
    print(f"Twilio stand-in on http://{args.host}:{args.port}, logging to {args.log}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
