"""Closing the loop: tell the customer their ticket is resolved, and ask how we did.

The notice goes out on the customer's channel (mail if they last wrote by mail, SMS if
they texted or called and have a mobile on file, an automated call for voice-only customers:
see app.domain.survey_calls) in the ticket's language, as an ordinary outgoing message
through the outbox. The question: 1 good, 2 OK, 3 bad — answered by an SMS reply (matched on
the phone number), by a key pressed in the call, or by one click in the mail: the link carries
the survey id signed with the app's secret, so nothing secret is stored and no login is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import audit, hours, outbox, survey_calls
from app.domain.audit import Actor
from app.domain.contacts import can_take_sms
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, Customer, Message, SatisfactionSurvey, Ticket
from app.models.base import utcnow

SCORES = (1, 2, 3)
ANSWER_DAYS = 14
MAX_REPORT_DAYS = 366

NOTICE = {
    "email": {
        "en": (
            "Hello,\n\nWe have resolved your request {ref}.\n{summary}\n"
            "If something is still not right, simply reply to this email and we will "
            "pick it up again.\n\nHow did we do? One click is enough:\n"
            "  Good: {url}?score=1\n  OK: {url}?score=2\n  Bad: {url}?score=3\n\n"
            "{team}\n"
        ),
        "sv": (
            "Hej,\n\nVi har löst ditt ärende {ref}.\n{summary}\n"
            "Om något fortfarande inte stämmer svarar du bara på det här mejlet så tar vi "
            "upp det igen.\n\nHur tyckte du att vi skötte det? Ett klick räcker:\n"
            "  Bra: {url}?score=1\n  Okej: {url}?score=2\n  Dåligt: {url}?score=3\n\n"
            "{team}\n"
        ),
    },
    "sms": {
        "en": (
            "{team}: your case {ref} is resolved. Not right? Just write back. "
            "How did we do? Reply 1 good, 2 OK, 3 bad."
        ),
        "sv": (
            "{team}: ditt ärende {ref} är löst. Stämmer något inte? Svara bara. "
            "Hur skötte vi det? Svara 1 bra, 2 okej, 3 dåligt."
        ),
    },
}
SUMMARY = {"en": "What we did: {summary}\n", "sv": "Det här gjorde vi: {summary}\n"}
THANKS = {
    "en": "Thank you for your answer. It helps us get better.",
    "sv": "Tack för ditt svar. Det hjälper oss att bli bättre.",
}


def _new_message_id() -> str:
    """As replies.new_email_message_id (replies -> tickets -> surveys: not importable here)."""
    return f"<{uuid.uuid4().hex}@{current_app.config['SUPPORT_ADDRESS'].split('@', 1)[1]}>"


def _language(value: str | None) -> str:
    return "sv" if value == "sv" else "en"


def signature(survey_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey:{survey_id}".encode(), hashlib.sha256).hexdigest()[:24]


def token_for(survey: SatisfactionSurvey) -> str:
    return f"{survey.id}-{signature(survey.id)}"


def survey_for_token(token: str) -> SatisfactionSurvey | None:
    survey_id, _, sig = (token or "").partition("-")
    if not survey_id.isdigit() or not hmac.compare_digest(sig, signature(int(survey_id))):
        return None
    return db.session.get(SatisfactionSurvey, int(survey_id))


def notice_channel(ticket: Ticket) -> str | None:
    """Mail if the customer last wrote by mail; a call if they are voice-only (see
    survey_calls.voice_only); SMS if they texted or phoned and we may text them; otherwise
    whichever contact we have. None: no way to reach them."""
    customer = ticket.customer
    last_in = (
        db.session.scalar(
            select(Message.channel)
            .where(Message.ticket_id == ticket.id, Message.direction == "in")
            .order_by(Message.id.desc())
            .limit(1)
        )
        or ticket.channel
    )
    # A number that texted us takes texts; any other must not be a landline (phonenumbers).
    texts = last_in == "sms" or can_take_sms(customer.phone)
    can_sms = bool(customer.phone) and not customer.sms_opted_out and texts
    if last_in == "email" and customer.email:
        return "email"
    if survey_calls.voice_only(ticket, last_in):
        return "voice"
    if can_sms and (last_in in ("sms", "voice") or not customer.email):
        return "sms"
    if customer.email:
        return "email"
    return None


def on_resolved(ticket: Ticket, actor: Actor) -> SatisfactionSurvey | None:
    """Queue the resolution notice with the survey question; None when we cannot reach them."""
    channel = notice_channel(ticket)
    if channel is None:
        audit.record(actor, "ticket.resolved_notice_skipped", ticket_id=ticket.id)
        return None
    customer: Customer = ticket.customer
    language = _language(ticket.language or customer.language)
    survey = SatisfactionSurvey(
        ticket_id=ticket.id,
        customer_id=customer.id,
        agent_id=ticket.assignee_id,
        channel=channel,
        language=language,
        sent_at=utcnow(),
    )
    db.session.add(survey)
    db.session.flush()
    summary = (ticket.resolution_summary or "").strip()
    if channel == "voice":  # spoken: short, the question follows in the same call
        body = survey_calls.notice_text(ticket, language)
    else:
        body = NOTICE[channel][language].format(
            ref=ticket.reference,
            summary=SUMMARY[language].format(summary=summary) if summary else "",
            url=f"{current_app.config['PUBLIC_BASE_URL']}/survey/{token_for(survey)}",
            team=current_app.config["SUPPORT_NAME"],
        )
    message = Message(
        ticket=ticket,
        direction="out",
        channel=channel,
        author_agent_id=actor.id if actor.kind == "agent" else None,
        recipient=customer.email if channel == "email" else customer.phone,
        subject=f"Re: {ticket.subject} [{ticket.reference}]" if channel == "email" else None,
        body_text=body,
        email_message_id=_new_message_id() if channel == "email" else None,
        delivery_status="queued",
        meta={"kind": "resolved_notice", "survey_id": survey.id},
    )
    db.session.add(message)
    db.session.flush()
    survey.message_id = message.id
    delay = hours.seconds_until_we_may_call(survey.sent_at) if channel == "voice" else 0
    outbox.enqueue("message.deliver", message_id=message.id, delay_seconds=delay)
    audit.record(
        actor, "ticket.resolved_notice", ticket_id=ticket.id, channel=channel, survey_id=survey.id
    )
    return survey


class SurveyError(DomainError):
    """An answer we cannot take; the message is safe to show."""


def answer(survey: SatisfactionSurvey, score: int, via: str) -> SatisfactionSurvey:
    """Record (or, within the answer period, change) the customer's answer."""
    if score not in SCORES:
        raise SurveyError(_l("Answer 1, 2 or 3."))
    if utcnow() - survey.sent_at > timedelta(days=ANSWER_DAYS):
        raise SurveyError(_l("This question has closed."))
    changed = survey.score is not None
    survey.score, survey.answered_at, survey.answered_via = score, utcnow(), via
    audit.record(
        Actor.customer(survey.customer_id),
        "survey.answered",
        ticket_id=survey.ticket_id,
        survey_id=survey.id,
        score=score,
        via=via,
        changed=changed,
    )
    return survey


def answer_by_sms(customer: Customer, score: int) -> str | None:
    """SMS reply "1", "2" or "3" to our latest SMS question; None if no question is open."""
    since = utcnow() - timedelta(days=ANSWER_DAYS)
    survey = db.session.scalar(
        select(SatisfactionSurvey)
        .where(
            SatisfactionSurvey.customer_id == customer.id,
            SatisfactionSurvey.channel == "sms",
            SatisfactionSurvey.sent_at >= since,
        )
        .order_by(SatisfactionSurvey.sent_at.desc(), SatisfactionSurvey.id.desc())
        .limit(1)
    )
    if survey is None:
        return None
    answer(survey, score, "sms")
    return THANKS[_language(survey.language)]


def survey_of_call(message: Message) -> SatisfactionSurvey | None:
    """The question a resolution call asks (None for any other message)."""
    meta = message.meta or {}
    if meta.get("kind") != "resolved_notice" or message.channel != "voice":
        return None
    return db.session.get(SatisfactionSurvey, meta.get("survey_id"))


def pending_for_caller(customer: Customer | None) -> SatisfactionSurvey | None:
    """The newest unanswered question of a voice-only customer's resolution call, still
    open: when they phone us, the menu offers to answer it."""
    if customer is None:
        return None
    return db.session.scalar(
        select(SatisfactionSurvey)
        .where(
            SatisfactionSurvey.customer_id == customer.id,
            SatisfactionSurvey.channel == "voice",
            SatisfactionSurvey.score.is_(None),
            SatisfactionSurvey.sent_at >= utcnow() - timedelta(days=ANSWER_DAYS),
        )
        .order_by(SatisfactionSurvey.sent_at.desc(), SatisfactionSurvey.id.desc())
        .limit(1)
    )


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    good: int = 0
    ok: int = 0
    bad: int = 0

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def good_share(self) -> float | None:
        return self.good / self.answered if self.answered else None

    def add(self, score: int | None) -> None:
        self.sent += 1
        if score is not None:
            self.answered += 1
            self.good += score == 1
            self.ok += score == 2
            self.bad += score == 3


@dataclass
class Results:
    start: datetime
    end: datetime
    total: Tally = field(default_factory=Tally)
    by_agent: dict[str, Tally] = field(default_factory=dict)
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_week: dict[str, Tally] = field(default_factory=dict)


def results(start: datetime, end: datetime) -> Results:
    """Answers per agent, channel and ISO week for surveys sent in [start, end).
    The range is bounded (MAX_REPORT_DAYS) so a huge range cannot load every survey."""
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        start = end - timedelta(days=MAX_REPORT_DAYS)
    rows = db.session.execute(
        select(
            SatisfactionSurvey.sent_at,
            SatisfactionSurvey.channel,
            SatisfactionSurvey.score,
            Agent.name,
        )
        .outerjoin(Agent, Agent.id == SatisfactionSurvey.agent_id)
        .where(SatisfactionSurvey.sent_at >= start, SatisfactionSurvey.sent_at < end)
    ).all()
    out = Results(start=start, end=end)
    groups: dict[str, dict[str, Tally]] = {
        "agent": defaultdict(Tally),
        "channel": defaultdict(Tally),
        "week": defaultdict(Tally),
    }
    for sent_at, channel, score, agent_name in rows:
        year, week, _ = sent_at.isocalendar()
        out.total.add(score)
        groups["agent"][agent_name or "—"].add(score)
        groups["channel"][channel].add(score)
        groups["week"][f"{year}-W{week:02d}"].add(score)
    out.by_agent = dict(sorted(groups["agent"].items()))
    out.by_channel = dict(sorted(groups["channel"].items()))
    out.by_week = dict(sorted(groups["week"].items()))
    return out
