"""The one base class of the domain's refusals.

A `DomainError` carries a `lazy_gettext` message: it is translated when it is shown (in the
agent's or customer's language), not when it is raised. Views catch the base class; the app
has one handler for any that escape (`app.errors`).
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class DomainError(ValueError):
    """A change the rules do not allow; the message is safe to show to agents and customers."""

    default_message: LazyString | str = _l("That is not allowed.")
    # True when what happened before the refusal must still be committed (e.g. the audit
    # of a refused identity check, or the count of wrong codes).
    keeps_changes: bool = False

    def __init__(self, message: LazyString | str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)
