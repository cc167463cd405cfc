"""`flask inbound serve`: run the SMTP (or LMTP) server until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click
from aiosmtpd.controller import Controller
from flask import current_app
from flask.cli import AppGroup
from imapclient.exceptions import LoginError
from prometheus_client import start_http_server

from app.adapters.mailbox_account import SignInRefused
from app.domain.mailboxes import MailboxConfigError
from inbound.imap import CONNECTION_ERRORS, MailboxFetcher, MailboxSupervisor
from inbound.server import HelpdeskController

inbound_cli = AppGroup("inbound", help="The inbound mail server.")


def run_until_stopped(controller) -> None:
    """Serve until Ctrl-C or SIGTERM (scripts/supervise.py, systemd), then stop cleanly."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@inbound_cli.command("serve")
@click.option("--host", default=None, help="Listen address (default INBOUND_HOST).")
@click.option("--port", type=int, default=None, help="Port (default INBOUND_PORT, 2525).")
@click.option("--lmtp", is_flag=True, help="Speak LMTP, for running behind Postfix.")
def serve(host: str | None, port: int | None, lmtp: bool) -> None:
    """Receive mail; every accepted message is committed before we answer 250."""

    app = current_app._get_current_object()
    host = host or app.config["INBOUND_HOST"]
    port = port or app.config["INBOUND_PORT"]
    if app.config["INBOUND_METRICS_PORT"]:
        start_http_server(app.config["INBOUND_METRICS_PORT"], addr=host)
    controller = HelpdeskController(app, host=host, port=port, lmtp=lmtp)
    controller.start()
    click.echo(f"{'LMTP' if lmtp else 'SMTP'} server listening on {host}:{port}")
    run_until_stopped(controller)


@inbound_cli.command("imap")
@click.option("--once", is_flag=True, help="Import what is waiting in every mailbox, then exit.")
def imap(once: bool) -> None:
    """Read the mailboxes of IMAP_MAILBOXES and the admin page; IDLE (or poll) for new mail."""
    app = current_app._get_current_object()
    supervisor = MailboxSupervisor(app)
    try:
        configs = supervisor.configs()
    except MailboxConfigError as error:
        raise click.ClickException(str(error)) from error
    if once:
        failed = False
        for config in configs.values():
            fetcher = MailboxFetcher(app, config)
            try:
                fetcher.open()
                done = fetcher.drain()
            except (LoginError, SignInRefused) as error:
                failed = True
                click.echo(f"{config.name}: {fetcher.sign_in_message(error)}", err=True)
                continue
            except CONNECTION_ERRORS as error:
                failed = True
                click.echo(f"{config.name}: cannot reach the server ({error})", err=True)
                continue
            finally:
                fetcher.close()
            click.echo(f"{config.name}: {done.imported} imported, {done.rejected} set aside")
        if failed:
            raise SystemExit(1)
        return
    if not configs:
        click.echo("No mailbox configured yet: add one on the admin page (checked every 30 s).")
    else:
        click.echo(f"Reading {len(configs)} mailbox(es): {', '.join(configs)}")
    thread = threading.Thread(target=supervisor.run, name="imap-supervisor", daemon=True)
    thread.start()

    class _Stopper:
        def stop(self) -> None:
            supervisor.stop.set()
            thread.join(30)

    run_until_stopped(_Stopper())


@inbound_cli.command("devsink")
@click.option("--port", type=int, default=None, help="Port (default SMTP_RELAY_PORT, 1025).")
def devsink(port: int | None) -> None:
    """Development only: catch our outgoing mail and save it as .eml files in instance/sent-mail."""

    folder = Path(current_app.config["DATA_DIR"]) / "sent-mail"
    folder.mkdir(parents=True, exist_ok=True)

    class SaveHandler:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            SaveHandler.count += 1
            name = f"{SaveHandler.count:06d}.eml"
            (folder / name).write_bytes(envelope.original_content or envelope.content)
            click.echo(f"devsink: saved {name}")
            return "250 OK"

    controller = Controller(
        SaveHandler(), hostname="127.0.0.1", port=port or current_app.config["SMTP_RELAY_PORT"]
    )
    controller.start()
    click.echo(f"devsink: outgoing mail is saved in {folder}")
    run_until_stopped(controller)
