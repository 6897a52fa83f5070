"""A real SMTP server (aiosmtpd) and daytime on the street's clock for delivery tests."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiosmtpd.controller import Controller

from deliberation.core import time as clock
from tests.parallel import free_port

DAYTIME = datetime(2026, 12, 3, 2, 0)  # 10:00 in Asia/Shanghai


class Inbox:
    """Keeps every message; refuses recipients whose address starts with 'refuse'."""

    def __init__(self) -> None:
        self.messages: list = []
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    # A free port: runs at once (SQLite and PostgreSQL, or several workers) never collide.
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(smtp_server, app, monkeypatch):
    smtp_server.messages.clear()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "议事厅 <noreply@yishi.test>")
    return smtp_server


@pytest.fixture
def daytime():
    clock.freeze(DAYTIME)
    return DAYTIME
