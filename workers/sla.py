"""SLA jobs: the periodic overdue check, and the mail that tells agents a clock is overdue."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app
from flask_babel import gettext

from app.adapters.smtp import send
from app.domain import schedule, sla
from app.domain.i18n import in_language
from app.extensions import db
from app.models import Agent, OutboxItem, SlaNotice, Ticket

log = logging.getLogger(__name__)


def check_overdue(payload: dict, item: OutboxItem) -> None:
    result = sla.check_overdue()
    schedule.record_result(sla.JOB_NAME, result)
    if result["announced"]:
        log.info("SLA check: %s", result)


def _describe(clock: str) -> str:
    return {
        "first_response": gettext("first response"),
        "next_response": gettext("next response"),
        "resolution": gettext("resolution"),
        "callback": gettext("callback"),
    }.get(clock, clock)


def send_overdue_notice(payload: dict, item: OutboxItem) -> None:
    """One mail per recipient; each one sent is committed, so a rerun sends only the rest."""
    notice = db.session.get(SlaNotice, payload["notice_id"])
    if notice is None:
        return
    ticket = db.session.get(Ticket, notice.ticket_id)
    config = current_app.config
    for agent_id in notice.recipients or []:
        if agent_id in (notice.sent_to or []):
            continue
        agent = db.session.get(Agent, agent_id)
        if agent is not None and agent.active and ticket is not None:
            with in_language(agent.language):
                what = _describe(notice.clock)
                mail = EmailMessage()
                mail["From"] = formataddr((config["SUPPORT_NAME"], config["SUPPORT_ADDRESS"]))
                mail["To"] = agent.email
                mail["Subject"] = gettext(
                    "Overdue: %(ref)s (%(what)s)", ref=ticket.reference, what=what
                )
                mail["Date"] = formatdate()
                mail["Message-ID"] = make_msgid(domain=config["SUPPORT_ADDRESS"].split("@")[1])
                mail["Auto-Submitted"] = "auto-generated"
                body = gettext(
                    "The %(what)s on %(ref)s is overdue: it was due %(due)s (UTC).\n\n"
                    "Open the ticket: %(link)s\nAll overdue tickets: %(queue)s",
                    what=what,
                    ref=ticket.reference,
                    due=notice.due_at.strftime("%Y-%m-%d %H:%M") if notice.due_at else "—",
                    link=f"{config['PUBLIC_BASE_URL']}/agent/tickets/{ticket.id}",
                    queue=f"{config['PUBLIC_BASE_URL']}/agent/?overdue=1",
                )
                mail.set_content(body)
                send(mail)
        notice.sent_to = [*(notice.sent_to or []), agent_id]
        db.session.commit()
