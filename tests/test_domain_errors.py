"""Domain refusals share one base with translated messages; states are str enums."""

from __future__ import annotations

import importlib
import pkgutil

from flask_babel import force_locale
from sqlalchemy import select

import app.domain
from app import create_app
from app.domain.errors import DomainError
from app.domain.tickets import StaleVersion, TicketError, check_version
from app.extensions import db
from app.models import Customer, Ticket
from app.models.enums import (
    ArticleStatus,
    CallbackStatus,
    Channel,
    Role,
    TicketStatus,
)
from tests import support


def test_every_domain_error_class_has_the_common_base():
    found = []
    for info in pkgutil.iter_modules(app.domain.__path__):
        module = importlib.import_module(f"app.domain.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Exception)
                and value.__module__ == module.__name__
            ):
                found.append(value)
                assert issubclass(value, DomainError), value
    assert len(found) >= 8


def test_domain_error_messages_are_translated_when_shown(tmp_path, compiled_translations):
    application = create_app(support.test_config("sqlite://", tmp_path))
    with application.test_request_context():
        error = TicketError()
        assert str(error) == "That is not allowed."
        with force_locale("sv"):
            assert str(error) == "Det går inte."
        stale = _stale("HD-123456")
        assert str(stale).startswith("HD-123456 was changed by someone else")
        with force_locale("sv"):
            assert str(stale).startswith("HD-123456 ändrades av någon annan")


def _stale(reference: str) -> StaleVersion:
    ticket = Ticket(reference=reference, version=2)
    try:
        check_version(ticket, 1)
    except StaleVersion as error:
        return error
    raise AssertionError("no StaleVersion")


def test_stored_values_of_the_enums_are_the_old_strings():
    assert [s.value for s in TicketStatus] == ["new", "open", "waiting", "resolved", "closed"]
    assert [r.value for r in Role] == ["agent", "admin"]
    assert [s.value for s in ArticleStatus] == [
        "draft",
        "approved",
        "published",
        "review",  # issue 21: a published answer that may no longer be true
        "retracted",
        "rejected",
    ]
    assert [s.value for s in CallbackStatus] == [
        "pending",
        "dialing",
        "completed",
        "no_answer",
        "failed",
        "cancelled",
    ]
    assert {"email", "sms", "voice", "web"} <= {c.value for c in Channel}
    assert TicketStatus.OPEN == "open" and f"{TicketStatus.OPEN}" == "open"


def test_an_escaping_domain_error_is_flashed_back_in_the_visitors_language(
    tmp_path, compiled_translations, migrated
):
    config = support.test_config(migrated, tmp_path)
    application = create_app({**config, "WTF_CSRF_ENABLED": False})

    @application.post("/test-refusal")
    def refusal():
        raise TicketError()

    client = application.test_client()
    response = client.post("/test-refusal?lang=sv", headers={"Referer": "http://localhost/agent/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/agent/"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", "Det går inte.")]
    elsewhere = client.post("/test-refusal", headers={"Referer": "https://evil.example/"})
    assert elsewhere.status_code == 400 and "That is not allowed." in elsewhere.text


def test_enum_values_round_trip_through_the_database(ctx):
    customer = Customer(name="Ada", email="ada@example.test")
    db.session.add(customer)
    db.session.add(
        Ticket(
            reference="HD-100001",
            customer=customer,
            status=TicketStatus.WAITING,
            channel=Channel.EMAIL,
        )
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Ticket.status).where(Ticket.reference == "HD-100001"))
    assert stored == "waiting" and type(stored) is str
    assert db.session.scalar(select(Ticket).where(Ticket.status == TicketStatus.WAITING))
