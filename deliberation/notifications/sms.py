"""SMS behind one provider interface: `console` (development, shown to staff) and Aliyun.

    provider().send(phone, template, params) -> provider message id, or raises SmsError
    (`permanent` True: do not retry, e.g. an invalid number; False: try again later).

`TEMPLATES` holds the text of each template (what the console shows; the Aliyun templates with
the same variables are approved in its console and named by ALIYUN_SMS_TEMPLATE_<KEY>).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, date, datetime
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)

TEMPLATES: dict[str, str] = {
    # A notice about something the person follows: the matter's title and what happened.
    "notice": "【社区议事厅】{title}：{event}",
    # A notice without a matter (a meeting, a committee task).
    "notice_plain": "【社区议事厅】{event}",
    # The login / registration code (the r12 branch sends it).
    "register_code": "您的注册验证码是 {code}，5 分钟内有效。请勿告诉他人。",
    "login_code": "【社区议事厅】您的验证码为{code}，5分钟内有效，请勿告诉他人。",
    # Reminders before a window closes.
    "reminder": "【社区议事厅】提醒：{event}",
}


class SmsError(Exception):
    """The provider did not send; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsProvider(Protocol):
    name: str

    def send(self, phone: str, template: str, params: dict[str, str],
             out_id: str | None = None) -> str:
        """Send one message; returns the provider's message id. `out_id` is ours (a delivery's
        attempt), kept by the provider with the message so that `find` can look for it."""

    def find(self, phone: str, out_id: str, days: list[date]) -> str | None:
        """The provider's id of a message it accepted for `phone` with `out_id` on one of
        `days` (street dates), or None: asked when a worker died before recording an answer."""


def render(template: str, params: dict[str, str]) -> str:
    try:
        return TEMPLATES[template].format(**params)
    except KeyError as exc:
        raise SmsError(f"unknown template or parameter: {exc}", permanent=True) from None


class ConsoleProvider:
    """Logs the message and keeps it in `sms_console_message` (the staff delivery page shows
    it), in the caller's transaction: every worker and web process sees the same list."""

    name = "console"

    def send(self, phone: str, template: str, params: dict[str, str],
             out_id: str | None = None) -> str:
        from ..extensions import db
        from .models import SmsConsoleMessage

        text = render(template, params)
        message_id = "console-" + uuid.uuid4().hex
        db.session.add(SmsConsoleMessage(message_id=message_id, phone=phone, template=template,
                                         params=dict(params), text=text))
        db.session.flush()
        log.info("SMS (console) to %s: %s", phone, text)
        return message_id

    def find(self, phone: str, out_id: str, days: list[date]) -> str | None:
        # Its messages commit with the delivery's result: a worker that died left none.
        return None


# Aliyun error codes that retrying cannot fix (the number, the template or the account).
ALIYUN_PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.INVALID_PARAMETERS", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS", "isv.PARAM_LENGTH_LIMIT",
    "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.MOBILE_COUNT_OVER_LIMIT", "isv.INVALID_JSON_PARAM", "isv.DENY_IP_RANGE",
    "isv.SMS_CONTENT_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isp.RAM_PERMISSION_DENY",
    "InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "isv.OUT_OF_SERVICE",
}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's RPC signature (v1) requires."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """HMAC-SHA1 over METHOD&%2F&encoded(sorted query), keyed with secret + "&"."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunProvider:
    """Aliyun SMS (dysmsapi, API version 2017-05-25, action SendSms, RPC signature v1)."""

    name = "aliyun"

    def __init__(self, config) -> None:
        self.key_id = config.get("ALIYUN_SMS_ACCESS_KEY_ID") or ""
        self.secret = config.get("ALIYUN_SMS_ACCESS_KEY_SECRET") or ""
        self.sign_name = config.get("ALIYUN_SMS_SIGN_NAME") or ""
        self.endpoint = config.get("ALIYUN_SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com/"
        self.region = config.get("ALIYUN_SMS_REGION") or "cn-hangzhou"
        self.timeout = float(config.get("ALIYUN_SMS_TIMEOUT") or 10)
        self.config = config

    def template_code(self, template: str) -> str:
        code = self.config.get(f"ALIYUN_SMS_TEMPLATE_{template.upper()}")
        if not code:
            raise SmsError(f"no Aliyun template code for {template!r} "
                           f"(set ALIYUN_SMS_TEMPLATE_{template.upper()})", permanent=True)
        return code

    def query(self, phone: str, template: str, params: dict[str, str],
              out_id: str | None = None) -> dict[str, str]:
        """The signed query of a SendSms call."""
        values = {"PhoneNumbers": phone, "SignName": self.sign_name,
                  "TemplateCode": self.template_code(template),
                  "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":"))}
        if out_id:
            values["OutId"] = out_id
        return self.signed("SendSms", values)

    def signed(self, action: str, values: dict[str, str]) -> dict[str, str]:
        query = {
            "AccessKeyId": self.key_id, "Action": action, "Format": "JSON",
            "RegionId": self.region, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25", **values,
        }
        query["Signature"] = aliyun_signature(query, self.secret)
        return query

    def call(self, query: dict[str, str]) -> dict:
        """GET the endpoint with a signed query; the JSON answer (an SmsError if none came)."""
        if not (self.key_id and self.secret and self.sign_name):
            raise SmsError("Aliyun SMS is not configured (ALIYUN_SMS_ACCESS_KEY_ID, "
                           "ALIYUN_SMS_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME)", permanent=True)
        url = self.endpoint + "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
            raise SmsError(f"ALIYUN_SMS_ENDPOINT must be an http(s) URL: {self.endpoint!r}",
                           permanent=True)
        try:
            # The scheme is checked just above (no file: or custom schemes).
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            body = _json_or_empty(exc.read())
            if not body.get("Code"):
                raise SmsError(f"Aliyun HTTP {exc.code}", permanent=False) from None
            return body
        except (OSError, ValueError) as exc:
            raise SmsError(f"Aliyun unreachable: {exc}", permanent=False) from None

    def send(self, phone: str, template: str, params: dict[str, str],
             out_id: str | None = None) -> str:
        body = self.call(self.query(phone, template, params, out_id))
        code = body.get("Code")
        if code == "OK":
            return str(body.get("BizId") or body.get("RequestId"))
        raise SmsError(f"Aliyun {code}: {body.get('Message')}", permanent=code in ALIYUN_PERMANENT)

    def find(self, phone: str, out_id: str, days: list[date]) -> str | None:
        """QuerySendDetails for each day (up to 50 messages to the number a day, our OutId
        among them); a message the provider failed to hand on (SendStatus 2) does not count."""
        for day in days:
            body = self.call(self.signed("QuerySendDetails", {
                "PhoneNumber": phone, "SendDate": day.strftime("%Y%m%d"), "PageSize": "50",
                "CurrentPage": "1"}))
            if body.get("Code") != "OK":
                raise SmsError(f"Aliyun {body.get('Code')}: {body.get('Message')}",
                               permanent=False)
            details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                if detail.get("OutId") == out_id and int(detail.get("SendStatus") or 0) != 2:
                    return f"out:{out_id}"
        return None


def _json_or_empty(raw: bytes) -> dict:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return {}


def provider() -> SmsProvider:
    """The provider named by SMS_PROVIDER: "console" (the default) or "aliyun"."""
    name = current_app.config.get("SMS_PROVIDER") or "console"
    if name == "console":
        return ConsoleProvider()
    if name == "aliyun":
        return AliyunProvider(current_app.config)
    raise SmsError(f"unknown SMS_PROVIDER {name!r}", permanent=True)
