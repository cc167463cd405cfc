"""Identity verification before anything private is discussed (NIST SP 800-63B in spirit).

A one-time code goes only to a contact already on file. The plain code exists only inside
the job that sends it: it is generated there, hashed (HMAC with a key derived from
SECRET_KEY and bound to the challenge) and sent; the database holds only the hash. Codes are
6 digits from `secrets`, valid 10 minutes, single use, dead after 5 wrong tries; at most 3
sends per customer per hour and 100 failures per customer before an admin must unlock.

A success verifies the ticket for a window (30 minutes) at a level: "phone" (SMS or voice
code: the customer holds the number on file) or "mailbox" (email code: proves control of
the mailbox only, so it unlocks less). A contact changed recently verifies nothing on its
own. Every send, attempt, disclosure and refusal is audited; never the code or the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.domain import audit, outbox, ratelimit, settings
from app.domain.audit import SYSTEM, Actor
from app.domain.contacts import mask_email, mask_phone, normalize_email, normalize_phone
from app.domain.errors import DomainError
from app.domain.i18n import in_language
from app.extensions import db
from app.models import (
    Agent,
    AuditEvent,
    Call,
    Customer,
    Message,
    RateEvent,
    Ticket,
    TrustedHelper,
    VerificationChallenge,
)
from app.models.base import utcnow

PRIVATE_FIELDS: tuple[str, ...] = tuple(settings.DEFAULTS["identity_private_fields"])
LEVEL_NAMES = {
    "callback": _l("callback verified"),
    "helper": _l("helper verified"),
    "phone": _l("phone verified"),
    "mailbox": _l("mailbox confirmed"),
}
# "callback": we rang the number on file and the customer pressed a key. It beats a spoofed
# caller ID (the caller chose nothing: we dialled), so it is the strongest level we have.
CHANNEL_LEVEL = {"callback": "callback", "sms": "phone", "voice": "phone", "email": "mailbox"}
DEFAULT_UNLOCKS: dict[str, list[str]] = settings.DEFAULTS["identity_unlocks"]


class IdentityError(DomainError):
    """Refused; the message is safe to show to the agent or customer. The refusal is audited
    (and wrong tries counted), so the caller commits."""

    keeps_changes = True


class VerificationRequired(IdentityError):
    """A private action or field before the customer proved who they are."""


def _key() -> bytes:
    return hashlib.sha256(b"otp-key:" + current_app.config["SECRET_KEY"].encode()).digest()


def code_hash(challenge_id: int, code: str) -> str:
    message = f"{challenge_id}:{code}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hmac.new(_key(), b"link:" + token.encode(), hashlib.sha256).hexdigest()


def contacts_on_file(customer: Customer) -> dict[str, str]:
    """The channels a code may go to: only what we already have, never what is typed now."""
    found = {}
    if customer.phone:
        found["callback"] = customer.phone
        found["sms"] = customer.phone
        found["voice"] = customer.phone
    if customer.email:
        found["email"] = customer.email
    return found


def challenge_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["OTP_VALID_MINUTES"])


def recently_changed(customer: Customer, channel: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    changed = customer.email_changed_at if channel == "email" else customer.phone_changed_at
    grace = timedelta(days=current_app.config["CONTACT_CHANGE_GRACE_DAYS"])
    return changed is not None and now - changed < grace


def _failure_key(customer: Customer) -> str:
    return f"otp-fail:{customer.id}"


def is_locked(customer: Customer) -> bool:
    limit = current_app.config["OTP_MAX_FAILURES_BEFORE_LOCK"]
    return ratelimit.count(_failure_key(customer), 10 * 365 * 86400) >= limit


def start_challenge(ticket: Ticket, agent: Agent, channel: str) -> VerificationChallenge:
    """Queue a code to the customer's contact on file by `channel` (sms, voice or email)."""
    customer = ticket.customer
    actor = Actor.agent(agent.id)
    if channel not in contacts_on_file(customer):
        audit.record(
            actor,
            "identity.refused",
            ticket_id=ticket.id,
            reason="no contact on file",
            channel=channel,
        )
        raise IdentityError(_l("There is no such contact on file for this customer."))
    if is_locked(customer):
        audit.record(actor, "identity.refused", ticket_id=ticket.id, reason="locked")
        raise IdentityError(_l("Too many wrong codes for this customer: an admin must unlock."))
    limit = current_app.config["OTP_SENDS_PER_HOUR"]
    if not ratelimit.consume(f"otp-send:{customer.id}", limit, 3600):
        audit.record(actor, "identity.refused", ticket_id=ticket.id, reason="send limit")
        raise IdentityError(
            _l(
                "At most %(limit)s codes per hour. Please wait before sending another.",
                limit=limit,
            )
        )
    return queue_challenge(ticket, channel, actor, agent_id=agent.id)


def queue_challenge(
    ticket: Ticket,
    channel: str,
    actor: Actor,
    *,
    agent_id: int | None = None,
    helper_id: int | None = None,
    **detail: object,
) -> VerificationChallenge:
    """Record a challenge and hand it to the sending job (after the caller's checks and
    limits). Only the newest challenge counts: older live ones die."""
    for old in live_challenges(ticket.customer):
        old.dead = True
    challenge = VerificationChallenge(
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        channel=channel,
        helper_id=helper_id,
        code_hash="",  # filled by the sending job; until then nothing can match
        expires_at=utcnow() + challenge_lifetime(),
        created_by_agent_id=agent_id,
    )
    db.session.add(challenge)
    db.session.flush()
    outbox.enqueue("identity.send_code", challenge_id=challenge.id)
    audit.record(
        actor,
        "identity.challenge_sent",
        ticket_id=ticket.id,
        channel=channel,
        challenge_id=challenge.id,
        **({"helper_id": helper_id} if helper_id is not None else {}),
        **detail,
    )
    return challenge


def live_challenges(customer: Customer, now: datetime | None = None):
    now = now or utcnow()
    return db.session.scalars(
        select(VerificationChallenge).where(
            VerificationChallenge.customer_id == customer.id,
            VerificationChallenge.dead.is_(False),
            VerificationChallenge.used_at.is_(None),
            VerificationChallenge.expires_at > now,
        )
    ).all()


@dataclass
class CodeToSend:
    channel: str
    to: str
    code: str
    link_token: str | None


def prepare_code(challenge: VerificationChallenge) -> CodeToSend | None:
    """Inside the job: make the code, keep only its hash. None when already sent or void."""
    if challenge.code_hash or challenge.dead or challenge.used_at:
        return None
    customer = db.session.get(Customer, challenge.customer_id)
    if challenge.helper_id is not None:  # a trusted helper proves who they are, to their own
        helper = db.session.get(TrustedHelper, challenge.helper_id)
        to = helper.phone if challenge.channel == "sms" else helper.email
    else:
        to = contacts_on_file(customer).get(challenge.channel)
    if to is None:
        challenge.dead = True
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge.code_hash = code_hash(challenge.id, code)
    token = None
    if challenge.channel == "email":
        token = secrets.token_urlsafe(24)
        challenge.link_token_hash = token_hash(token)
    # The clock starts when the code leaves, not when the agent asked.
    challenge.expires_at = utcnow() + timedelta(minutes=current_app.config["OTP_VALID_MINUTES"])
    return CodeToSend(challenge.channel, to, code, token)


def _live(now: datetime):
    return (
        VerificationChallenge.dead.is_(False),
        VerificationChallenge.used_at.is_(None),
        VerificationChallenge.expires_at > now,
        VerificationChallenge.code_hash != "",
    )


def _claim_attempt(challenge: VerificationChallenge, max_attempts: int, now: datetime) -> bool:
    """Count one try in the same statement that checks the limit (a conditional UPDATE), so
    concurrent checks are serialised by the database: never more than `max_attempts`."""
    result = db.session.execute(
        update(VerificationChallenge)
        .where(
            VerificationChallenge.id == challenge.id,
            VerificationChallenge.attempts < max_attempts,
            *_live(now),
        )
        .values(attempts=VerificationChallenge.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(challenge)
    return result.rowcount == 1


def _claim_use(challenge: VerificationChallenge, now: datetime) -> bool:
    result = db.session.execute(
        update(VerificationChallenge)
        .where(VerificationChallenge.id == challenge.id, *_live(now))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(challenge)
    return result.rowcount == 1


def _kill(challenge: VerificationChallenge) -> None:
    db.session.execute(
        update(VerificationChallenge)
        .where(VerificationChallenge.id == challenge.id)
        .values(dead=True)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(challenge)


def refuse_send(challenge: VerificationChallenge, reason: str) -> None:
    """The code could not be sent (e.g. SMS to that country is not allowed): it is void."""
    challenge.dead = True
    audit.record(SYSTEM, "identity.refused", ticket_id=challenge.ticket_id, reason=reason[:200])


CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.]+")


def clean_code(raw: str | None) -> str | None:
    """The 6 digits of a code as people type or read it ("461 464", "461-464"), else None.

    A malformed entry is not checked against the code, so it never burns one of the tries."""
    digits = CODE_SEPARATORS.sub("", raw or "")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def check_code(
    customer: Customer,
    code: str,
    actor: Actor,
    *,
    via: str,
    ticket: Ticket | None = None,
    challenge: VerificationChallenge | None = None,
) -> Ticket:
    """Verify `code` against the customer's live challenge. Raises IdentityError when wrong."""
    code = clean_code(code) or (code or "").strip().replace(" ", "")
    now = utcnow()
    if is_locked(customer):
        raise IdentityError(_l("Too many wrong codes: an admin must unlock this customer."))
    if challenge is None:
        candidates = [c for c in live_challenges(customer, now) if c.code_hash]
        if ticket is not None:
            candidates = [c for c in candidates if c.ticket_id == ticket.id]
        challenge = max(candidates, key=lambda c: c.id, default=None)
    if challenge is None or challenge.dead or challenge.used_at or challenge.expires_at <= now:
        audit.record(
            actor,
            "identity.attempt",
            ticket_id=ticket.id if ticket else None,
            customer_id=customer.id,
            result="no live code",
            via=via,
        )
        raise IdentityError(_l("There is no valid code to check. Send a new code."))
    max_attempts = current_app.config["OTP_MAX_ATTEMPTS"]
    if not _claim_attempt(challenge, max_attempts, now):
        audit.record(
            actor,
            "identity.attempt",
            ticket_id=challenge.ticket_id,
            customer_id=customer.id,
            result="no live code",
            via=via,
        )
        raise IdentityError(_l("There is no valid code to check. Send a new code."))
    ok = len(code) == 6 and hmac.compare_digest(challenge.code_hash, code_hash(challenge.id, code))
    # Only one of several simultaneous right answers may use the code.
    if ok and not _claim_use(challenge, now):
        audit.record(
            actor,
            "identity.attempt",
            ticket_id=challenge.ticket_id,
            customer_id=customer.id,
            result="already used",
            via=via,
            attempt=challenge.attempts,
        )
        raise IdentityError(_l("There is no valid code to check. Send a new code."))
    audit.record(
        actor,
        "identity.attempt",
        ticket_id=challenge.ticket_id,
        customer_id=customer.id,
        result="success" if ok else "wrong code",
        via=via,
        attempt=challenge.attempts,
    )
    if not ok:
        ratelimit.hit(_failure_key(customer))
        if challenge.attempts >= max_attempts:
            _kill(challenge)
            raise IdentityError(
                _l("Wrong code too many times: this code no longer works. Send a new code.")
            )
        raise IdentityError(_l("That code is not right. Please try again."))
    verified = db.session.get(Ticket, challenge.ticket_id)
    if challenge.helper_id is None and recently_changed(customer, challenge.channel, now):
        audit.record(actor, "identity.flagged", ticket_id=verified.id, reason="contact changed")
        raise IdentityError(
            _l(
                "The code was right, but this contact was changed in the last %(days)s days, "
                "so it does not prove who the customer is on its own. Verify another way.",
                days=current_app.config["CONTACT_CHANGE_GRACE_DAYS"],
            )
        )
    level = "helper" if challenge.helper_id is not None else CHANNEL_LEVEL[challenge.channel]
    window = timedelta(minutes=current_app.config["VERIFICATION_WINDOW_MINUTES"])
    verified.verified_until = now + window
    verified.verified_level = level
    verified.verified_helper_id = challenge.helper_id
    audit.record(
        actor,
        "identity.verified",
        ticket_id=verified.id,
        level=level,
        via=via,
        helper_id=challenge.helper_id,
    )
    return verified


def locked_customer_ids() -> list[int]:
    limit = current_app.config["OTP_MAX_FAILURES_BEFORE_LOCK"]
    rows = db.session.execute(
        select(RateEvent.key)
        .where(RateEvent.key.like("otp-fail:%"))
        .group_by(RateEvent.key)
        .having(func.count() >= limit)
    )
    return [int(key.split(":", 1)[1]) for (key,) in rows]


def unlock(customer: Customer, admin: Agent) -> None:
    ratelimit.clear(_failure_key(customer))
    audit.record(Actor.agent(admin.id), "identity.unlocked", customer_id=customer.id)


def current_level(ticket: Ticket, now: datetime | None = None) -> str | None:
    now = now or utcnow()
    if ticket.verified_until and ticket.verified_until > now and ticket.verified_level:
        return ticket.verified_level
    return None


def unlocked_fields(ticket: Ticket) -> set[str]:
    level = current_level(ticket)
    private = set(settings.get("identity_private_fields") or PRIVATE_FIELDS)
    unlocks = settings.get("identity_unlocks") or DEFAULT_UNLOCKS
    public = set(PRIVATE_FIELDS) - private
    if level == "helper":  # only what the customer let this helper hear, while it is allowed
        helper = db.session.get(TrustedHelper, ticket.verified_helper_id or 0)
        live = helper is not None and helper.revoked_at is None and helper.expires_at > utcnow()
        return public | (set(helper.may_see) if live else set())
    return public | set(unlocks.get(level, DEFAULT_UNLOCKS.get(level, []))) if level else public


def require_verified(ticket: Ticket, agent: Agent, action: str, field: str) -> None:
    """Refuse a private action (and audit the refusal) unless `field` is unlocked."""
    if field not in unlocked_fields(ticket):
        audit.record(
            Actor.agent(agent.id), "identity.refused", ticket_id=ticket.id, attempted=action
        )
        raise VerificationRequired(
            _l("Verify the customer's identity first: send a code to a contact on file.")
        )


class ContactTaken(DomainError):
    """The phone number or email is already another customer's (contacts are unique)."""

    default_message = _l(
        "That phone number or email address belongs to another customer. "
        "Check it with the customer, or ask an admin to merge the two."
    )


def _owned_by_another(customer: Customer, *, phone: str | None, email: str | None) -> bool:
    clauses = []
    if phone and phone != customer.phone:
        clauses.append(Customer.phone == phone)
    if email and email != customer.email:
        clauses.append(Customer.email == email)
    if not clauses:
        return False
    found = db.session.scalar(
        select(Customer.id).where(Customer.id != customer.id, or_(*clauses)).limit(1)
    )
    return found is not None


def change_contact(
    ticket: Ticket,
    agent: Agent,
    *,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
) -> Customer:
    """Change the customer's contact details: private, so only once verified at a level that
    shows the phone number. A changed phone or email does not verify on its own for a while
    (CONTACT_CHANGE_GRACE_DAYS). Raises VerificationRequired or InvalidContact."""
    require_verified(ticket, agent, "change contact details", "phone")
    if current_level(ticket) == "helper":
        audit.record(
            Actor.agent(agent.id), "identity.refused", ticket_id=ticket.id, attempted="contact"
        )
        raise VerificationRequired(
            _l("A helper cannot change the customer's contact details. Ask the customer.")
        )
    customer = ticket.customer
    now = utcnow()
    phone = normalize_phone(phone) if phone else None
    email = normalize_email(email) if email else None
    if _owned_by_another(customer, phone=phone, email=email):
        raise ContactTaken()
    if phone and phone != customer.phone:
        customer.phone, customer.phone_changed_at = phone, now
    if email and email != customer.email:
        customer.email, customer.email_changed_at = email, now
    if address:
        customer.address = address.strip()
    audit.record(Actor.agent(agent.id), "customer.contact_changed", ticket_id=ticket.id)
    return customer


MASKS = {
    "email": lambda c: mask_email(c.email),
    "phone": lambda c: mask_phone(c.phone),
    "address": lambda c: "•••" if c.address else "—",
    "account_number": lambda c: ("•••" + c.account_number[-2:]) if c.account_number else "—",
}


class CustomerView:
    """What the agent may see of a customer on this ticket right now."""

    def __init__(self, ticket: Ticket, agent: Agent) -> None:
        self.ticket = ticket
        self.customer = ticket.customer
        self.agent = agent
        self.unlocked = unlocked_fields(ticket)
        self._disclosed: set[str] = set()

    def masked(self, field: str) -> bool:
        return field not in self.unlocked

    def value(self, field: str) -> str:
        raw = getattr(self.customer, field, None)
        if self.masked(field):
            return MASKS[field](self.customer)
        if raw and field not in self._disclosed:
            self._disclosed.add(field)
            audit.record(
                Actor.agent(self.agent.id),
                "identity.disclosed",
                ticket_id=self.ticket.id,
                field=field,
                helper_id=self.ticket.verified_helper_id,
            )
        return raw or "—"

    def other_tickets(self) -> list[Ticket] | None:
        if self.masked("other_tickets"):
            return None
        if "other_tickets" not in self._disclosed:
            self._disclosed.add("other_tickets")
            audit.record(
                Actor.agent(self.agent.id),
                "identity.disclosed",
                ticket_id=self.ticket.id,
                field="other_tickets",
                helper_id=self.ticket.verified_helper_id,
            )
        return db.session.scalars(
            select(Ticket)
            .where(Ticket.customer_id == self.customer.id, Ticket.id != self.ticket.id)
            .order_by(Ticket.id.desc())
            .limit(20)
        ).all()


def evidence(ticket: Ticket) -> list[tuple[str, LazyString]]:
    """Hints shown beside the badge, never proof on their own: (kind, text)."""
    customer = ticket.customer
    hints: list[tuple[str, str]] = []
    if customer.phone:
        last_call = db.session.scalar(
            select(Call.from_number)
            .where(Call.direction == "in", Call.ticket_id == ticket.id)
            .order_by(Call.id.desc())
        )
        last_sms = db.session.scalar(
            select(Message.sender)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction == "in",
                Message.channel.in_(("sms", "voice")),
            )
            .order_by(Message.id.desc())
        )
        caller = last_call or last_sms
        if caller:
            if caller == customer.phone and not recently_changed(customer, "sms"):
                hints.append(
                    ("hint", _l("Caller ID matches the number on file (it can be faked)."))
                )
            elif caller != customer.phone:
                hints.append(("warn", _l("Caller ID does not match the number on file.")))
    if customer.email:
        mail = db.session.scalar(
            select(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.direction == "in",
                Message.channel == "email",
            )
            .order_by(Message.id.desc())
        )
        if mail is not None:
            dmarc = (mail.auth_results or {}).get("dmarc")
            if mail.sender != customer.email:
                hints.append(
                    ("warn", _l("The mail came from another address than the one on file."))
                )
            elif dmarc == "pass":
                hints.append(("hint", _l("Mail from the address on file passed DMARC.")))
            elif dmarc in (None, "none", "temperror"):
                hints.append(("hint", _l("Mail sender check (DMARC): unknown.")))
            else:
                hints.append(
                    ("warn", _l("Mail sender check (DMARC) failed: %(result)s.", result=dmarc))
                )
    denied = db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.ticket_id == ticket.id,
            AuditEvent.action == "identity.denied",
            AuditEvent.at > utcnow() - timedelta(days=1),
        )
    )
    if denied:
        hints.append(
            (
                "warn",
                _l(
                    "On our call to the number on file the customer pressed 9: "
                    "they did not expect a check. Be careful."
                ),
            )
        )
    changed = {
        "sms": _l(
            "The phone number on file was changed recently: a code to it "
            "does not verify on its own."
        ),
        "email": _l(
            "The email address on file was changed recently: a code to it "
            "does not verify on its own."
        ),
    }
    for channel, warning in changed.items():
        if recently_changed(customer, channel):
            hints.append(("warn", warning))
    return hints


def answer_sms_code(customer: Customer, code: str) -> str | None:
    """SMS hook: a 6-digit reply to our code message. None when no SMS code is pending."""
    pending = [c for c in live_challenges(customer) if c.channel == "sms" and c.code_hash]
    if not pending:
        if not _code_sent_recently(customer):
            return None  # an ordinary message that happens to be six digits
        # A late, repeated or mistyped code: answer it, but never show it to agents.
        audit.record(
            SYSTEM,
            "identity.attempt",
            customer_id=customer.id,
            result="no live code",
            via="sms reply",
        )
        return "That code no longer works. Please ask the person helping you to send a new one."
    try:
        check_code(
            customer, code, SYSTEM, via="sms reply", challenge=max(pending, key=lambda c: c.id)
        )
    except IdentityError as error:
        with in_language(customer.language):
            return str(error)
    with in_language(customer.language):
        return gettext("Thank you. You are verified; the person helping you can see this now.")


def confirm_by_callback(challenge: VerificationChallenge, called: str, digit: str) -> str:
    """The customer answered our call to the number on file and pressed `digit`.

    "1" verifies the ticket at the "callback" level; "9" ("I did not expect this call") kills
    the challenge and warns the agent. Returns "verified", "denied", "refused" or "void". The
    check-and-use is one conditional UPDATE, so a replayed or concurrent webhook cannot verify
    twice."""
    customer = db.session.get(Customer, challenge.customer_id)
    ticket = db.session.get(Ticket, challenge.ticket_id)
    now = utcnow()
    live = (
        challenge.channel == "callback"
        and challenge.code_hash
        and not challenge.dead
        and challenge.used_at is None
        and challenge.expires_at > now
    )
    if not live or called != customer.phone:
        audit.record(SYSTEM, "identity.attempt", ticket_id=ticket.id, result="void", via="callback")
        return "void"
    if digit == "9":
        challenge.dead = True
        audit.record(SYSTEM, "identity.denied", ticket_id=ticket.id, via="callback")
        return "denied"
    if digit != "1":
        return "void"
    claimed = db.session.execute(
        VerificationChallenge.__table__.update()
        .where(
            VerificationChallenge.id == challenge.id,
            VerificationChallenge.used_at.is_(None),
            VerificationChallenge.dead.is_(False),
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        return "void"
    db.session.refresh(challenge)
    if recently_changed(customer, "sms", now):
        audit.record(SYSTEM, "identity.flagged", ticket_id=ticket.id, reason="contact changed")
        return "refused"
    window = timedelta(minutes=current_app.config["VERIFICATION_WINDOW_MINUTES"])
    ticket.verified_until = now + window
    ticket.verified_level = "callback"
    audit.record(SYSTEM, "identity.verified", ticket_id=ticket.id, level="callback", via="callback")
    return "verified"


def _code_sent_recently(customer: Customer) -> bool:
    since = utcnow() - timedelta(minutes=current_app.config["OTP_REPLY_WINDOW_MINUTES"])
    found = db.session.scalar(
        select(VerificationChallenge.id)
        .where(
            VerificationChallenge.customer_id == customer.id,
            VerificationChallenge.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


def challenge_for_link(token: str) -> VerificationChallenge | None:
    return db.session.scalar(
        select(VerificationChallenge).where(
            VerificationChallenge.link_token_hash == token_hash(token)
        )
    )
