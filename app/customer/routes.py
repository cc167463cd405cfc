"""GET/POST /callback and the confirmation page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.customer import bp
from app.customer.forms import CallbackForm
from app.domain import callbacks, ratelimit
from app.extensions import db


@bp.route("/callback", methods=["GET", "POST"])
def callback():
    form = CallbackForm()
    if request.args.get("lang") in ("en", "sv"):
        session["lang"] = request.args["lang"]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("customer/callback.html", form=form), status
    config = current_app.config
    ip_key = f"callback-ip:{request.remote_addr}"
    phone_key = f"callback-phone:{form.phone.data}"
    if not (
        ratelimit.allowed(ip_key, config["CALLBACK_LIMIT_PER_IP_PER_HOUR"], 3600)
        and ratelimit.allowed(phone_key, config["CALLBACK_LIMIT_PER_PHONE_PER_HOUR"], 3600)
    ):
        form.form_errors.append(
            _("We already have your request. Please wait for our call, or try again later.")
        )
        return render_template("customer/callback.html", form=form), 429
    ratelimit.hit(ip_key)
    ratelimit.hit(phone_key)
    request_ = callbacks.request_callback(
        phone=form.phone.data,
        source="web",
        window=form.when.data,
        name=form.name.data.strip(),
        topic=(form.topic.data or "").strip() or None,
        language=session.get("lang") or request.accept_languages.best_match(["en", "sv"]),
    )
    db.session.commit()
    session["callback_done"] = {
        "reference": request_.ticket.reference,
        "position": callbacks.queue_position(request_),
        "window": form.when.data,
    }
    return redirect(url_for("customer.callback_done"))


@bp.get("/callback/done")
def callback_done():
    done = session.get("callback_done")
    if not done:
        return redirect(url_for("customer.callback"))
    return render_template("customer/callback_done.html", done=done)
