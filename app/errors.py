"""The one handler for domain refusals that a view lets escape.

A form post from one of our own pages gets the message flashed (in the visitor's language)
and is sent back where it came from; anything else gets a plain 400 page with the message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request

from app.domain.errors import DomainError
from app.extensions import db


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    target, here = urlsplit(url), urlsplit(request.host_url)
    return (target.scheme, target.netloc) == (here.scheme, here.netloc)


def handle_domain_error(error: DomainError):
    """Commit what the refusal must keep (its audit), else roll back; then tell the person."""
    if error.keeps_changes:
        db.session.commit()
    else:
        db.session.rollback()
    if request.method == "POST" and _same_site(request.referrer):
        flash(str(error), "error")
        return redirect(request.referrer, 303)
    return render_template("error.html", message=str(error)), 400


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
