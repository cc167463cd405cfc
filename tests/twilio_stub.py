"""A local stand-in for Twilio's REST API: the only fake in the suite (the true edge).

The real `twilio` client talks HTTP to it (TWILIO_API_BASE_URL). It records every request
and answers like Twilio does (201 + JSON resource). Tests can make the next requests fail.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class StubRequest:
    method: str
    path: str
    form: dict[str, list[str]]
    sid: str

    def value(self, key: str) -> str | None:
        values = self.form.get(key)
        return values[0] if values else None


@dataclass
class TwilioStub:
    host: str = "127.0.0.1"
    requests: list[StubRequest] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses to answer, in order
    # Recordings Twilio holds: RecordingSid -> audio bytes (GET .mp3/.wav, DELETE .json).
    recordings: dict[str, bytes] = field(default_factory=dict)

    def start(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                if stub.fail_next:
                    status = stub.fail_next.pop(0)
                    self._json(status, {"code": 20500, "message": "stub failure", "status": status})
                    return
                kind = "SM" if self.path.endswith("/Messages.json") else "CA"
                sid = kind + uuid.uuid4().hex
                stub.requests.append(StubRequest("POST", self.path, form, sid))
                resource = {
                    "sid": sid,
                    "account_sid": self.path.split("/")[3] if self.path.count("/") > 3 else "",
                    "status": "queued",
                    "to": (form.get("To") or [""])[0],
                    "from": (form.get("From") or [""])[0],
                    "body": (form.get("Body") or [""])[0],
                    "uri": self.path.replace(".json", f"/{sid}.json"),
                }
                self._json(201, resource)

            def _recording_sid(self) -> str | None:
                parts = self.path.split("?")[0].split("/")
                if len(parts) >= 2 and parts[-2] == "Recordings":
                    return parts[-1].split(".")[0]
                return None

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                sid = self._recording_sid()
                stub.requests.append(StubRequest("GET", self.path, {}, sid or ""))
                if stub.fail_next:
                    status = stub.fail_next.pop(0)
                    self._json(status, {"code": 20500, "message": "stub failure", "status": status})
                    return
                audio = stub.recordings.get(sid or "")
                if audio is None:
                    self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)

            def do_DELETE(self) -> None:  # noqa: N802 - http.server API
                sid = self._recording_sid()
                stub.requests.append(StubRequest("DELETE", self.path, {}, sid or ""))
                if stub.fail_next:
                    status = stub.fail_next.pop(0)
                    self._json(status, {"code": 20500, "message": "stub failure", "status": status})
                    return
                if sid is None or stub.recordings.pop(sid, None) is None:
                    self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def messages(self) -> list[StubRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def calls(self) -> list[StubRequest]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def deleted_recordings(self) -> list[str]:
        return [r.sid for r in self.requests if r.method == "DELETE"]
