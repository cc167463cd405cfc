"""OAuth2 access tokens for mailboxes (XOAUTH2 for IMAP and SMTP).

Microsoft 365: an app registration with a client secret; `msal` gets an app-only token
(client credentials) for `https://outlook.office365.com/.default`. Google Workspace: a
service account with domain-wide delegation; `google-auth` signs a JWT for the mailbox user
and trades it for a token with the `https://mail.google.com/` scope. Both libraries cache
the token until shortly before it expires, so we keep one client per mailbox.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

from app.domain.mailboxes import MailboxConfig

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
    import msal

    key = ("microsoft", config.name, config.tenant, config.client_id, config.password)
    with _lock:
        client = _clients.get(key)
        if client is None:
            authority = config.token_url or f"https://login.microsoftonline.com/{config.tenant}"
            options: dict = {}
            if config.extra.get("ca_file"):
                options["verify"] = config.extra["ca_file"]
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
    from google.auth.exceptions import GoogleAuthError
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

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
