"""Each test's writes are rolled back (or wiped) before the next test: no test sees another's."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer


def test_a_commit_inside_a_test_is_real_to_the_code(ctx, client):
    db.session.add(Customer(name="Leaky", email="leaky@example.test"))
    db.session.commit()
    # A request (its own app context and session) sees the committed row.
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_the_next_test_starts_empty(ctx):
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
