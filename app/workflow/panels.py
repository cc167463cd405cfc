"""Issue 17's ticket-page panels (listed in `app.wiring.TICKET_PANELS`): who has the ticket,
tags and care note, and possible duplicate customers."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.domain import customer_merge, tags
from app.extensions import db
from app.models import Agent, Ticket
from app.workflow.forms import AssignForm, CareNoteForm, TagForm


def agent_choices() -> list[tuple[str, str]]:
    agents = db.session.scalars(
        select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)
    ).all()
    return [("", _("Nobody (unassign)"))] + [(str(a.id), a.name) for a in agents]


def assignment_panel(ticket: Ticket) -> dict:
    form = AssignForm(version=ticket.version, assignee=str(ticket.assignee_id or ""))
    form.assignee.choices = agent_choices()
    return {"assign_form": form}


def tags_panel(ticket: Ticket) -> dict:
    return {
        "ticket_tags": tags.tags_of(ticket.id),
        "tag_form": TagForm(),
        "care_form": CareNoteForm(note=ticket.customer.care_note or ""),
        "remove_tag_form": FlaskForm(),
    }


def merge_panel(ticket: Ticket) -> dict:
    return {
        "merge_suggestions": customer_merge.suggestions(
            ticket.customer, current_app.config["PHONE_DEFAULT_REGION"]
        ),
    }
