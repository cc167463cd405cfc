"""The JSON API for integrations (/api/v1), documented in app/api/openapi.json.

Every request carries `Authorization: Bearer <token>`; each route needs one scope. No
cookies and no CSRF: the token is the credential. Errors are JSON: {"error": "..."}.
"""

from __future__ import annotations

import json
from functools import wraps
from pathlib import Path

from flask import Blueprint, Response, abort, g, jsonify, request
from sqlalchemy import select

from app.domain import integrations, tickets
from app.domain.audit import Actor
from app.domain.contacts import InvalidContact, normalize_email, normalize_phone
from app.domain.errors import DomainError
from app.domain.intake import InboundMessage, intake
from app.extensions import csrf, db
from app.models import Article, Customer, Message, Ticket
from app.models.enums import ArticleStatus, TicketStatus

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated: no cookies, so no CSRF
OPENAPI = Path(__file__).with_name("openapi.json")
MAX_LIMIT = 100


def _error(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def scope(needed: str):
    """The route needs a live token with `needed` among its scopes."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            value = header[7:].strip() if header.lower().startswith("bearer ") else None
            token = integrations.authenticate(value)
            if token is None:
                db.session.rollback()
                return _error(401, "A valid, unrevoked API token is required.")
            if needed not in token.scopes:
                db.session.commit()  # last_used_at
                return _error(403, f"This token lacks the scope {needed}.")
            g.api_token = token
            response = view(*args, **kwargs)
            db.session.commit()
            return response

        return guarded

    return decorator


def _actor() -> Actor:
    return Actor("integration", g.api_token.id)


def _ticket(reference: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference.upper()))
    if ticket is None:
        abort(_error(404, "No ticket with that reference."))
    return ticket


@bp.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_text(), mimetype="application/json")


@bp.get("/tickets")
@scope("tickets:read")
def list_tickets():
    """Newest first, paged by `before_id` (keyset: stable while tickets arrive)."""
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), MAX_LIMIT)
    statement = select(Ticket).order_by(Ticket.id.desc()).limit(limit + 1)
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in TicketStatus}:
            return _error(422, "Unknown status.")
        statement = statement.where(Ticket.status == status)
    before = request.args.get("before_id", type=int)
    if before:
        statement = statement.where(Ticket.id < before)
    rows = db.session.scalars(statement).all()
    page = rows[:limit]
    return jsonify(
        {
            "tickets": [{"id": t.id, **integrations.ticket_json(t)} for t in page],
            "next_before_id": page[-1].id if len(rows) > limit else None,
        }
    )


@bp.get("/tickets/<reference>")
@scope("tickets:read")
def get_ticket(reference: str):
    ticket = _ticket(reference)
    return jsonify({"id": ticket.id, **integrations.ticket_json(ticket)})


@bp.post("/tickets")
@scope("tickets:write")
def create_ticket():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(422, "Send a JSON object.")
    subject = str(data.get("subject") or "").strip()[:300]
    body = str(data.get("body") or "").strip()[:20000]
    if not subject or not body:
        return _error(422, "subject and body are required.")
    try:
        email = normalize_email(data["email"]) if data.get("email") else None
        phone = normalize_phone(str(data["phone"])) if data.get("phone") else None
    except InvalidContact:
        return _error(422, "email or phone is not valid.")
    if not email and not phone:
        return _error(422, "email or phone is required.")
    result = intake(
        InboundMessage(
            channel="web",
            subject=subject,
            body_text=body,
            sender_email=email,
            sender_phone=phone,
            sender_name=str(data.get("name") or "")[:200] or None,
            language=data.get("language") if data.get("language") in ("en", "sv") else None,
        ),
        _actor(),
    )
    response = jsonify({"id": result.ticket.id, **integrations.ticket_json(result.ticket)})
    response.status_code = 201 if result.created_ticket else 200
    return response


@bp.patch("/tickets/<reference>")
@scope("tickets:write")
def update_ticket(reference: str):
    ticket = _ticket(reference)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(422, "Send a JSON object.")
    try:
        if "priority" in data:
            tickets.set_priority(ticket, int(data["priority"]), _actor())
        if "status" in data:
            tickets.change_status(
                ticket,
                str(data["status"]),
                _actor(),
                resolution_summary=data.get("resolution_summary"),
                notify=bool(data.get("notify_customer", False)),
            )
    except (DomainError, ValueError, TypeError) as error:
        db.session.rollback()
        return _error(422, str(error))
    return jsonify({"id": ticket.id, **integrations.ticket_json(ticket)})


@bp.get("/tickets/<reference>/messages")
@scope("messages:read")
def ticket_messages(reference: str):
    ticket = _ticket(reference)
    rows = db.session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.is_internal.is_(False))
        .order_by(Message.created_at, Message.id)
        .limit(500)
    ).all()
    return jsonify(
        {
            "messages": [
                {
                    "id": m.id,
                    "direction": m.direction,
                    "channel": m.channel,
                    "subject": m.subject,
                    "body_text": m.body_text,
                    "created_at": m.created_at.isoformat() + "Z",
                }
                for m in rows
            ]
        }
    )


@bp.get("/customers/<int:customer_id>")
@scope("customers:read")
def get_customer(customer_id: int):
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        return _error(404, "No such customer.")
    return jsonify(
        {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "language": customer.language,
            "merged_into_id": customer.merged_into_id,
            "tickets": list(
                db.session.scalars(
                    select(Ticket.reference)
                    .where(Ticket.customer_id == customer.id)
                    .order_by(Ticket.id.desc())
                    .limit(100)
                )
            ),
        }
    )


@bp.get("/articles")
@scope("articles:read")
def list_articles():
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), MAX_LIMIT)
    rows = db.session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED.value)
        .order_by(Article.id.desc())
        .limit(limit)
    ).all()
    return jsonify(
        {
            "articles": [
                {
                    "id": a.id,
                    "slug": a.slug,
                    "title": a.title,
                    "problem": a.problem,
                    "resolution": a.resolution,
                    "category": a.category,
                    "language": a.language,
                }
                for a in rows
            ]
        }
    )


def openapi_paths() -> set[str]:
    """Paths documented in the OpenAPI file (tests compare them with the routes)."""
    return set(json.loads(OPENAPI.read_text())["paths"])
