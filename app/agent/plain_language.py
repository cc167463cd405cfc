"""Plain-language hints for agents: check a reply before it is sent, edit the jargon list.

A hint never blocks sending. Without JavaScript the reply form's "Check wording" button
re-renders the ticket page with the draft kept; with it, the hint updates as the agent types.
"""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agent import bp
from app.agent.forms import JargonForm, ReplyForm
from app.auth.decorators import admin_required
from app.domain import audit, readability, settings
from app.domain.audit import Actor
from app.extensions import db

LANGUAGES = ("sv", "en")


@bp.post("/tickets/<int:ticket_id>/reply/check")
def reply_check(ticket_id: int):
    form = ReplyForm()
    g.reply_draft = form.body.data or ""
    g.reply_channel = form.channel.data
    return current_app.view_functions["agent.ticket"](ticket_id=ticket_id)


@bp.post("/readability")
def readability_json():
    """For the live hint: {"text": ..., "language": "sv"|"en"} -> the hint (no side effects)."""
    data = request.get_json(silent=True) or {}
    text = str(data.get("text", ""))[:20000]
    hint = readability.check(text, str(data.get("language", "sv")))
    return jsonify(
        message=hint.message,
        easy=hint.easy,
        score=hint.score,
        jargon=[{"word": word, "plain": plain} for word, plain in hint.jargon],
    )


def _parse_lines(text: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (text or "").splitlines():
        word, sep, plain = line.partition("=")
        if sep and word.strip() and plain.strip():
            table[word.strip().lower()] = plain.strip()
    return table


@bp.route("/admin/plain-language", methods=["GET", "POST"])
@admin_required
def admin_plain_language():
    form = JargonForm()
    if form.validate_on_submit():
        table = {"sv": _parse_lines(form.sv.data), "en": _parse_lines(form.en.data)}
        settings.put("plain_language_jargon", table)
        audit.record(Actor.agent(current_user.id), "settings.changed", key="plain_language_jargon")
        db.session.commit()
        flash(_("The word list is saved."), "info")
        return redirect(url_for("agent.admin_plain_language"))
    if not form.is_submitted():
        current = settings.get("plain_language_jargon") or {}
        for language in LANGUAGES:
            lines = "\n".join(
                f"{w} = {p}" for w, p in sorted((current.get(language) or {}).items())
            )
            getattr(form, language).data = lines
    return render_template("agent/admin_plain_language.html", form=form)
