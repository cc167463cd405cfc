"""Minimal queue: open tickets, most urgent and oldest first."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from sqlalchemy import select

from app.agent import bp
from app.auth.forms import LogoutForm
from app.extensions import db
from app.models import Ticket

PAGE_SIZE = 50


@bp.route("/")
def queue():
    tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(("new", "open", "waiting")))
        .order_by(Ticket.priority.desc(), Ticket.created_at.asc(), Ticket.id.asc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template("agent/queue.html", tickets=tickets, logout_form=LogoutForm())


def register_root(app) -> None:
    @app.route("/")
    def root():
        return redirect(url_for("agent.queue"))
