"""The one place that wires the parts together, with literal tables.

- which job function carries out each outbox topic (`TOPIC_HANDLERS`);
- which feature panels add template variables to the agent's ticket page (`TICKET_PANELS`).

Nothing registers itself by being imported: a new topic or panel is a new line here.
Settings defaults live in `app.domain.settings.DEFAULTS`; SMS code answers are a direct
call from `app.domain.sms` to `app.domain.identity.answer_sms_code`.
"""

from __future__ import annotations

from collections.abc import Callable

from app.identity.panel import identity_panel
from app.models import OutboxItem, Ticket
from app.plain_language import readability_panel
from app.telephony.panel import phone_panel
from app.workflow.panels import assignment_panel, merge_panel, tags_panel
from workers import (
    community,
    handlers,
    identity,
    privacy,
    recordings,
    sla,
    telephony,
    webhooks,
)

# topic -> handler(payload, item). Handlers run inside an RQ job with an app context and
# must be idempotent: a job may run twice.
TOPIC_HANDLERS: dict[str, Callable[[dict, OutboxItem], None]] = {
    "message.deliver": handlers.deliver_message,
    "ticket.acknowledge": handlers.acknowledge,
    "identity.send_code": identity.send_code,
    "callback.confirm": telephony.confirm_callback,
    "callback.gave_up": telephony.tell_we_tried,
    "call.place": telephony.place_call,
    "article.draft": community.draft,
    "article.publish": community.publish,
    "privacy.erase": privacy.erase,
    "privacy.retention": privacy.retention_run,
    "recording.fetch": recordings.fetch,
    "webhook.deliver": webhooks.deliver_webhook,  # signed ticket events (issue 17)
    "sla.check_overdue": sla.check_overdue,  # scheduled by the relay (scheduled_runs)
    "sla.overdue_notice": sla.send_overdue_notice,  # mail to the assignee and admins
}

# Ticket page panels: each returns template variables for one ticket, in this order.
TICKET_PANELS: list[Callable[[Ticket], dict]] = [
    identity_panel,
    readability_panel,
    phone_panel,  # same-number hint for web requests; calls that could not be placed
    assignment_panel,  # who has the ticket (issue 17)
    tags_panel,  # tags and the customer's care note
    merge_panel,  # same person as another customer?
]
