import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, ConfigError, from_environment


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_with_real_secrets_starts_with_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-token")
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_postgres_scheme_is_normalized(monkeypatch):

    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert from_environment()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
