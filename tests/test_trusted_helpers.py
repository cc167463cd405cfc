"""Trusted helpers: named by the customer (verified by phone), proven by a code to the helper's
own phone, unlocking only the fields the customer chose; never able to add another helper or
change contact details; every use audited with the helper's id."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Ticket, TrustedHelper
from tests import support
from tests.test_identity import (  # noqa: F401
    PHONE,
    _page,
    _verified,
    agent,
    enter_code,
    send_code,
    sms_code,
    ticket_id,  # noqa: F401
)

HELPER_PHONE = "+46709998877"


def _verify_customer(app, client, ticket_id, twilio_stub):  # noqa: F811
    send_code(client, ticket_id, "sms")
    support.run_jobs(app)
    enter_code(client, ticket_id, sms_code(twilio_stub))
    assert _verified(app, ticket_id) == "phone"


def _add_helper(client, ticket_id, **fields):  # noqa: F811
    data = {
        "csrf_token": support.csrf_token(_page(client, ticket_id)),
        "name": "Elsa Berg",
        "phone": "070-999 88 77",
        "may_see": ["address"],
        "scope": "ticket",
        "days": "30",
        **fields,
    }
    response = client.post(f"/agent/identity/tickets/{ticket_id}/helpers", data=data)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _expire_verification(app, ticket_id):  # noqa: F811
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.verified_until = None
        ticket.verified_level = None
        db.session.commit()


def test_a_verified_customer_names_a_helper_who_proves_their_own_identity(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    assert "The customer wants to name a helper" not in _page(agent, ticket_id)  # not verified
    refused = _add_helper(agent, ticket_id)
    assert "Only the customer, verified by phone" in refused
    _verify_customer(app, agent, ticket_id, twilio_stub)
    page = _add_helper(agent, ticket_id)
    assert "Helper added" in page and "Elsa Berg" in page
    with app.app_context():
        helper = db.session.scalar(select(TrustedHelper))
        assert helper.phone == HELPER_PHONE and helper.may_see == ["address"]
        helper_id = helper.id

    _expire_verification(app, ticket_id)  # later: the helper calls instead of the customer
    page = _page(agent, ticket_id)
    response = agent.post(
        f"/agent/identity/tickets/{ticket_id}/helpers/{helper_id}/code",
        data={"csrf_token": support.csrf_token(page)},
    )
    assert response.status_code == 302
    support.run_jobs(app)
    sent = twilio_stub.messages()[-1]
    assert sent.value("To") == HELPER_PHONE  # the helper's own phone, never the customer's
    code = re.search(r"\b(\d{6})\b", sent.value("Body")).group(1)
    page = enter_code(agent, ticket_id, code)
    assert _verified(app, ticket_id) == "helper"
    assert "You are speaking with a helper, not the customer: Elsa Berg." in page
    assert "Storgatan 1" in page  # the address the customer let the helper hear
    assert "AC-778812" not in page and PHONE not in page  # but nothing else

    # A helper can neither name another helper nor change the customer's contact details.
    assert "The customer wants to name a helper" not in page
    refused = _add_helper(agent, ticket_id, name="Per", phone="0701112233")
    assert "A helper cannot" in refused
    with app.app_context():
        assert db.session.scalar(select(TrustedHelper).where(TrustedHelper.name == "Per")) is None
        disclosed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.disclosed")
        ).all()
        assert disclosed and all(e.detail.get("helper_id") == helper_id for e in disclosed[-1:])


def test_revoking_a_helper_ends_their_access_at_once(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    _verify_customer(app, agent, ticket_id, twilio_stub)
    _add_helper(agent, ticket_id)
    with app.app_context():
        helper_id = db.session.scalar(select(TrustedHelper.id))
    _expire_verification(app, ticket_id)
    page = _page(agent, ticket_id)
    agent.post(
        f"/agent/identity/tickets/{ticket_id}/helpers/{helper_id}/code",
        data={"csrf_token": support.csrf_token(page)},
    )
    support.run_jobs(app)
    code = re.search(r"\b(\d{6})\b", twilio_stub.messages()[-1].value("Body")).group(1)
    enter_code(agent, ticket_id, code)
    agent.post(
        f"/agent/identity/tickets/{ticket_id}/helpers/{helper_id}/revoke",
        data={"csrf_token": support.csrf_token(_page(agent, ticket_id))},
    )
    page = _page(agent, ticket_id)
    assert "Storgatan 1" not in page and _verified(app, ticket_id) is None


def test_a_helper_needs_their_own_contact(
    app,
    agent,  # noqa: F811
    ticket_id,  # noqa: F811
    twilio_stub,
):
    _verify_customer(app, agent, ticket_id, twilio_stub)
    assert "customer&#39;s own contact" in _add_helper(agent, ticket_id, phone=PHONE) or (
        "customer's own contact" in _add_helper(agent, ticket_id, phone=PHONE)
    )
    assert "own phone number or email" in _add_helper(agent, ticket_id, phone="")
    with app.app_context():
        assert db.session.scalar(select(TrustedHelper)) is None
