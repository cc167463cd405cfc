"""Demo data: two agents, a few customers, tickets on every channel. Safe to run twice."""

from __future__ import annotations

from sqlalchemy import func, select

from app.domain.agents import upsert_agent
from app.domain.intake import InboundMessage, intake
from app.extensions import db
from app.models import Agent, Customer

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - documented demo credential
DEMO_AGENTS = [
    ("admin@helpdesk.test", "Alex Admin", "admin", "+46701110001"),
    ("agent@helpdesk.test", "Sam Agent", "agent", "+46701110002"),
]
DEMO_MESSAGES = [
    InboundMessage(
        channel="email",
        sender_email="anna.svensson@example.se",
        sender_name="Anna Svensson",
        subject="Jag kan inte logga in",
        language="sv",
        body_text="Hej! Jag har glömt mitt lösenord och kommer inte in på mitt konto.\n\nAnna",
        email_message_id="<demo-1@example.se>",
    ),
    InboundMessage(
        channel="email",
        sender_email="john.smith@example.com",
        sender_name="John Smith",
        subject="My invoice is wrong",
        body_text="Hello, I was charged twice this month. Could somebody call me?\n\nJohn",
        email_message_id="<demo-2@example.com>",
    ),
    InboundMessage(
        channel="sms",
        sender_phone="+46701234567",
        body_text="CALL please about my order",
        external_sid="SMdemo0000000000000000000000000001",
        continue_open_ticket=True,
    ),
    InboundMessage(
        channel="web",
        sender_phone="+46709876543",
        sender_name="Maria Lind",
        priority=2,
        subject="Please call me back",
        body_text="Callback requested: my internet is down.",
    ),
]


def seed_demo() -> str:
    for email, name, role, phone in DEMO_AGENTS:
        exists = db.session.scalar(select(Agent.id).where(func.lower(Agent.email) == email))
        if exists is None:
            upsert_agent(email, DEMO_PASSWORD, name=name, role=role, phone=phone)
    opened = 0
    for inbound in DEMO_MESSAGES:
        # Mail and SMS are idempotent on their ids; the web request is checked by phone.
        if inbound.channel == "web" and db.session.scalar(
            select(Customer.id).where(Customer.phone == inbound.sender_phone)
        ):
            continue
        result = intake(inbound)
        opened += int(result.created_ticket)
    customer = db.session.scalar(
        select(Customer).where(Customer.email == "anna.svensson@example.se")
    )
    if customer is not None and not customer.phone:
        customer.phone = "+46705550123"
        customer.address = "Storgatan 12, 111 22 Stockholm"
        customer.account_number = "ACC-100234"
    return (
        f"demo data ready: {len(DEMO_AGENTS)} agents, {opened} new tickets "
        f"(log in as admin@helpdesk.test / {DEMO_PASSWORD})"
    )
