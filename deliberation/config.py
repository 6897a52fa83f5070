"""Configuration: defaults here, then `instance/config.py`, then environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


DEFAULTS: dict[str, object] = {
    "APP_ENV": "production",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Failed logins (and failed registrations) per client address, and failed logins per
    # account; successful ones never count.
    "LOGIN_RATE_LIMIT": "50 per 15 minutes",
    "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
    # Behind a proxy: how many proxies set each X-Forwarded-* header (0: ignore the header).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    "COMPRESS_MIMETYPES": [
        "text/html", "text/css", "application/javascript", "text/javascript",
        "application/json", "image/svg+xml", "text/csv", "application/atom+xml",
    ],
    "COMPRESS_MIN_SIZE": 500,
    "HTMX_FILE": "vendor/htmx-4.0.1.min.js",
    "PAGE_SIZE": 20,
    # Pages for visitors without an account and unchanged live polls answered from memory until
    # the next write (core/page_cache.py); at most PAGE_CACHE_SECONDS old when only time changes.
    "PAGE_CACHE": True,
    "PAGE_CACHE_SECONDS": 5,
    "PAGE_CACHE_BYTES": 16 * 1024 * 1024,
}

# Delivery of notifications (README: Notifications); MAIL_PORT, MAIL_USE_TLS/SSL are strings.
NOTIFY_ENV_KEYS = ("REDIS_URL", "SMS_PROVIDER", "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME",
                   "MAIL_PASSWORD", "MAIL_FROM", "MAIL_USE_TLS", "MAIL_USE_SSL", "PUBLIC_BASE_URL",
                   "ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME",
                   "ALIYUN_SMS_ENDPOINT", "ALIYUN_SMS_TEMPLATE_NOTICE", "ALIYUN_SMS_TEMPLATE_NOTICE_PLAIN",
                   "ALIYUN_SMS_TEMPLATE_LOGIN_CODE", "ALIYUN_SMS_TEMPLATE_REMINDER")

# Environment variables read as they are (strings) and the ones parsed as integers.
ENV_KEYS = ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "APP_ENV", "LOGIN_RATE_LIMIT",
            "LOGIN_ACCOUNT_LIMIT", "SERVER_NAME", "PREFERRED_URL_SCHEME", "REDIS_URL",
            "STORAGE_URL", "STORAGE_S3_ENDPOINT_URL", "STORAGE_S3_REGION", "LOG_FORMAT",
            *NOTIFY_ENV_KEYS)
INT_ENV_KEYS = ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST", "PROXY_FIX_X_PORT",
                "PROXY_FIX_X_PREFIX")


def load(app, test_config: dict | None) -> None:
    """Fill `app.config` from defaults, the instance file, the environment, then `test_config`."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key in ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    for key in INT_ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = _integer(key, os.environ[key])
    if os.environ.get("PAGE_CACHE"):  # 0: keep no page between writes (core/page_cache.py)
        app.config["PAGE_CACHE"] = os.environ["PAGE_CACHE"] != "0"
    if os.environ.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",")
                                       if h.strip()]
    if test_config:
        app.config.from_mapping(test_config)
    # One Redis for every node: the rate limits are counted there, not in each process.
    if app.config.get("REDIS_URL") and not (os.environ.get("RATELIMIT_STORAGE_URI")
                                            or (test_config or {}).get("RATELIMIT_STORAGE_URI")):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]

    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "deliberation.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)

    production = app.config["APP_ENV"] == "production" and not app.config.get("TESTING")
    if not app.config.get("SECRET_KEY"):
        if production and _command_line():
            # `flask --app wsgi tick`, `audit verify`, `db upgrade`... sign nothing: a throwaway
            # key lets them run; serving requests without SECRET_KEY is refused (see below).
            app.config["SECRET_KEY"] = secrets.token_hex(32)
            app.config["SECRET_KEY_MISSING"] = True
        elif production:
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path),
                                                       app.config.get("REDIS_URL"))
    # Secure cookies outside development; SESSION_COOKIE_SECURE=0 allows a plain-HTTP trial.
    secure = production and os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure


def _integer(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number (how many proxies), not {value!r}.") from None


def _command_line() -> bool:
    """Run by the `flask` command (Flask sets this variable), not by gunicorn."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true"


def refuse_requests_without_secret(app) -> None:
    """`flask run` in production without SECRET_KEY: every request fails with the reason."""
    if not app.config.get("SECRET_KEY_MISSING"):
        return

    @app.before_request
    def _no_secret():
        raise ConfigError("SECRET_KEY is not set: set it before serving requests.")


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


DEV_SECRET_REDIS_KEY = "deliberation:dev-secret-key"  # noqa: S105 (a key name, not a secret)


def _development_secret(instance: Path, redis_url: str | None = None) -> str:
    """A random key for development, made once and then shared: kept in Redis when REDIS_URL
    is set (so every node of a development cluster signs sessions and CSRF tokens alike),
    otherwise in the instance folder (one checkout, one key). Never a per-process random."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        client.set(DEV_SECRET_REDIS_KEY, secrets.token_hex(32), nx=True)
        return client.get(DEV_SECRET_REDIS_KEY).decode()
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
