"""Filing and editing matters. State changes go through `workflow`."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core import audit
from ..core.time import utcnow
from ..directory.models import Category
from ..extensions import db
from ..notifications import services as notifications
from . import workflow
from .models import Channel, Matter
from .states import MatterState


class FilingError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def file_matter(*, filer: User, title: str, description: str, category_id: int, place: str = "",
                hide_name: bool = False, submit_token: str | None = None,
                proposer: User | None = None, channel: Channel = Channel.ONLINE,
                community_id: int | None = None) -> tuple[Matter, bool]:
    """File a matter; returns (matter, created). A repeated submit token returns the first one."""
    if submit_token:
        existing = db.session.scalar(select(Matter).where(Matter.submit_token == submit_token))
        if existing is not None:
            return existing, False
    on_behalf = filer.is_staff and channel != Channel.ONLINE
    resident = proposer if on_behalf else filer
    community = community_id if on_behalf else filer.community_id
    if resident is not None and on_behalf:
        community = resident.community_id
    if community is None:
        raise FilingError("community_id", gettext("请先选择议题所在的社区。"))
    category = db.session.get(Category, category_id)
    if category is None or not category.active:
        raise FilingError("category_id", gettext("请选择列表中的分类。"))
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
        return existing, False
    audit.record(
        actor_id=filer.id, subject_type="matter", subject_id=matter.id,
        action="file_on_behalf" if on_behalf else "file", to_state=matter.state,
        details={"channel": channel.value, "category": category.name},
    )
    if matter.proposer_id:
        notifications.follow(matter, matter.proposer_id)
    return matter, True


def can_edit(matter: Matter, user: User | None) -> bool:
    """The proposer (or the staff member who filed it) may edit until screening."""
    return bool(user and user.is_authenticated
                and workflow.Actor.PROPOSER in workflow.actors_of(matter, user)
                and matter.status in (MatterState.SUBMITTED, MatterState.RETURNED))


def edit_matter(matter: Matter, editor: User, *, title: str, description: str, category_id: int,
                place: str, hide_name: bool) -> None:
    if not can_edit(matter, editor):
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
