"""Twilio webhook latency: signed SMS and voice requests through the whole Flask stack
(signature check, domain, commit, TwiML). SQLite in a temp dir unless DATABASE_URL is set.

    .venv/bin/python bench/webhooks.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import CallbackRequest, Message

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from bench._common import bench_app, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    token = "bench-token"
    app, backend = bench_app("webhooks", TWILIO_AUTH_TOKEN=token)
    validator = RequestValidator(token)
    client = app.test_client()
    base = app.config["PUBLIC_BASE_URL"]

    def post(path: str, params: dict) -> float:
        signature = validator.compute_signature(base + path, params)
        started = time.perf_counter()
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 204), response.status_code
        return elapsed

    for n in range(50):  # warm up
        post("/twilio/sms", {"From": f"+4670{n:07d}", "Body": "hej", "MessageSid": f"SMw{n}"})
    sms, voice, menu, window = [], [], [], []
    for n in range(args.requests):
        phone = f"+46702{n % 300:06d}"
        sms.append(
            post(
                "/twilio/sms",
                {
                    "From": phone,
                    "To": "+46850000000",
                    "Body": f"My internet is down again ({n})",
                    "MessageSid": f"SM{n:032d}",
                },
            )
        )
        if n % 4 == 0:
            voice.append(post("/twilio/voice", {"From": phone, "CallSid": f"CA{n:032d}"}))
            menu.append(
                post("/twilio/voice/menu", {"From": phone, "Digits": "1", "CallSid": f"CA{n:032d}"})
            )
            window.append(
                post(
                    "/twilio/voice/window?lang=sv",
                    {"From": phone, "Digits": "1", "CallSid": f"CA{n:032d}"},
                )
            )
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Message))
        callbacks = db.session.scalar(select(func.count()).select_from(CallbackRequest))
    assert stored >= args.requests, f"only {stored} messages stored"
    print(f"database              {backend} ({stored} messages, {callbacks} callbacks stored)")
    for label, values in (
        ("SMS (intake+TwiML)", sms),
        ("voice menu (knows caller)", voice),
        ("press 1 (windows)", menu),
        ("pick window (callback)", window),
    ):
        print(
            f"{label:26}{len(values):5} requests  p50 {percentile(values, 0.5):5.1f} ms  "
            f"p99 {percentile(values, 0.99):5.1f} ms"
        )


if __name__ == "__main__":
    main()
