"""The identity panel on the agent's ticket page (listed in `app.wiring.TICKET_PANELS`)."""

from __future__ import annotations

from flask_login import current_user

from app.domain import identity, trusted_helpers
from app.identity.forms import CodeForm, ContactForm, HelperForm
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
        "helpers": trusted_helpers.active_helpers(ticket),
        "helper_speaking": trusted_helpers.speaking_with_helper(ticket),
        "helper_may_add": identity.current_level(ticket) in trusted_helpers.CUSTOMER_LEVELS,
        "helper_form": HelperForm(formdata=None),
        "contact_form": ContactForm(),
    }
