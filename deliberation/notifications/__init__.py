"""Notifications: the bell, and delivery by SMS and email from an outbox (see worker.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..accounts import sms_login
    from ..core import clock
    from . import digest, worker

    worker.init_app(app)  # `flask deliver`, `flask worker`, RQ after commit, the dev thread
    clock.register(clock.Job("digest", 50, digest.run, "{n} digest email(s) sent."))
    sms_login.register_sender(_send_code)


def _send_code(phone: str, template: str, params: dict[str, str]) -> str:
    """Login and registration codes go out at once (the user is waiting), never via the outbox:
    no code is ever stored in plain text."""
    from ..accounts.sms_login import CodeNotSent
    from . import sms

    try:
        return sms.provider().send(phone, template, params)
    except sms.SmsError as exc:
        raise CodeNotSent(str(exc)) from exc
