"""Filing and editing matters. State changes go through `workflow`."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core import audit, errors
from ..core.photos import StoredPhoto
from ..core.time import utcnow
from ..directory.models import Category, Community
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.messages import N_
from . import follows, workflow
from .models import Channel, Matter, MatterPhoto
from .states import MatterState


class FilingError(errors.Refused):
    """A filing the input does not allow; `field` names what to correct (422)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


def file_matter(*, filer: User, title: str, description: str, category_id: int, place: str = "",
                hide_name: bool = False, submit_token: str | None = None,
                proposer: User | None = None, channel: Channel = Channel.ONLINE,
                community_id: int | None = None,
                photos: Sequence[StoredPhoto] = ()) -> tuple[Matter, bool]:
    """File a matter; returns (matter, created). A repeated submit token returns the first one.

    A resident files in their own community (`community_id`, if given, must be it). Station
    staff file on a resident's behalf (代录) with an offline `channel`, for `proposer` when the
    resident is known (the matter then belongs to the resident's community) or else for the
    `community_id` they chose. `photos` are already stored (`core.photos.store`).
    """
    if submit_token:
        existing = db.session.scalar(select(Matter).where(Matter.submit_token == submit_token))
        if existing is not None:
            return _repeat(existing, filer), False
    on_behalf = filer.is_staff and channel != Channel.ONLINE
    resident, community = _who_and_where(filer, on_behalf, channel, proposer, community_id)
    category = db.session.get(Category, category_id)
    if category is None or not category.active:
        raise FilingError("category_id", gettext("请选择列表中的分类。"))
    if len(photos) > MAX_PHOTOS:
        raise FilingError("photos", gettext("最多上传 %(n)d 张照片。", n=MAX_PHOTOS))
    now = utcnow()
    matter = Matter(
        community_id=community, category_id=category.id, title=title.strip(),
        description=description.strip(), place=place.strip(), hide_name=hide_name,
        proposer_id=resident.id if resident else None, filed_by_id=filer.id,
        channel=channel.value, submit_token=submit_token or None,
        created_at=now, updated_at=now, state_changed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(matter)
            db.session.flush()
    except IntegrityError:
        # The same token arrived twice at once: the other request created it.
        existing = db.session.scalar(select(Matter).where(Matter.submit_token == submit_token))
        if existing is None:
            raise
        return _repeat(existing, filer), False
    for position, photo in enumerate(photos):
        db.session.add(MatterPhoto(matter_id=matter.id, file_key=photo.key, width=photo.width,
                                   height=photo.height, position=position, created_at=now))
    db.session.flush()
    entry = audit.record(
        actor_id=filer.id, subject_type="matter", subject_id=matter.id,
        action="file_on_behalf" if on_behalf else "file", to_state=matter.state,
        details={"channel": channel.value, "category": category.name, "photos": len(photos)},
    )
    if matter.proposer_id:
        follows.follow(matter, matter.proposer_id)
    notifications.notify_committee(
        matter, kind=SCREENING_KIND, entry=entry, exclude={filer.id},
        message=N_("新议题「%(t)s」等待居委会初审。", t=matter.title))
    return matter, True


MAX_PHOTOS = 6
SCREENING_KIND = "to_screen"  # the committee hears of a matter waiting in its screening queue


def _repeat(existing: Matter, filer: User) -> Matter:
    if existing.filed_by_id != filer.id:
        raise FilingError("title", gettext("这张表单已经用过了，请刷新页面后重新填写。"))
    return existing


def _who_and_where(filer: User, on_behalf: bool, channel: Channel, proposer: User | None,
                   community_id: int | None) -> tuple[User | None, int]:
    """The resident the matter is for and its community, or FilingError."""
    if not on_behalf:
        if channel != Channel.ONLINE:
            raise FilingError("channel", gettext("只有社工站工作人员可以代录议题。"))
        own = filer.community
        if own is None:
            raise FilingError("community_id", gettext("您的账号还没有登记所在社区，请联系社工站。"))
        if community_id is not None and community_id != own.id:
            raise FilingError("community_id",
                              gettext("只能为您所在的社区（%(c)s）提议。", c=own.name))
        return filer, own.id
    if proposer is not None:
        if proposer.community_id is None:
            raise FilingError("resident_phone", gettext("这位居民的账号没有登记所在社区。"))
        if community_id is not None and community_id != proposer.community_id:
            raise FilingError("community_id", gettext(
                "这位居民属于%(c)s，与所选社区不一致。", c=proposer.community.name))
        return proposer, proposer.community_id
    if community_id is None or db.session.get(Community, community_id) is None:
        raise FilingError("community_id", gettext("请选择议题所在的社区。"))
    return None, community_id


def may_edit(matter: Matter, user: User | None) -> bool:
    """The proposer (or the staff member who filed it) may edit until screening."""
    return bool(user and user.is_authenticated
                and workflow.Actor.PROPOSER in workflow.actors_of(matter, user)
                and matter.status in (MatterState.SUBMITTED, MatterState.RETURNED))


def edit_matter(matter: Matter, editor: User, *, title: str, description: str, category_id: int,
                place: str, hide_name: bool) -> None:
    if not may_edit(matter, editor):
        raise workflow.NotAllowed(gettext("只有提议人可以在初审前修改议题。"))
    category = db.session.get(Category, category_id)
    if category is None or not category.active:
        raise FilingError("category_id", gettext("请选择列表中的分类。"))
    before = {"title": matter.title, "description": matter.description}
    matter.title, matter.description = title.strip(), description.strip()
    matter.category_id, matter.place, matter.hide_name = category.id, place.strip(), hide_name
    matter.updated_at = utcnow()
    db.session.flush()
    audit.record(actor_id=editor.id, subject_type="matter", subject_id=matter.id, action="edit",
                 details={"previous_title": before["title"]} if before["title"] != matter.title else {})
