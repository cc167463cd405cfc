"""Queue search finds people as agents type them: å/ä/ö in any case, first name or surname."""

from __future__ import annotations

from app.extensions import db
from app.models import Customer
from tests.test_agent_queue import _open


def _rows(client, query: str) -> str:
    return client.get("/agent/", query_string={"q": query}).get_data(as_text=True)


def test_names_with_swedish_letters_are_found_in_any_case(app, logged_in):
    client, _ = logged_in
    _open(app, 1, subject="Router blinks", email="asa@example.test", name="Åsa Öberg")
    _open(app, 1, subject="Invoice twice", email="ake@example.test", name="Åke Ärlig")
    _open(app, 1, subject="Other thing", email="asta@example.test", name="Asta Berg")
    for query in ("åsa", "ÅSA", "Åsa ö", "öberg", "ÖBERG", "Öbe"):
        html = _rows(client, query)
        assert "Router blinks" in html, query
        assert "Invoice twice" not in html and "Other thing" not in html, query
    assert "Invoice twice" in _rows(client, "ärlig")
    assert "Other thing" in _rows(client, "berg")  # the surname, not "Öberg"
    assert "Router blinks" not in _rows(client, "berg")


def test_a_renamed_customer_is_found_by_the_new_name(app, logged_in):
    client, _ = logged_in
    [ticket_id] = _open(app, 1, subject="Renamed", email="r@example.test", name="Old Name")
    with app.app_context():
        customer = db.session.scalar(db.select(Customer))
        customer.name = "Östen Ålund"
        db.session.commit()
        assert (customer.name_folded, customer.name_tail_folded) == ("östen ålund", "ålund")
    assert "Renamed" in _rows(client, "ÅLUND") and "Renamed" not in _rows(client, "old")
    assert ticket_id
