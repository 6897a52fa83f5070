"""Account actions: register, authenticate, change and reset passwords, staff-created accounts."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from ..core import audit
from ..extensions import db
from .models import Role, User


class DuplicatePhone(Exception):
    pass


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session version, so a reset logs old sessions out."""
    try:
        raw_id, version = user_id.split(":")
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user


def find_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == phone))


def create_user(*, phone: str, display_name: str, password: str, community_id: int | None,
                household: str = "", role: Role = Role.RESIDENT,
                created_by: User | None = None, temporary: bool = False) -> User:
    """`temporary`: staff chose the password (and read it out), so the first login leads to
    the change-password page."""
    if find_by_phone(phone):
        raise DuplicatePhone(phone)
    user = User(phone=phone, display_name=display_name.strip(), community_id=community_id,
                household=household.strip(), role=role.value,
                created_by_id=created_by.id if created_by else None,
                must_change_password=temporary)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id=created_by.id if created_by else user.id, subject_type="user",
                 subject_id=user.id, action="create_account" if created_by else "register",
                 details={"role": role.value, "community_id": community_id}, public=False)
    return user


def authenticate(phone: str, password: str) -> User | None:
    """The same work (one hash check) whether or not the phone number is known."""
    user = find_by_phone(phone)
    if user is None:
        User.spend_equal_time(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def end_sessions(user: User) -> None:
    """Log out every copy of every session of `user`: the loader refuses the old version."""
    user.session_version += 1
    db.session.flush()


def change_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.must_change_password = False
    user.session_version += 1
    db.session.flush()
    audit.record(actor_id=user.id, subject_type="user", subject_id=user.id,
                 action="change_password", public=False)


def temporary_password() -> str:
    """Easy to read aloud over the phone: no 0/O or 1/l look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def reset_password(user: User, *, by: User) -> str:
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.session_version += 1
    db.session.flush()
    audit.record(actor_id=by.id, subject_type="user", subject_id=user.id,
                 action="reset_password", public=False)
    return password


def save_locale(user: User, locale: str) -> None:
    """The language the user chose (one of LOCALES), kept for their next login anywhere."""
    user.locale = locale
    db.session.flush()
