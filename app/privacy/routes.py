"""Admin pages: find a customer, see what we hold, export it, erase it. Thin views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.adapters.files import attachment_path
from app.auth.decorators import admin_required
from app.domain import audit, export, identity, outbox, privacy, processing
from app.domain import retention as retention_rules
from app.domain.audit import Actor
from app.domain.contacts import InvalidContact, normalize_email, normalize_phone
from app.extensions import db
from app.models import Attachment, Customer, Message, PrivacyRequest, Ticket
from app.privacy import bp
from app.privacy.archive import StreamingZip


def _find_customer(query: str) -> Customer | None:
    query = query.strip()
    if not query:
        return None
    if query.upper().startswith("HD-"):
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == query.upper()))
        return ticket.customer if ticket else None
    try:
        if "@" in query:
            clause = Customer.email == normalize_email(query)
        else:
            clause = Customer.phone == normalize_phone(query)
    except InvalidContact:
        return None
    return db.session.scalar(select(Customer).where(clause))


@bp.route("/agent/admin/data-protection", methods=["GET"])
@admin_required
def index():
    query = request.args.get("q", "")
    if query:
        customer = _find_customer(query)
        if customer is not None:
            return redirect(url_for("privacy.customer", customer_id=customer.id))
        flash(_("No customer has that email address, phone number or ticket reference."), "error")
    requests = db.session.scalars(
        select(PrivacyRequest).order_by(PrivacyRequest.id.desc()).limit(50)
    ).all()
    return render_template("privacy/index.html", query=query, requests=requests)


@bp.get("/agent/admin/data-protection/customers/<int:customer_id>")
@admin_required
def customer(customer_id: int):
    found = db.get_or_404(Customer, customer_id)
    return render_template(
        "privacy/customer.html",
        customer=found,
        held=privacy.holdings(found),
        form=FlaskForm(),
        open_refs=None,
    )


@bp.get("/agent/admin/data-protection/customers/<int:customer_id>/summary")
@admin_required
def summary(customer_id: int):
    """A human-readable account of everything we hold (printable for the customer)."""
    found = db.get_or_404(Customer, customer_id)
    audit.record(Actor.agent(current_user.id), "privacy.summary_viewed", customer_id=found.id)
    db.session.commit()
    return render_template(
        "privacy/summary.html",
        customer=found,
        record=export.customer_record(found),
        tickets=export.tickets(found),
        messages=export.messages(found),
        attachments=export.attachments(found),
        others=export.other_records(found),
    )


def _archive(customer_id: int) -> Iterator[bytes]:
    found = db.session.get(Customer, customer_id)
    support = current_app.config["SUPPORT_ADDRESS"]
    root = Path(current_app.config["ATTACHMENT_DIR"])
    archive = StreamingZip()
    yield from archive.add_bytes(
        "README.txt",
        (
            b"Everything the helpdesk holds about one customer.\n"
            b"customer.json, tickets.json, messages.json, attachments.json, records.json:\n"
            b"the database rows. email/: each email message as .eml (rebuilt from what we\n"
            b"stored). files/: attachments and voicemail recordings as received.\n"
        ),
    )
    yield from archive.add_json_list("customer.json", [export.customer_record(found)])
    yield from archive.add_json_list("tickets.json", (export.row(t) for t in export.tickets(found)))
    yield from archive.add_json_list(
        "messages.json", (export.row(m) for m in export.messages(found))
    )
    yield from archive.add_json_list(
        "records.json",
        ({"kind": kind, **export.row(obj)} for kind, obj in export.other_records(found)),
    )
    for message in export.messages(found):
        if message.channel == "email":
            yield from archive.add_bytes(
                f"email/{message.id:08d}.eml", export.as_eml(message, support)
            )
    listed = []
    for item in export.attachments(found):
        path = root / item.sha256[:2] / item.sha256
        name = f"files/{item.id:08d}-{Path(item.filename).name or 'file'}"
        listed.append({**export.row(item), "archive_name": name if path.exists() else None})
        if path.exists():
            yield from archive.add_file(name, path)
    yield from archive.add_json_list("attachments.json", listed)
    yield from archive.close()


@bp.get("/agent/admin/data-protection/customers/<int:customer_id>/export.zip")
@admin_required
def export_zip(customer_id: int):
    """Streamed to the admin's browser only: never mailed, never left on disk."""
    found = db.get_or_404(Customer, customer_id)
    audit.record(Actor.agent(current_user.id), "privacy.exported", customer_id=found.id)
    db.session.commit()
    response = Response(stream_with_context(_archive(found.id)), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="customer-{found.id}-export.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/agent/admin/data-protection/customers/<int:customer_id>/erase")
@admin_required
def erase(customer_id: int):
    found = db.get_or_404(Customer, customer_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    held = privacy.holdings(found)
    if request.form.get("confirm_erase") != "yes":
        flash(_("Tick the box to confirm the erasure."), "error")
        return render_template(
            "privacy/customer.html", customer=found, held=held, form=form, open_refs=None
        ), 400
    try:
        erasure = privacy.request_erasure(
            found,
            current_user,
            confirm_open=request.form.get("confirm_open") == "yes",
            keep_article_ids=[int(i) for i in request.form.getlist("keep_article") if i.isdigit()],
        )
    except privacy.ConfirmationNeeded as needed:
        db.session.rollback()
        return render_template(
            "privacy/customer.html",
            customer=found,
            held=held,
            form=form,
            open_refs=needed.references,
        ), 409
    db.session.commit()
    flash(_("Erasure started. This page shows when it is complete."), "info")
    return redirect(url_for("privacy.request_status", request_id=erasure.id))


@bp.get("/agent/admin/data-protection/requests/<int:request_id>")
@admin_required
def request_status(request_id: int):
    found = db.get_or_404(PrivacyRequest, request_id)
    return render_template("privacy/request.html", item=found)


@bp.get("/agent/admin/data-protection/records")
@admin_required
def records():
    """What personal data we store where, why and for how long: built from the schema."""
    return render_template(
        "privacy/records.html",
        records=processing.records(),
        classes={**processing.RETENTION_CLASSES, **processing.FIXED_RETENTION},
        periods=retention_rules.periods(),
    )


@bp.route("/agent/admin/data-protection/retention", methods=["GET", "POST"])
@admin_required
def retention():
    """How long each class of data is kept; the worker purges the rest on a schedule."""
    form = FlaskForm()
    values = retention_rules.periods()
    errors = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        for key in processing.RETENTION_CLASSES:
            raw = (request.form.get(key) or "").strip()
            if not raw:
                values[key] = None
            elif raw.isdigit() and 1 <= int(raw) <= 36500:
                values[key] = int(raw)
            else:
                errors.append(processing.RETENTION_CLASSES[key])
        if not errors:
            retention_rules.set_periods(values)
            if request.form.get("run_now") == "yes":
                outbox.enqueue("privacy.retention")
            audit.record(Actor.agent(current_user.id), "privacy.retention_changed", **values)
            db.session.commit()
            flash(_("Saved. The purge runs in the background."), "info")
            return redirect(url_for("privacy.retention"))
    return render_template(
        "privacy/retention.html",
        form=form,
        classes=processing.RETENTION_CLASSES,
        values=values,
        errors=errors,
        last=retention_rules.last_run(),
    ), (400 if errors else 200)


@bp.get("/agent/recordings/<int:attachment_id>")
@login_required
def play_recording(attachment_id: int):
    """A stored voicemail, for the ticket's audio player; only while identity is verified
    at a level that unlocks recordings (refusals are audited, like other private fields)."""
    item = db.get_or_404(Attachment, attachment_id)
    if not item.content_type.startswith("audio/"):
        abort(404)
    ticket = db.session.get(Message, item.message_id).ticket
    try:
        identity.require_verified(ticket, current_user, "play a voicemail", "recordings")
    except identity.VerificationRequired:
        db.session.commit()
        abort(403)
    path = attachment_path(item.sha256)
    if not path.exists():
        abort(404)
    audit.record(
        Actor.agent(current_user.id), "identity.disclosed", ticket_id=ticket.id, field="recordings"
    )
    db.session.commit()
    response = send_file(path, mimetype=item.content_type, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
