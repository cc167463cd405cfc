from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, Ticket


def test_agents_create(runner, ctx):
    result = runner.invoke(
        args=[
            "agents",
            "create",
            "boss@example.test",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    agent = db.session.scalar(select(Agent))
    assert agent.role == "admin" and agent.check_password("a-long-password")


def test_agents_create_refuses_short_password(runner, ctx):
    result = runner.invoke(args=["agents", "create", "boss@example.test", "--password", "short"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(Agent.id))) == 0


def test_demo_seed_is_idempotent(runner, ctx):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    tickets = db.session.scalar(select(func.count(Ticket.id)))
    assert tickets >= 3
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert db.session.scalar(select(func.count(Ticket.id))) == tickets
