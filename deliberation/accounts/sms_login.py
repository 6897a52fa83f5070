"""Login and registration by SMS code (验证码登录): issuing, checking and spending codes.

A code is 6 digits, valid 5 minutes, and survives 5 wrong tries; only its HMAC (keyed with
SECRET_KEY, so a copy of the table cannot be brute-forced offline through 10^6 guesses) is
stored. A new code replaces the number's earlier ones. The rate of sending (one a minute, ten a
day, per number and per client address) is Flask-Limiter's job, in `views/code.py`.

The code is sent inside the request that asks for it: the person is waiting for it with the
phone in hand, a queued SMS that arrives after five minutes is useless, and sending inline
means no plaintext code ever has to be persisted for a worker to pick up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from .models import User

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_TRIES = 5
# After a right code for an unknown number, how long the registration form may be completed.
REGISTER_WINDOW = timedelta(minutes=15)


class SmsCode(db.Model):
    __tablename__ = "sms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11))
    code_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    # Set when the code was spent, or replaced by a newer one: it opens nothing any more.
    used_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_sms_code_phone", "phone", "created_at"),)


def _digest(phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms-code:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def mask(phone: str) -> str:
    """138****5678: what the audit log and the page show."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "***"


def issue(phone: str) -> tuple[str, User | None]:
    """A fresh code for `phone` (earlier ones stop working) and the account it belongs to, if
    any. The caller sends it and must not keep it."""
    now = utcnow()
    user = db.session.scalar(select(User).where(User.phone == phone))
    db.session.execute(update(SmsCode).where(SmsCode.phone == phone, SmsCode.used_at.is_(None))
                       .values(used_at=now))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = SmsCode(phone=phone, code_hash=_digest(phone, code), user_id=user.id if user else None,
                  created_at=now, expires_at=now + CODE_LIFETIME, attempts=0)
    db.session.add(row)
    db.session.flush()
    audit.record(actor_id=user.id if user else None, subject_type="sms_code", subject_id=row.id,
                 action="sms_code_sent", details={"phone": mask(phone), "registered": bool(user)},
                 public=False)
    return code, user


def check(phone: str, code: str) -> bool:
    """True once for the right code within its lifetime and tries; every wrong try counts, and
    two requests with the same right code cannot both win (compare-and-set on `used_at`)."""
    now = utcnow()
    row = db.session.scalar(select(SmsCode).where(
        SmsCode.phone == phone, SmsCode.used_at.is_(None), SmsCode.expires_at > now,
        SmsCode.attempts < MAX_TRIES).order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1))
    if row is None:
        return False
    code = (code or "").strip()
    if not hmac.compare_digest(row.code_hash, _digest(phone, code)):
        db.session.execute(update(SmsCode).where(SmsCode.id == row.id)
                           .values(attempts=SmsCode.attempts + 1))
        db.session.refresh(row)
        if row.attempts >= MAX_TRIES:
            audit.record(actor_id=row.user_id, subject_type="sms_code", subject_id=row.id,
                         action="sms_code_locked", details={"phone": mask(phone)}, public=False)
        return False
    spent = db.session.execute(update(SmsCode).where(
        SmsCode.id == row.id, SmsCode.used_at.is_(None), SmsCode.attempts < MAX_TRIES)
        .values(used_at=now)).rowcount
    return spent == 1


def logged_in(user: User) -> None:
    """A number that answered a code is the user's own: SMS notices may go to it."""
    if user.phone_verified_at is None:
        user.phone_verified_at = utcnow()
    audit.record(actor_id=user.id, subject_type="user", subject_id=user.id,
                 action="login_by_code", details={"phone": mask(user.phone)}, public=False)


def unusable_password() -> str:
    """An account registered by code has no password anyone knows: it logs in by code (staff
    can still issue a temporary password at 社工站)."""
    return secrets.token_urlsafe(32)


class CodeNotSent(Exception):
    """The SMS provider refused or could not be reached."""


_sender: Callable[[str, str, dict[str, str]], object] | None = None


def register_sender(send: Callable[[str, str, dict[str, str]], object]) -> None:
    """The notifications package sends the codes (accounts sit below it and cannot import it)."""
    global _sender
    _sender = send


def send_code(phone: str, template: str, code: str) -> None:
    if _sender is None:
        raise RuntimeError("no SMS sender registered (notifications.init_app registers it)")
    _sender(phone, template, {"code": code})
