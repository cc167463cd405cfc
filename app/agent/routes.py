"""The agent's queue and ticket page. Thin: parse the form, call the domain, commit, redirect."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from app.adapters import presence
from app.adapters.files import attachment_path, store_attachments
from app.agent import bp
from app.agent.forms import (
    ClaimForm,
    LanguageForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
)
from app.domain import callbacks, community, replies, sla, tags, tickets
from app.domain import queue as work_queue
from app.domain.audit import Actor
from app.domain.email_types import ParsedAttachment
from app.domain.errors import DomainError
from app.domain.tickets import StaleVersion
from app.extensions import db
from app.models import Attachment, Call, CallbackRequest, CannedReply, Message, Ticket
from app.models.base import utcnow
from app.models.enums import TICKET_CHANNELS, TicketStatus
from app.wiring import TICKET_PANELS


def _filter_from_args() -> work_queue.QueueFilter:
    args = request.args
    return work_queue.QueueFilter(
        scope=args.get("scope", "all") if args.get("scope") in ("mine", "unassigned") else "all",
        status=args.get("status", "active")
        if args.get("status") in ("active", *TicketStatus)
        else "active",
        channel=args.get("channel", "") if args.get("channel") in TICKET_CHANNELS else "",
        query=args.get("q", "")[:200],
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        tag=tags.normalize(args.get("tag", "")[:60]),
        overdue=args.get("overdue") == "1",
    )


@bp.get("/")
def queue():
    flt = _filter_from_args()
    rows, has_more = work_queue.queue_page(current_user, flt)
    due = callbacks.due_callbacks(limit=20) if flt.page == 1 and not flt.query else []
    return render_template(
        "agent/queue.html",
        tickets=rows,
        has_more=has_more,
        flt=flt,
        due=due,
        now=utcnow(),
        refresh_seconds=30,
        row_tags=tags.tags_for([t.id for t in rows]),
        clocks=_clocks(rows),
        callback_clocks=_callback_clocks(rows),
        resolution_clocks=_resolution_clocks(rows),
        known_tags=tags.popular(),
    )


def _clocks(rows: list[Ticket]) -> dict:
    """The running response clock of each ticket on the page (business time, app.domain.sla)."""
    now, table, calendar = utcnow(), sla.targets(), sla.Calendar()
    return {t.id: sla.running_clock(t, now, table, calendar) for t in rows}


def _resolution_clocks(rows: list[Ticket]) -> dict:
    """The resolution clock of each ticket on the page whose resolution is overdue (a clock
    still running is not shown: the answer due is what the agent acts on)."""
    now, table, calendar = utcnow(), sla.targets(), sla.Calendar()
    late = [t for t in rows if t.resolution_due_at is not None and t.resolution_due_at <= now]
    return {t.id: sla.resolution_clock(t, now, table, calendar) for t in late}


def _callback_clocks(rows: list[Ticket]) -> dict:
    """The callback clock of each ticket on the page that has a callback waiting."""
    now, calendar = utcnow(), sla.Calendar()
    pending = db.session.scalars(
        select(CallbackRequest)
        .where(
            CallbackRequest.ticket_id.in_([t.id for t in rows]),
            CallbackRequest.status.in_(sla.CALLBACK_OPEN),
        )
        .order_by(CallbackRequest.id)
    ).all()
    return {cb.ticket_id: sla.callback_clock(cb, now, calendar) for cb in pending}


def _ticket_or_404(ticket_id: int) -> Ticket:
    return db.get_or_404(Ticket, ticket_id)


def ticket_context(ticket: Ticket) -> dict:
    """Template variables from the feature panels listed in `app.wiring.TICKET_PANELS`."""
    context: dict = {}
    for panel in TICKET_PANELS:
        context.update(panel(ticket))
    return context


@bp.get("/tickets/<int:ticket_id>")
def ticket(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    presence.mark_present(ticket.id, current_user, "viewing")
    reply_form = ReplyForm(version=ticket.version, channel=replies.default_channel(ticket))
    if g.get("reply_draft") is not None:  # "Check wording": show the page with the draft kept
        reply_form.body.data = g.reply_draft
        reply_form.channel.data = g.get("reply_channel") or reply_form.channel.data
    canned_id = request.args.get("canned", type=int)
    if canned_id:
        canned = db.session.get(CannedReply, canned_id)
        if canned is not None:
            reply_form.body.data = work_queue.render_canned(canned, ticket, current_user)
    return _render_ticket(ticket, reply_form=reply_form)


def _render_ticket(
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    conflict: dict | None = None,
):
    """The ticket page; after a refused (stale) reply or note it keeps the agent's text,
    shows what is new since they opened the page, and the form now sends anyway."""
    reply_form = reply_form or ReplyForm(
        version=ticket.version, channel=replies.default_channel(ticket)
    )
    messages = ticket.messages
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.message_id.in_([m.id for m in messages]))
    ).all()
    by_message: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    calls = db.session.scalars(
        select(Call).where(Call.ticket_id == ticket.id).order_by(Call.created_at)
    ).all()
    timeline = sorted(
        [("message", m.created_at, m) for m in messages]
        + [("call", c.created_at, c) for c in calls],
        key=lambda entry: (entry[1], entry[0]),
    )
    html = render_template(
        "agent/ticket.html",
        ticket=ticket,
        customer=ticket.customer,
        timeline=timeline,
        attachments=by_message,
        reply_form=reply_form,
        note_form=note_form or NoteForm(version=ticket.version),
        conflict=conflict,
        last_message_id=max([m.id for m in messages], default=0),
        status_form=StatusForm(
            version=ticket.version,
            public_question=ticket.public_question or community.prefill_question(ticket.subject),
        ),
        claim_form=ClaimForm(version=ticket.version),
        priority_form=PriorityForm(version=ticket.version, priority=str(ticket.priority)),
        canned_replies=db.session.scalars(select(CannedReply).order_by(CannedReply.title)).all(),
        others=presence.others_present(ticket.id, current_user),
        callback=callbacks.pending_callback(ticket),
        callbacks_all=db.session.scalars(
            select(CallbackRequest).where(CallbackRequest.ticket_id == ticket.id)
        ).all(),
        calls=calls,
        **ticket_context(ticket),
    )
    db.session.commit()  # what was disclosed while rendering is in the audit log
    return html


def _expected_version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _back(ticket: Ticket, anchor: str = ""):
    return redirect(url_for("agent.ticket", ticket_id=ticket.id) + anchor)


def _act(ticket: Ticket, form, action: Callable[[], object], done: str):
    """Run one domain action with the version check; stale or invalid forms change nothing."""
    if not form.validate_on_submit():
        flash(_("Please fill in the form."), "error")
        return _back(ticket)
    try:
        action()
    except StaleVersion:
        db.session.rollback()
        flash(
            _(
                "Someone else changed this ticket while you were working. Nothing was saved: "
                "read the latest messages below and try again."
            ),
            "error",
        )
        return _back(ticket)
    except DomainError as error:
        if error.keeps_changes:
            db.session.commit()  # e.g. the audit of a refused private action
        else:
            db.session.rollback()
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(done, "info")
    return _back(ticket)


def _kept_after_conflict(ticket: Ticket, form, kind: str):
    """Someone changed the ticket while the agent wrote: nothing was saved, but the text
    stays in the form (now carrying the current version, so one click sends it anyway),
    under the messages that arrived since the agent opened the page."""
    db.session.rollback()
    ticket = _ticket_or_404(ticket.id)
    seen = request.form.get("seen_message_id", type=int) or 0
    form.version.data = ticket.version
    conflict = {
        "kind": kind,
        "new_messages": [m for m in ticket.messages if m.id > seen],
    }
    forms = {"reply_form": form} if kind == "reply" else {"note_form": form}
    return _render_ticket(ticket, conflict=conflict, **forms), 409


@bp.post("/tickets/<int:ticket_id>/reply")
def reply(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = ReplyForm()
    presence.mark_present(ticket.id, current_user, "replying")
    if form.validate_on_submit():
        try:
            tickets.check_version(ticket, _expected_version(form))
        except StaleVersion:
            return _kept_after_conflict(ticket, form, "reply")
    files = _uploaded_files()
    return _act(
        ticket,
        form,
        lambda: (
            replies.reply(
                ticket,
                current_user,
                form.body.data,
                channel=form.channel.data,
                expected_version=_expected_version(form),
                attachments=files,
            ),
            store_attachments(files),  # before the commit in _act: rows never lack files
        ),
        _("Your reply is on its way."),
    )


def _uploaded_files() -> list[ParsedAttachment]:
    """Files chosen in the reply form (a browser sends an empty part when none is)."""
    files = []
    for upload in request.files.getlist("attachments"):
        if not upload or not upload.filename:
            continue
        name = secure_filename(upload.filename) or "file"
        content_type = upload.mimetype or mimetypes.guess_type(name)[0] or ""
        files.append(ParsedAttachment(filename=name, content_type=content_type, data=upload.read()))
    return files


@bp.post("/tickets/<int:ticket_id>/note")
def note(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            tickets.check_version(ticket, _expected_version(form))
        except StaleVersion:
            return _kept_after_conflict(ticket, form, "note")
    return _act(
        ticket,
        form,
        lambda: replies.add_note(
            ticket, current_user, form.body.data, expected_version=_expected_version(form)
        ),
        _("Note added."),
    )


def _change_status(ticket, form):
    if form.status.data == "resolved":  # what the public community answer will say
        community.set_public_text(ticket, form.public_question.data, form.public_answer.data)
    return tickets.change_status(
        ticket,
        form.status.data,
        Actor.agent(current_user.id),
        resolution_summary=form.summary.data,
        expected_version=_expected_version(form),
        notify=request.form.get("notify_customer") == "1",
    )


@bp.post("/tickets/<int:ticket_id>/status")
def status(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = StatusForm()
    return _act(
        ticket,
        form,
        lambda: _change_status(ticket, form),
        _("Status changed."),
    )


@bp.post("/tickets/<int:ticket_id>/claim")
def claim(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = ClaimForm()
    return _act(
        ticket,
        form,
        lambda: tickets.assign(
            ticket,
            current_user.id,
            Actor.agent(current_user.id),
            expected_version=_expected_version(form),
        ),
        _("The ticket is yours."),
    )


@bp.post("/tickets/<int:ticket_id>/priority")
def priority(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = PriorityForm()
    return _act(
        ticket,
        form,
        lambda: tickets.set_priority(
            ticket,
            int(form.priority.data),
            Actor.agent(current_user.id),
            expected_version=_expected_version(form),
        ),
        _("Priority changed."),
    )


@bp.get("/tickets/<int:ticket_id>/presence")
def ticket_presence(ticket_id: int):
    """Who else is on this ticket, for the page's live line (polled by agent.js); the
    caller says whether they are viewing or typing."""
    ticket = _ticket_or_404(ticket_id)
    activity = "typing" if request.args.get("activity") == "typing" else "viewing"
    presence.mark_present(ticket.id, current_user, activity)
    others = presence.others_present(ticket.id, current_user)
    return {"others": others, "text": " ".join(presence_text(o) for o in others)}


def presence_text(other: dict) -> str:
    if other["activity"] in ("replying", "typing"):
        return _("%(name)s is typing a reply.", name=other["name"])
    return _("%(name)s is viewing this ticket.", name=other["name"])


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """Always a download, never rendered inline: a customer's file must not run in our origin."""

    item = db.get_or_404(Attachment, attachment_id)
    path = attachment_path(item.sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype="application/octet-stream", as_attachment=True, download_name=item.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        db.session.commit()
    return redirect(request.referrer or url_for("agent.queue"))


@bp.get("/messages/<int:message_id>/html")
def message_html(message_id: int):
    """The sanitized HTML of a mail, shown only on request, in a sandbox, no remote images."""
    message = db.get_or_404(Message, message_id)
    if not message.body_html:
        abort(404)
    response = render_template("agent/message_html.html", message=message)
    return (
        response,
        200,
        {
            "Content-Security-Policy": (
                "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; sandbox"
            ),
        },
    )


def register_root(app) -> None:
    @app.route("/")
    def root():
        return redirect(url_for("agent.queue"))
