"""Route guards shared by every feature: log in first, and admins only where it matters."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view: Callable) -> Callable:
    """Anonymous visitors go to the login page; agents who are not admins get 403."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded
