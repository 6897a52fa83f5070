"""The channels behind one interface: `send(delivery, note, user) -> provider message id`.

    in_app   the notification row itself (the bell): written, never sent
    email    SMTP (standard library): plain text + HTML, List-Unsubscribe (one click, RFC 8058),
             the meeting's iCal file attached to meeting notices
    sms      the SMS provider (sms.py): console in development, Aliyun in production

A channel raises DeliveryError (permanent or not) when it did not send.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from . import preferences, sms
from .models import Delivery, Notification


@dataclass(frozen=True)
class Attachment:
    data: bytes
    maintype: str
    subtype: str
    filename: str
    params: dict = field(default_factory=dict)


# What a stage attaches to a notice's email (the meetings stage: the meeting's iCal file).
ATTACHMENTS: list[Callable[[Notification], Attachment | None]] = []


def register_attachment(attach: Callable[[Notification], Attachment | None]) -> None:
    if attach not in ATTACHMENTS:
        ATTACHMENTS.append(attach)


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, delivery: Delivery, note: Notification, user) -> str: ...


def reader_locale(user) -> str:
    return user.locale or "zh_CN"


def notice_text(note: Notification, user) -> tuple[str, str]:
    """(what happened, the matter's title or "") in the reader's language."""
    from .services import display_text
    from .views.bell import kind_label

    with force_locale(reader_locale(user)):
        what, said = str(kind_label(note.kind)), display_text(note)
        event = f"{what}{gettext('：')}{said}" if said and said != what else what
        # The matter's title by its table (notifications sit below the matters package).
        matter = db.metadata.tables["matter"]
        title = db.session.scalar(select(matter.c.title).where(matter.c.id == note.matter_id)) \
            if note.matter_id else None
        return event, title or ""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="email-unsubscribe")


def unsubscribe_token(user_id: int, group: str) -> str:
    return _serializer().dumps({"u": user_id, "g": group})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("g") not in preferences.GROUPS:
        return None
    return int(data["u"]), str(data["g"])


def out_id(delivery: Delivery, attempt: int) -> str:
    """Our id of one attempt of a delivery, given to the provider with the message."""
    return f"d{delivery.id}-{attempt}"


class InAppChannel:
    name = "in_app"

    def send(self, delivery: Delivery, note: Notification, user) -> str:
        return f"notification-{note.id}"

    def find(self, delivery: Delivery, user, attempt: int, days: list) -> str | None:
        return None


class SmsChannel:
    name = "sms"

    def send(self, delivery: Delivery, note: Notification, user) -> str:
        if not preferences.phone_verified(user):
            raise DeliveryError("phone not verified", permanent=True)
        event, title = notice_text(note, user)
        template, params = (("notice", {"title": title[:20], "event": event[:60]}) if title
                            else ("notice_plain", {"event": event[:70]}))
        try:
            return sms.provider().send(user.phone, template, params,
                                       out_id=out_id(delivery, delivery.attempts))
        except sms.SmsError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from None

    def find(self, delivery: Delivery, user, attempt: int, days: list) -> str | None:
        """Did the provider accept attempt `attempt` (whose worker died before recording)?"""
        try:
            return sms.provider().find(user.phone, out_id(delivery, attempt), days)
        except sms.SmsError as exc:
            raise DeliveryError(f"asking the provider: {exc}", permanent=False) from None


class EmailChannel:
    name = "email"

    def compose(self, note: Notification, user, address: str) -> EmailMessage:
        event, title = notice_text(note, user)
        group = preferences.group_of(note.kind)
        unsubscribe = url_for("notifications.unsubscribe", token=unsubscribe_token(user.id, group),
                              _external=True)
        link = (url_for("matters.detail", matter_id=note.matter_id, _external=True)
                if note.matter_id else url_for("notifications.index", _external=True))
        with force_locale(reader_locale(user)):
            subject = f"{gettext('社区议事厅')}：{title or event.splitlines()[0]}"[:150]
            context = {"event": event, "title": title, "link": link, "unsubscribe": unsubscribe,
                       "group_label": str(preferences.GROUPS[group]), "user": user}
            plain = render_template("notifications/email.txt", **context)
            html = render_template("notifications/email.html", **context)
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = current_app.config.get("MAIL_FROM") or "noreply@localhost"
        msg["To"] = formataddr((user.display_name, address))
        msg["Message-ID"] = make_msgid(domain=current_app.config.get("MAIL_MSGID_DOMAIN") or None)
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(plain)
        msg.add_alternative(html, subtype="html")
        for attach in ATTACHMENTS:
            if (file := attach(note)) is not None:
                msg.add_attachment(file.data, maintype=file.maintype, subtype=file.subtype,
                                   filename=file.filename, params=file.params)
        return msg

    def find(self, delivery: Delivery, user, attempt: int, days: list) -> str | None:
        # SMTP keeps no record to ask: an email whose worker died after the server took it
        # and before the answer was recorded goes again (at least once).
        return None

    def send(self, delivery: Delivery, note: Notification, user) -> str:
        address = preferences.choice(user).email
        if not address:
            raise DeliveryError("no email address", permanent=True)
        return send_email(self.compose(note, user, address), address)


def send_email(msg: EmailMessage, address: str) -> str:
    config = current_app.config
    host, port = config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25)
    if not host:
        raise DeliveryError("MAIL_SERVER is not set", permanent=True)
    timeout = float(config.get("MAIL_TIMEOUT") or 20)
    try:
        if _on(config.get("MAIL_USE_SSL")):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if _on(config.get("MAIL_USE_TLS")):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg, to_addrs=[address])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(f"recipient refused: {exc.recipients}",
                            permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                            permanent=exc.smtp_code >= 500) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP unreachable: {exc}", permanent=False) from None
    return str(msg["Message-ID"])


CHANNELS: dict[str, Channel] = {"in_app": InAppChannel(), "email": EmailChannel(), "sms": SmsChannel()}


def _on(value) -> bool:
    """A switch from config or the environment: "0", "false", "no", "off" and "" are off."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)
