"""SMS behind one interface: `provider().send(phone, template, params)` returns the message id.

The provider is chosen by config `SMS_PROVIDER` ("console", the default, writes the text to the
log). A provider raises `SmsError`; `permanent` says whether trying again can help.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)

# Template texts (what the console provider shows; a real provider maps them to its codes).
TEMPLATES: dict[str, str] = {
    "login_code": "您的登录验证码是 {code}，5 分钟内有效。请勿告诉他人。",
    "register_code": "您的注册验证码是 {code}，5 分钟内有效。请勿告诉他人。",
}


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsProvider(Protocol):
    name: str

    def send(self, phone: str, template: str, params: dict[str, str]) -> str: ...


class ConsoleProvider:
    """Development: the message goes to the log, nowhere else."""

    name = "console"

    def send(self, phone: str, template: str, params: dict[str, str]) -> str:
        if template not in TEMPLATES:
            raise SmsError(f"unknown SMS template {template!r}", permanent=True)
        message_id = "console-" + uuid.uuid4().hex
        log.warning("SMS to %s (%s): %s", phone, message_id, TEMPLATES[template].format(**params))
        return message_id


_PROVIDERS: dict[str, type] = {"console": ConsoleProvider}


def provider() -> SmsProvider:
    name = current_app.config.get("SMS_PROVIDER") or "console"
    try:
        return _PROVIDERS[name]()
    except KeyError:
        raise SmsError(f"unknown SMS_PROVIDER {name!r}", permanent=True) from None
