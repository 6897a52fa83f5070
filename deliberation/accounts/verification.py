"""Verified residents (核实): a committee member or staff confirms who a resident is.

Until SMS verification exists, a made-up number can register; the street may then choose
(`Street.verified_only`) that co-signs, ratings and objections count only verified residents.
Every act asks `problem(user, community, act)`: lives there, and verified when the street says so.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from ..core import audit, errors
from ..core.time import utcnow
from ..directory.models import Community, Street
from ..extensions import db
from .models import Role, User

# What each act says: residents elsewhere, and unverified residents when the street asks.
ACTS = {
    "cosign": (lazy_gettext("只有%(c)s的居民可以附议。"),
               lazy_gettext("本街道规定，只有经居委会核实的居民才能附议。请带上身份证件到%(c)s居委会"
                            "或社工站核实您的账号，核实后就可以附议了。")),
    "rate": (lazy_gettext("只有%(c)s的居民可以评议。"),
             lazy_gettext("本街道规定，只有经居委会核实的居民才能评议。请带上身份证件到%(c)s居委会"
                          "或社工站核实您的账号，核实后就可以评议了。")),
    "object": (lazy_gettext("只有%(c)s的居民可以提出异议。"),
               lazy_gettext("本街道规定，只有经居委会核实的居民才能提出异议。请带上身份证件到%(c)s"
                            "居委会或社工站核实您的账号，核实后就可以提出异议了。")),
}


class NotAllowed(errors.Forbidden):
    """The user may not verify this resident."""


def required(community: Community | None) -> bool:
    """Does the street count only verified residents?"""
    if community is None:
        return False
    street = db.session.get(Street, community.street_id)
    return bool(street and street.verified_only)


def problem(user: User | None, community: Community, act: str) -> str | None:
    """Why `user` cannot co-sign / rate / object as a resident of `community` (None: they can)."""
    elsewhere, unverified = ACTS[act]
    if user is None or not user.is_authenticated or not user.lives_in(community.id):
        return str(elsewhere) % {"c": community.name}
    if not user.is_verified and required(community):
        return str(unverified) % {"c": community.name}
    return None


def verifiable_residents(viewer: User, *, community_id: int | None = None):
    """The residents `viewer` may verify: a committee member's own community, staff any."""
    query = select(User).where(User.role == Role.RESIDENT.value, User.community_id.is_not(None))
    if not viewer.is_staff:
        query = query.where(User.community_id.in_(viewer.committee_community_ids))
    if community_id:
        query = query.where(User.community_id == community_id)
    # Unverified first, newest first: the committee works through new registrations.
    return query.order_by(User.verified_at.is_not(None), User.id.desc())


def set_verified(resident: User, *, by: User, verified: bool) -> None:
    """Mark (or unmark) a resident as verified; audited, not public."""
    if not by.can_verify(resident):
        raise NotAllowed(gettext("只有%(c)s居委会成员或社工站工作人员可以核实这位居民。",
                                 c=resident.community.name if resident.community else ""))
    if verified == resident.is_verified:
        return
    resident.verified_at = utcnow() if verified else None
    resident.verified_by_id = by.id if verified else None
    db.session.flush()
    audit.record(actor_id=by.id, subject_type="user", subject_id=resident.id,
                 action="verify_resident" if verified else "unverify_resident",
                 details={"community_id": resident.community_id}, public=False)
