"""Settings from environment variables, with safe defaults for development.

Every variable is listed in the README's configuration table. Production mode
(`HELPDESK_ENV=production`) refuses to start with a missing or default secret.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the known-bad value we refuse in production


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe for the selected mode."""


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _list(name: str, default: str) -> list[str]:
    return [
        item.strip().lower() for item in os.environ.get(name, default).split(",") if item.strip()
    ]


def _engine_options(database_url: str) -> dict:
    """Never wait forever on a lock: a locked database must become a 4xx the sender retries
    (SQLite waits busy_timeout, 5 s; PostgreSQL gets the same as lock_timeout)."""
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        lock_ms = _int("DB_LOCK_TIMEOUT_MS", 5000)
        options["connect_args"] = {"options": f"-c lock_timeout={lock_ms}"}
    return options


def from_environment() -> dict:
    """Read the whole configuration once; `create_app` may override any key."""
    env = os.environ.get("HELPDESK_ENV", "development")
    instance = Path(os.environ.get("HELPDESK_DATA_DIR", BASE_DIR / "instance"))
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'helpdesk.sqlite3'}")
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    production = env == "production"
    return {
        "HELPDESK_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "DATA_DIR": str(instance),
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR", str(instance / "attachments")),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "helpdesk"),
        "OUTBOX_POLL_SECONDS": float(os.environ.get("OUTBOX_POLL_SECONDS", "0.5")),
        "OUTBOX_STALE_SECONDS": _int("OUTBOX_STALE_SECONDS", 600),
        "OUTBOX_JOB_TIMEOUT": _int("OUTBOX_JOB_TIMEOUT", 60),
        # Retention: how often the purge runs, and rows per short transaction.
        "RETENTION_EVERY_MINUTES": _int("RETENTION_EVERY_MINUTES", 60),
        # how often the relay schedules the overdue-SLA check (app.domain.sla.check_overdue)
        "SLA_CHECK_EVERY_SECONDS": _int("SLA_CHECK_EVERY_SECONDS", 60),
        "SLA_NOTICE_MAX_LATE_HOURS": _int("SLA_NOTICE_MAX_LATE_HOURS", 48),
        "RETENTION_BATCH": _int("RETENTION_BATCH", 200),
        "JOB_RETRY_INTERVALS": [
            int(x) for x in os.environ.get("JOB_RETRY_INTERVALS", "10,60,300").split(",") if x
        ],
        # Cookies: secure unless explicitly developing over plain http.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_SECONDS", 8 * 3600),
        "PERMANENT_SESSION_LIFETIME_SECONDS": _int("SESSION_LIFETIME_SECONDS", 8 * 3600),
        # An agent session unused this long ends (server-side, whatever the cookie says).
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "WTF_CSRF_TIME_LIMIT": None,
        # No form here needs more; a bigger body is refused (413) before it is parsed.
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 256 * 1024),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_FAILURE_WINDOW_SECONDS": _int("LOGIN_FAILURE_WINDOW_SECONDS", 900),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "sv"],
        # Email
        "SUPPORT_ADDRESS": os.environ.get("SUPPORT_ADDRESS", "support@helpdesk.test").lower(),
        "SUPPORT_NAME": os.environ.get("SUPPORT_NAME", "Callback Helpdesk"),
        "INBOUND_DOMAINS": _list("INBOUND_DOMAINS", "helpdesk.test"),
        "INBOUND_HOST": os.environ.get("INBOUND_HOST", "127.0.0.1"),
        "INBOUND_PORT": _int("INBOUND_PORT", 2525),
        "INBOUND_MAX_BYTES": _int("INBOUND_MAX_BYTES", 25 * 1024 * 1024),
        "INBOUND_MAX_CONNECTIONS": _int("INBOUND_MAX_CONNECTIONS", 100),
        # One client may not take every slot, nor keep one: per-address cap, idle timeout
        # (before and between commands, and while DATA arrives), whole-life limit, NOOPs.
        "INBOUND_MAX_CONNECTIONS_PER_ADDRESS": _int("INBOUND_MAX_CONNECTIONS_PER_ADDRESS", 10),
        "INBOUND_IDLE_TIMEOUT_SECONDS": _int("INBOUND_IDLE_TIMEOUT_SECONDS", 30),
        "INBOUND_MAX_CONNECTION_SECONDS": _int("INBOUND_MAX_CONNECTION_SECONDS", 600),
        "INBOUND_MAX_NOOPS": _int("INBOUND_MAX_NOOPS", 10),
        "INBOUND_MAX_RECIPIENTS": _int("INBOUND_MAX_RECIPIENTS", 50),
        # verify: compute SPF/DKIM/DMARC (direct MX); trusted-relay: believe only the
        # Authentication-Results of INBOUND_AUTHSERV_ID from INBOUND_TRUSTED_RELAYS; off.
        "INBOUND_AUTH": os.environ.get("INBOUND_AUTH", "verify"),
        "INBOUND_AUTHSERV_ID": os.environ.get("INBOUND_AUTHSERV_ID", "mx.helpdesk.test"),
        "INBOUND_TRUSTED_RELAYS": _list("INBOUND_TRUSTED_RELAYS", "127.0.0.1,::1"),
        "INBOUND_METRICS_PORT": _int("INBOUND_METRICS_PORT", 0),
        # Group commit: mails that arrive while a commit runs, or within this many ms of the
        # first, share one transaction (a savepoint each; every 250 after the one COMMIT).
        "INBOUND_COMMIT_WINDOW_MS": _int("INBOUND_COMMIT_WINDOW_MS", 2),
        "INBOUND_COMMIT_BATCH": _int("INBOUND_COMMIT_BATCH", 64),
        # Committer threads (one connection each); 0: 1 on SQLite (one writer), 2 otherwise.
        "INBOUND_COMMITTERS": _int("INBOUND_COMMITTERS", 0),
        # /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: no /metrics.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "ATTACHMENT_MAX_BYTES": _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
        "ATTACHMENTS_MAX_TOTAL_BYTES": _int("ATTACHMENTS_MAX_TOTAL_BYTES", 25 * 1024 * 1024),
        "ACK_LIMIT_PER_SENDER_PER_HOUR": _int("ACK_LIMIT_PER_SENDER_PER_HOUR", 3),
        # Mailboxes read over IMAP (a JSON list; more can be added on the admin page)
        "IMAP_MAILBOXES": os.environ.get("IMAP_MAILBOXES", ""),
        "IMAP_POLL_SECONDS": float(os.environ.get("IMAP_POLL_SECONDS", "30")),
        "IMAP_IDLE_SECONDS": _int("IMAP_IDLE_SECONDS", 600),
        "IMAP_MAX_BYTES": _int("IMAP_MAX_BYTES", 50 * 1024 * 1024),
        "IMAP_BATCH": _int("IMAP_BATCH", 50),
        "IMAP_FAILED_FOLDER": os.environ.get("IMAP_FAILED_FOLDER", "Could not import"),
        "SMTP_RELAY_HOST": os.environ.get("SMTP_RELAY_HOST", "127.0.0.1"),
        "SMTP_RELAY_PORT": _int("SMTP_RELAY_PORT", 1025),
        "SMTP_RELAY_USER": os.environ.get("SMTP_RELAY_USER", ""),
        "SMTP_RELAY_PASSWORD": os.environ.get("SMTP_RELAY_PASSWORD", ""),
        "SMTP_RELAY_STARTTLS": _bool("SMTP_RELAY_STARTTLS", False),
        # Twilio
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN", "dev-twilio-token"),
        "TWILIO_NUMBER": os.environ.get("TWILIO_NUMBER", "+46850000000"),
        "TWILIO_API_BASE_URL": os.environ.get("TWILIO_API_BASE_URL", ""),
        # Development: where the local Twilio stand-in (make run) logs what we sent.
        "TWILIO_STANDIN_LOG": os.environ.get("TWILIO_STANDIN_LOG", ""),
        "PHONE_DEFAULT_REGION": os.environ.get("PHONE_DEFAULT_REGION", "SE"),
        "SMS_DAILY_BUDGET": _int("SMS_DAILY_BUDGET", 1000),
        "VERIFICATION_WINDOW_MINUTES": _int("VERIFICATION_WINDOW_MINUTES", 30),
        "OTP_VALID_MINUTES": _int("OTP_VALID_MINUTES", 10),
        "OTP_MAX_ATTEMPTS": _int("OTP_MAX_ATTEMPTS", 5),
        "OTP_SENDS_PER_HOUR": _int("OTP_SENDS_PER_HOUR", 3),
        # A bare 6-digit SMS this long after a code was sent is a code answer, never a message.
        "OTP_REPLY_WINDOW_MINUTES": _int("OTP_REPLY_WINDOW_MINUTES", 60),
        "OTP_MAX_FAILURES_BEFORE_LOCK": _int("OTP_MAX_FAILURES_BEFORE_LOCK", 100),
        "CONTACT_CHANGE_GRACE_DAYS": _int("CONTACT_CHANGE_GRACE_DAYS", 7),
        "BUSINESS_TIMEZONE": os.environ.get("BUSINESS_TIMEZONE", "Europe/Stockholm"),
        "CALLBACK_MAX_ATTEMPTS": _int("CALLBACK_MAX_ATTEMPTS", 3),
        "CALLBACK_RETRY_MINUTES": [
            int(x) for x in os.environ.get("CALLBACK_RETRY_MINUTES", "15,60").split(",") if x
        ],
        "CALLBACK_LIMIT_PER_PHONE_PER_HOUR": _int("CALLBACK_LIMIT_PER_PHONE_PER_HOUR", 3),
        # "Was this helpful?" votes per article per network address per day (cookie or not).
        "VOTES_PER_ADDRESS_PER_DAY": _int("VOTES_PER_ADDRESS_PER_DAY", 3),
        # Per client address: a script sends many a minute; people sharing one address (a
        # library, a care home, a mobile operator's NAT) send a few an hour between them.
        "CALLBACK_LIMIT_PER_IP_PER_MINUTE": _int("CALLBACK_LIMIT_PER_IP_PER_MINUTE", 5),
        "CALLBACK_LIMIT_PER_IP_PER_HOUR": _int("CALLBACK_LIMIT_PER_IP_PER_HOUR", 60),
        # How many proxies (nginx, a load balancer) sit in front of gunicorn and set
        # X-Forwarded-For/-Proto/-Host; 0 = none, the socket address is the client.
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "BUSINESS_COUNTRY": os.environ.get("BUSINESS_COUNTRY", ""),
        "BUSINESS_PHONE": os.environ.get("BUSINESS_PHONE", ""),
    }


def check_production_safety(config: dict) -> None:
    """Refuse to run in production with secrets that everybody knows."""
    if config.get("HELPDESK_ENV") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise ConfigError(
            "SECRET_KEY is missing, default or shorter than 32 characters; "
            "production mode refuses to start. Set SECRET_KEY to a long random value, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))".'
        )
    if config.get("TWILIO_AUTH_TOKEN") == "dev-twilio-token":
        raise ConfigError("TWILIO_AUTH_TOKEN is the development default; set the real token.")
