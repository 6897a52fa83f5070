"""Changes to the street's structure, each audited."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from ..core import audit, errors
from ..extensions import db
from .models import Body, BodyKind, Membership, Organisation, OrganisationMember


class DirectoryError(errors.Refused):
    pass


def save(obj: Any, actor_id: int, values: dict[str, Any]) -> Any:
    """Create or update a directory row from form values; a clash of names is a DirectoryError."""
    creating = obj.id is None
    if isinstance(obj, Body) and values.get("kind") == BodyKind.COMMITTEE.value \
            and not values.get("community_id"):
        raise DirectoryError(gettext("居民自治委员会必须属于一个社区。"))
    for key, value in values.items():
        setattr(obj, key, value)
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError as exc:
        raise DirectoryError(gettext("名称已被使用，请换一个。")) from exc
    audit.record(actor_id=actor_id, subject_type=obj.__tablename__, subject_id=obj.id,
                 action="create" if creating else "update",
                 details={k: v for k, v in values.items() if isinstance(v, str | int | bool)},
                 public=False)
    return obj


def add_member(body: Body, user_id: int, role: str, actor_id: int) -> Membership:
    existing = next((m for m in body.memberships if m.user_id == user_id), None)
    if existing:
        existing.role = role
        membership = existing
    else:
        membership = Membership(body=body, user_id=user_id, role=role)
        db.session.add(membership)
    db.session.flush()
    audit.record(actor_id=actor_id, subject_type="body", subject_id=body.id, action="add_member",
                 details={"user_id": user_id, "role": role}, public=False)
    return membership


def remove_member(membership: Membership, actor_id: int) -> None:
    body_id, user_id = membership.body_id, membership.user_id
    db.session.delete(membership)
    db.session.flush()
    audit.record(actor_id=actor_id, subject_type="body", subject_id=body_id,
                 action="remove_member", details={"user_id": user_id}, public=False)


def add_org_member(org: Organisation, user_id: int, actor_id: int) -> None:
    if not any(m.user_id == user_id for m in org.members):
        db.session.add(OrganisationMember(organisation=org, user_id=user_id))
        db.session.flush()
        audit.record(actor_id=actor_id, subject_type="organisation", subject_id=org.id,
                     action="add_member", details={"user_id": user_id}, public=False)
