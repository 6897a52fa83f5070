"""Residents' support for a matter: co-signing (附议), following, and "my matters".

A co-sign is one row per resident per matter (a unique constraint) and one step of
`Matter.cosign_count`, both in the same transaction: the insert ignores a duplicate, and only
an insert that really happened bumps the count with `UPDATE ... SET cosign_count =
cosign_count + 1`, so two taps at once (or two servers) leave one row and a count of one.
Co-signs are not audit entries: the `cosign` row, with its time, is the record, and a matter
with hundreds of supporters keeps a readable timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..accounts import verification
from ..accounts.models import User
from ..core import errors
from ..core.pagination import Page, paginate
from ..core.time import utcnow
from ..database import insert_once
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.messages import N_plural
from . import follows
from .models import Cosign, Matter
from .states import COSIGN_OPEN

OPEN_VALUES = [s.value for s in COSIGN_OPEN]


class CosignRefused(errors.Refused):
    """Co-signing is not possible; the message is for the user."""


def cosign_problem(matter: Matter, user: User | None) -> str | None:
    """Why `user` cannot co-sign `matter` now, or None when they can."""
    if user is None or not user.is_authenticated:
        return gettext("请先登录再附议。")
    if user.community_id is None:
        return gettext("只有登记了所在社区的居民可以附议。")
    if user.id in (matter.proposer_id, matter.filed_by_id):
        return gettext("这是您自己提的议题，不需要附议。")
    if not matter.takes_cosigns:
        return gettext("这个议题现在是「%(state)s」，已不再接受附议。", state=matter.status.label)
    # Like ratings and objections: residents of the matter's community (verified, if the
    # street says so).
    return verification.problem(user, matter.community, "cosign")


def has_cosigned(matter: Matter, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(Cosign.id).where(
        Cosign.matter_id == matter.id, Cosign.user_id == user.id)) is not None


def cosign(matter: Matter, user: User) -> bool:
    """Co-sign once; True if this call added the co-sign, False if it was already there.

    The co-signer follows the matter from now on, and the proposer hears about it.
    """
    problem = cosign_problem(matter, user)
    if problem:
        raise CosignRefused(problem)
    added = insert_once(Cosign, matter_id=matter.id, user_id=user.id, created_at=utcnow())
    if added:
        bumped = db.session.execute(
            update(Matter).where(Matter.id == matter.id, Matter.state.in_(OPEN_VALUES))
            .values(cosign_count=Matter.cosign_count + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if bumped != 1:
            # The matter left the open states between our check and now; the request's
            # rollback takes the inserted row back out.
            raise CosignRefused(gettext("这个议题刚刚进入下一阶段，已不再接受附议。"))
        db.session.refresh(matter, ["cosign_count"])
        if matter.proposer_id:
            notifications.notify_users(
                {matter.proposer_id}, kind="cosign", matter=matter,
                message=N_plural("又有一位居民附议，现在共 %(num)d 人附议。",
                                 "又有 %(num)d 位居民附议了。", matter.cosign_count))
    follows.follow(matter, user.id)
    return added


def cosigners(matter: Matter, limit: int = 30) -> list:
    """The latest co-signers, newest first."""
    return list(db.session.execute(
        select(Cosign, User).join(User, User.id == Cosign.user_id)
        .where(Cosign.matter_id == matter.id)
        .order_by(Cosign.id.desc()).limit(limit)
    ).all())


def anonymous_supporters(matter: Matter) -> set[int]:
    """Proposers of hidden-name matters merged into this one: their co-sign stays anonymous."""
    return set(db.session.scalars(select(Matter.proposer_id).where(
        Matter.merged_into_id == matter.id, Matter.hide_name.is_(True),
        Matter.proposer_id.is_not(None))))


def public_name(name: str) -> str:
    """A co-signer's name as the public sees it: the first character, the rest masked."""
    return name[:1] + "*" * min(max(len(name) - 1, 1), 3)


def is_following(matter: Matter, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return follows.is_following(matter, user.id)


def my_matters(user: User, filed_page: str | None = None, signed_page: str | None = None,
               per_page: int = 20) -> tuple[Page, Page]:
    """What `user` filed (or was filed for them) and what they co-signed, newest first, a page
    of each."""
    options = (joinedload(Matter.category), joinedload(Matter.community))
    filed = paginate(
        select(Matter).where((Matter.proposer_id == user.id) | (Matter.filed_by_id == user.id))
        .order_by(Matter.created_at.desc(), Matter.id.desc()).options(*options),
        filed_page, per_page=per_page)
    signed = paginate(
        select(Matter).join(Cosign, Cosign.matter_id == Matter.id)
        .where(Cosign.user_id == user.id)
        .order_by(Cosign.id.desc()).options(*options),
        signed_page, per_page=per_page)
    return filed, signed



@dataclass
class Similar:
    matter: Matter
    cosigned: bool
    can_cosign: bool


def similar_for(user: User | None, title: str, community_id: int | None,
                limit: int = 5) -> list[Similar]:
    """Open matters like the one `user` is filing, for the filing form: a resident sees their
    own community's, staff the community they chose. Open matters are public, so nothing here
    shows more than the needs list does."""
    from . import search

    if user is None or not user.is_authenticated:
        return []
    if not user.is_staff:
        community_id = user.community_id
    if community_id is None or len((title or "").strip()) < 2:
        return []
    found = search.similar(title[:80], community_id, OPEN_VALUES, limit=limit)
    signed = set(db.session.scalars(select(Cosign.matter_id).where(
        Cosign.user_id == user.id, Cosign.matter_id.in_([m.id for m in found])))) if found else set()
    return [Similar(m, m.id in signed, m.id not in signed and cosign_problem(m, user) is None)
            for m in found]
