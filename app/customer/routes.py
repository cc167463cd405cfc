"""GET/POST /callback and the confirmation page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from app.customer import bp
from app.customer.forms import CallbackForm
from app.domain import callbacks, hours, ratelimit
from app.extensions import db
from app.models.base import utcnow

MY_REQUESTS = "callback_requests"  # references this browser created (shown on a repeat)


def _locale() -> str:
    return str(get_locale() or "en")


def _error_items(form: CallbackForm) -> list[tuple[str | None, str]]:
    items: list[tuple[str | None, str]] = [(None, m) for m in form.form_errors]
    for name in ("name", "phone", "when", "topic"):
        target = "when-0" if name == "when" else name
        items += [(target, message) for message in getattr(form, name).errors]
    return items


def _form_page(form: CallbackForm, status: int):
    return render_template(
        "customer/callback.html", form=form, error_items=_error_items(form)
    ), status


def _rate_limited(config) -> bool:
    """Per client address (behind TRUSTED_PROXY_COUNT proxies): a script sends many a minute,
    people at one shared address (a library, a care home) send a few an hour."""
    address = request.remote_addr or "unknown"
    burst = f"callback-ip-minute:{address}"
    hourly = f"callback-ip:{address}"
    if not ratelimit.allowed(burst, config["CALLBACK_LIMIT_PER_IP_PER_MINUTE"], 60):
        return True
    if not ratelimit.allowed(hourly, config["CALLBACK_LIMIT_PER_IP_PER_HOUR"], 3600):
        return True
    ratelimit.hit(burst)
    ratelimit.hit(hourly)
    return False


@bp.route("/callback", methods=["GET", "POST"])
def callback():
    if request.args.get("lang") in ("en", "sv"):
        session["lang"] = request.args["lang"]
    locale = _locale()
    form = CallbackForm(locale=locale)
    if not form.validate_on_submit():
        return _form_page(form, 400 if request.method == "POST" else 200)
    config = current_app.config
    phone = form.phone_e164
    if _rate_limited(config):
        db.session.commit()
        return render_template("customer/callback_busy.html"), 429, {"Retry-After": "60"}
    db.session.commit()  # the hit counts even if what follows fails
    pending = callbacks.pending_for_phone(phone)
    if pending is not None:
        # Good news, not an error: we already have it. The reference only to its own browser.
        mine = pending.ticket.reference in session.get(MY_REQUESTS, [])
        return render_template(
            "customer/callback_repeat.html",
            reference=pending.ticket.reference if mine else None,
            when=callbacks.describe_callback(pending, locale),
        )
    phone_key = f"callback-phone:{phone}"
    if not ratelimit.consume(phone_key, config["CALLBACK_LIMIT_PER_PHONE_PER_HOUR"], 3600):
        db.session.commit()
        return render_template("customer/callback_busy.html"), 429, {"Retry-After": "3600"}
    callback_request = callbacks.request_from_public_form(
        phone=phone,
        name=form.name.data.strip(),
        window=form.when.data,
        topic=(form.topic.data or "").strip() or None,
        language=locale,
    )
    db.session.commit()
    reference = callback_request.ticket.reference
    session[MY_REQUESTS] = [*session.get(MY_REQUESTS, [])[-9:], reference]
    session["callback_done"] = {"reference": reference, "callback_id": callback_request.id}
    return redirect(url_for("customer.callback_done"))


@bp.get("/callback/done")
def callback_done():
    done = session.get("callback_done")
    callback_request = (
        db.session.get(callbacks.CallbackRequest, done.get("callback_id")) if done else None
    )
    if callback_request is None:
        return redirect(url_for("customer.callback"))
    locale = _locale()
    return render_template(
        "customer/callback_done.html",
        reference=done["reference"],
        when=callbacks.describe_callback(callback_request, locale),
        open_now=hours.is_open(utcnow()),
    )
