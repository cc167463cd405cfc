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
        if any("\x00" in value for value in request.form.values()):
            # PostgreSQL text cannot hold NUL: Twilio never sends one, a forged or fuzzed
            # (but signed) request might, and that must not become a 500.
            request.form = ImmutableMultiDict(
                [(k, v.replace("\x00", "")) for k, v in request.form.items(multi=True)]
            )
        return view(*args, **kwargs)

    return checked
