"""Every Twilio webhook must carry a valid X-Twilio-Signature, or it is refused with 403.

Twilio signs the public URL it called; behind a proxy that is PUBLIC_BASE_URL + path, not
what Flask sees. Nothing is read from the request before the signature checks out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict


def signed_url() -> str:
    query = request.query_string.decode()
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def twilio_signed(view: Callable) -> Callable:
    @wraps(view)
    def checked(*args, **kwargs):
        signature = request.headers.get("X-Twilio-Signature", "")
        validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
        if not signature or not validator.validate(signed_url(), request.form, signature):
            abort(403)
        _drop_nul_bytes()
        return view(*args, **kwargs)

    return checked


def _drop_nul_bytes() -> None:
    """Twilio never sends NUL; a signed value with one must not reach the database
    (PostgreSQL refuses NUL in text: that would be a 500, not an answer)."""
    items = list(request.form.items(multi=True))
    if any("\x00" in value for _, value in items):
        cleaned = [(key, value.replace("\x00", "")) for key, value in items]
        request.__dict__["form"] = ImmutableMultiDict(cleaned)
