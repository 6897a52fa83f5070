"""一事一议 deliberation platform: the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.local import LocalProxy

from . import config
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    instance = os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    if test_config and test_config.get("INSTANCE_PATH"):
        instance = test_config["INSTANCE_PATH"]
    app = Flask(
        __name__,
        instance_path=instance,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    config.refuse_requests_without_secret(app)
    _behind_proxy(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _init_packages(app)
    _register_blueprints(app)
    _init_request_cycle(app)

    from . import cli

    cli.init_app(app)
    return app


def _behind_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* only as far as configured: client address (login limits), https
    (HSTS, secure URLs), host and prefix (external URLs in QR codes, iCal, Atom, print)."""
    counts = {name: int(app.config[f"PROXY_FIX_X_{name.upper()}"])
              for name in ("for", "proto", "host", "port", "prefix")}
    if any(counts.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"],
                                x_host=counts["host"], x_port=counts["port"],
                                x_prefix=counts["prefix"])


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every table registered before Alembic looks)
    from .database import configure_engine
    from .matters.search import autogenerate_include_name

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, include_name=autogenerate_include_name)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(ROOT / "deliberation" / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.localize_callback = _translate
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .accounts.services import load_user

    login_manager.user_loader(load_user)

    from .core import errors, headers, inputs, ops, page_cache, photos, static, storage, templating

    page_cache.init_app(app)
    storage.init_app(app)
    ops.init_app(app)
    inputs.init_app(app)
    photos.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    static.init_app(app)
    templating.init_app(app)


def _init_packages(app: Flask) -> None:
    """Each package plugs into the spine; the boot fails if the wiring is incomplete."""
    from . import (
        matters,
        meetings,
        notifications,
        opinions,
        public,
        reminders,
        tracking,
        volunteers,
    )
    from .matters import spine

    for package in (notifications, matters, meetings, tracking, opinions, volunteers, public,
                    reminders):
        package.init_app(app)
    spine.check_wiring()


def _register_blueprints(app: Flask) -> None:
    from .accounts import blueprint as accounts
    from .directory import blueprint as directory
    from .matters import blueprint as matters
    from .meetings import blueprint as meetings
    from .notifications import blueprint as notifications
    from .opinions import blueprint as opinions
    from .public import blueprint as public
    from .tracking import blueprint as tracking
    from .volunteers import blueprint as volunteers

    for package in (public, accounts, directory, matters, notifications, tracking, meetings,
                    opinions, volunteers):
        package.register(app)


def _translate(message: str) -> str:
    from flask_babel import gettext

    return gettext(message)


LOCALES = ("zh_CN", "en")


def _select_locale() -> str:
    """An explicit choice on this device > the account's saved choice > the browser > zh_CN."""
    if not request:
        return LOCALES[0]
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object()
    if isinstance(user, LocalProxy):
        user = None  # login_user(current_user) stores the proxy itself: resolving it would recurse
    saved = getattr(user, "locale", None)
    if saved in LOCALES:
        return saved
    return request.accept_languages.best_match(LOCALES, default=LOCALES[0])


def _init_request_cycle(app: Flask) -> None:
    """Services flush; the request commits once when it succeeds and rolls back otherwise."""

    from .core import page_cache
    from .core.errors import refused

    page_cache.keep_pages(app)  # runs after the commit below (after-request hooks run in reverse)

    @app.after_request
    def _commit(response):
        if not db.session.registry.has():
            return response  # answered without the database (a kept page, an unchanged poll)
        if response.status_code < 400 and not refused():
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc):
        if exc is not None:
            db.session.rollback()

    @app.context_processor
    def _globals():
        from .notifications.services import unread_count

        unread = 0
        if current_user.is_authenticated:
            if "unread" not in g:
                g.unread = unread_count(current_user.id)
            unread = g.unread
        return {
            "large_text": request.cookies.get("text") == "large",
            "current_locale": str(get_locale()),
            "unread_count": unread,
            "htmx_file": app.config["HTMX_FILE"],
        }
