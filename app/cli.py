"""Flask CLI: `flask agents create`, `flask demo seed`, `flask outbox relay`, `flask worker`."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError

from app.adapters.rq_relay import redis_connection, relay_once
from app.demo import seed_demo
from app.domain import retention, sla
from app.domain.agents import upsert_agent
from app.extensions import db
from app.models.enums import Role
from app.ops.backup import create_backup, restore_backup
from inbound.cli import inbound_cli
from workers.context import use_app
from workers.runner import run_worker

log = logging.getLogger("helpdesk.cli")

agents_cli = AppGroup("agents", help="Manage agent accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
outbox_cli = AppGroup("outbox", help="The outbox relay.")
sla_cli = AppGroup("sla", help="Service levels.")


@agents_cli.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.AGENT.value)
@click.option("--phone", default=None, help="The agent's own phone, for click-to-call.")
@click.password_option(help="Password (prompted if omitted).")
def create_agent(email: str, name: str | None, role: str, phone: str | None, password: str) -> None:
    """Create an agent (or reset an existing agent's password and role)."""

    agent = upsert_agent(email, password, name=name, role=role, phone=phone)
    db.session.commit()
    click.echo(f"agent {agent.email} ({agent.role}) ready")


@demo_cli.command("seed")
def seed() -> None:
    """Create demo agents, customers and tickets (safe to run twice)."""

    created = seed_demo()
    db.session.commit()
    click.echo(created)


@outbox_cli.command("relay")
@click.option("--once", is_flag=True, help="Relay what is due and exit.")
def relay(once: bool) -> None:
    """Hand committed outbox items to RQ; survives Redis outages by retrying."""

    interval = current_app.config["OUTBOX_POLL_SECONDS"]
    every = timedelta(minutes=current_app.config["RETENTION_EVERY_MINUTES"])
    sla_every = timedelta(seconds=current_app.config["SLA_CHECK_EVERY_SECONDS"])
    redis_down = False
    while True:
        try:
            claimed = retention.claim_due(every)  # the schedule lives in the database
            claimed = sla.claim_check(sla_every) or claimed
            if claimed:
                db.session.commit()
            else:
                db.session.rollback()
            sent = relay_once()
            if redis_down:
                log.info("Redis is back; outbox relay resumed")
                redis_down = False
            if sent:
                log.info("outbox relay handed %d item(s) to RQ", sent)
        except RedisError as exc:
            if not redis_down:
                log.warning("Redis unavailable (%s); outbox items wait in the database", exc)
                redis_down = True
        except Exception:
            db.session.rollback()
            log.exception("outbox relay pass failed")
        finally:
            db.session.remove()
        if once:
            return
        time.sleep(interval if not redis_down else max(interval, 2.0))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--fork", "forking", is_flag=True, help="Fork a work horse per job (slower).")
def worker(burst: bool, forking: bool) -> None:
    """Run an RQ worker (with the retry scheduler) that rides out Redis outages."""
    app = current_app._get_current_object()
    use_app(app)
    db.engine.dispose()

    def connect():
        connection = redis_connection()
        connection.connection_pool.connection_kwargs["socket_timeout"] = None  # blocking BLPOP
        return connection

    run_worker(
        app, connect=connect, queue_name=app.config["RQ_QUEUE"], burst=burst, forking=forking
    )


@sla_cli.command("backfill")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--after-id", default=0, show_default=True, help="Start after this ticket id.")
def sla_backfill(batch_size: int, after_id: int) -> None:
    """Record SLA outcomes of tickets answered/resolved before they were recorded.

    Batched (one commit per batch), resumable and safe to run twice."""

    total = 0
    for last_id, filled in sla.backfill_outcomes(batch_size, after_id):
        total += filled
        click.echo(f"up to ticket {last_id}: {filled} filled ({total} so far)")
    click.echo(f"done: {total} tickets filled")


backup_cli = AppGroup("backup", help="Back up and restore the database and attachments.")


@backup_cli.command("create")
@click.argument("target", type=click.Path(file_okay=False))
def backup_create(target: str) -> None:
    """Write a backup of the database and attachments into the directory TARGET."""

    config = current_app.config
    manifest = create_backup(
        Path(target), config["SQLALCHEMY_DATABASE_URI"], Path(config["ATTACHMENT_DIR"])
    )
    click.echo(f"backup written to {target}: {manifest['counts']}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Confirm replacing the current data.")
def backup_restore(source: str, yes: bool) -> None:
    """Replace the database and attachments with the backup in SOURCE (stop the app first)."""

    if not yes:
        raise click.UsageError("restoring replaces all current data; add --yes to confirm")
    config = current_app.config
    manifest = restore_backup(
        Path(source), config["SQLALCHEMY_DATABASE_URI"], Path(config["ATTACHMENT_DIR"])
    )
    click.echo(f"restored the backup of {manifest['created_at']}: {manifest['counts']}")


def register_cli(app: Flask) -> None:

    app.cli.add_command(inbound_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(agents_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(worker)
