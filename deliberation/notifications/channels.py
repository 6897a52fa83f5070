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
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..matters.models import Matter
from ..meetings.models import Meeting
from . import preferences, sms
from .models import Delivery, Notification


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
    from ..matters.workflow import action_label  # noqa: F401  (labels' translations)
    from .services import display_text
    from .views import kind_label

    with force_locale(reader_locale(user)):
        what, said = str(kind_label(note.kind)), display_text(note)
        event = f"{what}{gettext('：')}{said}" if said and said != what else what
        matter = db.session.get(Matter, note.matter_id) if note.matter_id else None
        title = matter.title if matter else ""
        return event, title


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


class InAppChannel:
    name = "in_app"

    def send(self, delivery: Delivery, note: Notification, user) -> str:
        return f"notification-{note.id}"


class SmsChannel:
    name = "sms"

    def send(self, delivery: Delivery, note: Notification, user) -> str:
        if not preferences.phone_verified(user):
            raise DeliveryError("phone not verified", permanent=True)
        event, title = notice_text(note, user)
        template, params = (("notice", {"title": title[:20], "event": event[:60]}) if title
                            else ("notice_plain", {"event": event[:70]}))
        try:
            return sms.provider().send(user.phone, template, params)
        except sms.SmsError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from None


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
        meeting = db.session.get(Meeting, note.meeting_id) if note.meeting_id else None
        if meeting is not None:
            from ..meetings import minutes

            ics = minutes.ical(meeting, url_for("meetings.detail", meeting_id=note.meeting_id,
                                                       _external=True))
            msg.add_attachment(ics, maintype="text", subtype="calendar", filename="meeting.ics",
                               params={"method": "PUBLISH"})
        return msg

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
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if config.get("MAIL_USE_TLS"):
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
