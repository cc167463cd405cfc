"""The care note on a customer: how to treat them ("hard of hearing - text first").

It is shown on every ticket of the customer before verification, so it must not hold
private data; agents are told so where they edit it. The audit records that it changed,
not the text.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.domain import audit
from app.domain.audit import Actor
from app.domain.tickets import TicketError
from app.models import Customer

CARE_NOTE_LENGTH = 300


class CareNoteError(TicketError):
    """A care note the rules refuse; the message is safe to show to an agent."""


def set_care_note(customer: Customer, text: str, actor: Actor, *, ticket_id: int | None = None):
    note = " ".join((text or "").split())
    if len(note) > CARE_NOTE_LENGTH:
        raise CareNoteError(_l("Keep the care note under %(n)s characters.", n=CARE_NOTE_LENGTH))
    if (customer.care_note or "") == note:
        return
    customer.care_note = note or None
    audit.record(
        actor,
        "customer.care_note",
        customer_id=customer.id,
        ticket_id=ticket_id,
        cleared=not note,
    )
