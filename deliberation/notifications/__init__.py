"""Notifications: the bell, and delivery by SMS and email from an outbox (see worker.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..core import clock
    from . import digest, worker

    worker.init_app(app)  # `flask deliver`, `flask worker`, RQ after commit, the dev thread
    clock.register(clock.Job("digest", 50, digest.run, "{n} digest email(s) sent."))
