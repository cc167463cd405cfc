"""The identity panel on the agent's ticket page (listed in `app.wiring.TICKET_PANELS`)."""

from __future__ import annotations

from flask_login import current_user

from app.domain import identity
from app.identity.forms import CodeForm, ContactForm
from app.models import Ticket


def identity_panel(ticket: Ticket) -> dict:
    """Ticket page context: what this agent may see, and the verification state."""
    return {
        "customer_view": identity.CustomerView(ticket, current_user),
        "identity_level": identity.current_level(ticket),
        "identity_level_names": identity.LEVEL_NAMES,
        "identity_evidence": identity.evidence(ticket),
        "identity_channels": identity.contacts_on_file(ticket.customer),
        "identity_locked": identity.is_locked(ticket.customer),
        "identity_pending": any(
            c.ticket_id == ticket.id for c in identity.live_challenges(ticket.customer)
        ),
        "code_form": CodeForm(),
        "contact_form": ContactForm(),
    }
