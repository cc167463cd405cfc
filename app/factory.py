"""The application factory: extensions, blueprints, CLI, security headers, metrics."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import features, models  # noqa: F401  (models: register the schema)
from app.agent import bp as agent_bp
from app.agent.routes import register_root
from app.auth import bp as auth_bp
from app.cli import register_cli
from app.config import check_production_safety, from_environment
from app.errors import register_error_handlers
from app.extensions import babel, csrf, db, login_manager, migrate
from app.logs import configure_logging
from app.ops.metrics import register_timing
from app.security import register_security

APP_DIR = Path(__file__).resolve().parent


def select_locale() -> str | None:
    """The agent's own choice, then the visitor's pick, then the browser's language."""
    if not has_request_context():
        return None  # jobs and the CLI: the default, unless they force_locale(...)
    languages = ["en", "sv"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def translation_directories() -> str:
    """Each feature package owns its translations (app/<feature>/translations)."""
    dirs = [str(APP_DIR / "translations")]
    dirs += sorted(str(p) for p in APP_DIR.glob("*/translations") if p.is_dir())
    return ";".join(dirs)


def create_app(config: dict | None = None) -> Flask:
    """A configured app: environment settings, then `config` on top (tests)."""
    app = Flask("app", instance_path=str(APP_DIR.parent / "instance"))
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    check_production_safety(app.config)
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        # Behind nginx -> gunicorn every request comes from the proxy: trust exactly the
        # configured number of hops for the client address, scheme and host (never more,
        # or a client could choose its own address by sending X-Forwarded-For).
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())

    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(APP_DIR.parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    app.register_blueprint(auth_bp)
    app.register_blueprint(agent_bp)
    register_optional_blueprints(app)
    if not any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        register_root(app)
    register_cli(app)
    register_security(app)
    register_error_handlers(app)
    register_timing(app)

    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    return app


def register_optional_blueprints(app: Flask) -> None:
    """Feature blueprints register themselves here as they land."""
    for blueprint in features.blueprints(app.config):
        app.register_blueprint(blueprint)
