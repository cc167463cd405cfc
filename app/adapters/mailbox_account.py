"""The organisation's own mail account: sign-in (password or OAuth2 XOAUTH2), IMAP, sending.

OAuth2 access tokens for mailboxes (XOAUTH2 for IMAP and SMTP).

Microsoft 365: an app registration with a client secret; `msal` gets an app-only token
(client credentials) for `https://outlook.office365.com/.default`. Google Workspace: a
service account with domain-wide delegation; `google-auth` signs a JWT for the mailbox user
and trades it for a token with the `https://mail.google.com/` scope. Both libraries cache
the token until shortly before it expires, so we keep one client per mailbox.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import msal
import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from app.domain.mailboxes import MailboxConfig

log = logging.getLogger(__name__)

MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_SCOPE = "https://mail.google.com/"

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SignInRefused(Exception):
    """The provider (or the mail server) refused our credentials; a person must act."""


def xoauth2(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial client response, base64 (as SMTP AUTH sends it)."""
    return base64.b64encode(f"user={username}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def _microsoft(config: MailboxConfig) -> str:
    key = ("microsoft", config.name, config.tenant, config.client_id, config.password)
    with _lock:
        client = _clients.get(key)
        if client is None:
            authority = config.token_url or f"https://login.microsoftonline.com/{config.tenant}"
            options: dict = {}
            if config.ca_file:
                # a private CA (tests, a TLS-inspecting proxy): REQUESTS_CA_BUNDLE in the
                # environment would override a Session's own `verify`, so ignore the env
                session = requests.Session()
                session.trust_env = False
                session.verify = config.ca_file
                options["http_client"] = session
            if config.token_url:
                options["instance_discovery"] = False
            client = msal.ConfidentialClientApplication(
                config.client_id,
                client_credential=config.password,
                authority=authority,
                **options,
            )
            _clients[key] = client
    try:
        result = client.acquire_token_for_client(scopes=[MICROSOFT_SCOPE])
    except (ValueError, OSError) as error:  # unreachable authority, bad tenant
        raise SignInRefused(f"Microsoft sign-in failed: {type(error).__name__}") from error
    if "access_token" not in result:
        detail = (result.get("error_description") or "").split("\n")[0][:200]
        raise SignInRefused(f"Microsoft refused the app sign-in ({result.get('error')}): {detail}")
    return result["access_token"]


def _google(config: MailboxConfig) -> str:
    key = ("google", config.name, config.username, config.password)
    with _lock:
        credentials = _clients.get(key)
        if credentials is None:
            secret = config.password.strip()
            try:
                info = json.loads(secret if secret.startswith("{") else Path(secret).read_text())
            except (OSError, ValueError) as error:
                raise SignInRefused(
                    "Google: the service-account key is not readable JSON"
                ) from error
            if config.token_url:
                info["token_uri"] = config.token_url
            try:
                credentials = service_account.Credentials.from_service_account_info(
                    info, scopes=[GOOGLE_SCOPE], subject=config.username
                )
            except (ValueError, KeyError) as error:
                raise SignInRefused(
                    f"Google: the service-account key is incomplete ({error})"
                ) from error
            _clients[key] = credentials
    if not credentials.valid:
        try:
            credentials.refresh(Request())
        except GoogleAuthError as error:
            raise SignInRefused(f"Google refused the sign-in: {str(error)[:200]}") from error
    return credentials.token


def access_token(config: MailboxConfig) -> str:
    """A current OAuth2 access token for the mailbox, or SignInRefused saying why not."""
    if config.auth == "microsoft":
        return _microsoft(config)
    if config.auth == "google":
        return _google(config)
    raise ValueError(f"{config.auth} is not an OAuth2 sign-in")


def forget(config: MailboxConfig) -> None:
    """Drop cached clients (after the server refused a token: get a fresh one next time)."""
    with _lock:
        for key in [k for k in _clients if k[1] == config.name]:
            del _clients[key]


def imap_connect(config: MailboxConfig, timeout: float = 60) -> IMAPClient:
    """Open and sign in. TLS is verified (implicit TLS or STARTTLS) unless `plain`."""
    context = _context(config)
    client = IMAPClient(
        config.host,
        port=config.port,
        ssl=config.security == "tls",
        ssl_context=context if config.security == "tls" else None,
        timeout=timeout,
    )
    try:
        if config.security == "starttls":
            client.starttls(context)
        if config.auth == "password":
            client.login(config.username, config.password)
        else:
            token = access_token(config)
            try:
                client.oauth2_login(config.username, token)
            except LoginError:
                forget(config)  # a revoked token may still be cached: fetch a new one next time
                raise
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


# sending through the account ---------------------------------------------------------------
# When a mailbox has a submission server (`smtp_host`), replies leave through it: implicit
# TLS (465) or STARTTLS (587), signed in by password or XOAUTH2, as the organisation's mail
# client would. A copy then goes to the Sent folder (\\Seen) so the thread looks normal in
# Outlook or Gmail. The copy is best effort: the mail is already sent, so a failed APPEND is
# logged, never retried (a retry would send the mail twice).


def _context(config: MailboxConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if config.ca_file:
        context.load_verify_locations(config.ca_file)
    return context


def _sign_in(smtp: smtplib.SMTP, config: MailboxConfig) -> None:
    if config.auth == "password":
        smtp.login(config.username, config.password)
        return
    token = access_token(config)
    answered = []

    def xoauth2(challenge: bytes | None = None) -> str:
        # first call: the initial response; a second call means the server sent an error
        # challenge (JSON), which SASL XOAUTH2 answers with an empty line before the 535
        if answered:
            return ""
        answered.append(True)
        return f"user={config.username}\x01auth=Bearer {token}\x01\x01"

    smtp.ehlo_or_helo_if_needed()
    smtp.auth("XOAUTH2", xoauth2, initial_response_ok=True)


def send(
    mail: EmailMessage,
    config: MailboxConfig,
    *,
    envelope_from: str | None,
    before_final_dot: Callable[[], None] | None = None,
    not_taken: Callable[[], None] | None = None,
) -> None:
    """Submit through the mailbox's server (raises on failure so the job retries).

    `before_final_dot`/`not_taken` keep the relay's contract (app.adapters.smtp.send): the
    first runs just before the message is handed over, the second when the server surely
    did not take it (it answered with an error).
    """
    # Submission servers want the signed-in account as envelope sender; an auto-reply
    # still says what it is in its Auto-Submitted header (RFC 3834).
    sender = envelope_from or config.email_address
    if config.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            config.smtp_host, config.smtp_port, timeout=30, context=_context(config)
        )
    else:
        smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30)
    with smtp:
        if config.smtp_security == "starttls":
            smtp.starttls(context=_context(config))
        _sign_in(smtp, config)
        if before_final_dot is not None:
            before_final_dot()
        try:
            smtp.send_message(mail, from_addr=sender)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
            if not_taken is not None:
                not_taken()
            raise
    if config.sent_folder:
        copy_to_sent(mail, config)


def copy_to_sent(mail: EmailMessage, config: MailboxConfig) -> None:
    """APPEND a copy to the Sent folder (creating it if needed); never raises."""
    try:
        client = imap_connect(config, timeout=30)
    except Exception as error:  # noqa: BLE001 - the mail is sent; the copy is a courtesy
        log.warning("could not copy a sent reply to %s: %s", config.name, type(error).__name__)
        return
    try:
        if not client.folder_exists(config.sent_folder):
            client.create_folder(config.sent_folder)
        client.append(
            config.sent_folder, mail.as_bytes(policy=policy.SMTP), [b"\\Seen"], datetime.now(UTC)
        )
    except Exception as error:  # noqa: BLE001
        log.warning("could not copy a sent reply to %s: %s", config.name, type(error).__name__)
    finally:
        with contextlib.suppress(Exception):
            client.logout()
