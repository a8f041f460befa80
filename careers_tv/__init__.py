"""Careers TV: the platform package (named so because `platform/` would shadow the stdlib)."""

from __future__ import annotations

from flask import Flask

from . import config as config_module
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import init_i18n, select_locale
from .observability import init_observability


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Nothing here touches the network or runs migrations."""
    settings = config_module.load(overrides=config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(settings)
    init_observability(app)  # first: the request id and the clock then cover every hook

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)  # after CSRF: a forged request is refused before it is counted
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "portal.login"

    from . import models  # noqa: F401 - registers the tables on db.metadata
    from .api import bp as api_bp
    from .api.http import init_http as init_api
    from .backends import init_backends
    from .cli import tv_cli
    from .errors import register_error_handlers
    from .jobs.celery_app import celery_init_app
    from .portal import bp as portal_bp
    from .public import bp as public_bp
    from .security import init_security
    from .storage import init_storage

    init_storage(app)
    init_backends(app)
    celery_init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    init_api(app)
    register_error_handlers(app)
    init_i18n(app)
    init_security(app)
    app.cli.add_command(tv_cli)
    return app
