"""Minutes (会议纪要) generated from the data, their confirmation, and the iCal file."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

import icalendar
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from . import digests, rules, services
from .models import AgendaItem, Meeting, MeetingState, Recusal, SpeakRequest, SpeakState

if TYPE_CHECKING:
    from ..accounts.models import User


@dataclass
class ItemMinutes:
    item: AgendaItem
    speakers: list[SpeakRequest]
    recused: list  # Recusal rows
    quorum_needed: int | None


@dataclass
class Minutes:
    expected: list = field(default_factory=list)   # users
    present: list = field(default_factory=list)
    absent: list = field(default_factory=list)
    rule: rules.RuleSet | None = None
    quorum_needed: int = 0
    items: list[ItemMinutes] = field(default_factory=list)
    digests: dict = field(default_factory=dict)  # matter id -> opinions' Digest (see digests.py)


def build(meeting: Meeting) -> Minutes:
    from ..accounts.models import User

    expected_ids = services.expected_ids(meeting)
    present = services.present_ids(meeting)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(expected_ids)))}
    rule = services.rule_of(meeting)
    out = Minutes(expected=[users[i] for i in expected_ids],
                  present=[users[i] for i in expected_ids if i in present],
                  absent=[users[i] for i in expected_ids if i not in present],
                  rule=rule, quorum_needed=rules.quorum_needed(rule, len(expected_ids)))
    items = agenda(meeting)
    spoke, recused = _by_item(items)
    for item in items:
        needed = rules.quorum_needed(rule, item.members_base) if item.members_base is not None else None
        out.items.append(ItemMinutes(item, spoke[item.id], recused[item.id], needed))
    out.digests = digests.for_items(items)
    return out


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's items with their matters, in two queries however long the agenda."""
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.matter))
        .order_by(AgendaItem.position, AgendaItem.id)))


def _by_item(items: list[AgendaItem]) -> tuple[dict[int, list], dict[int, list]]:
    """Who spoke and who recused on each item, for all items at once."""
    ids = [i.id for i in items]
    spoke: dict[int, list] = defaultdict(list)
    recused: dict[int, list] = defaultdict(list)
    for r in db.session.scalars(
            select(SpeakRequest).where(SpeakRequest.item_id.in_(ids), SpeakRequest.state.in_(
                [SpeakState.DONE.value, SpeakState.SPEAKING.value]))
            .options(selectinload(SpeakRequest.user))
            .order_by(SpeakRequest.requested_at, SpeakRequest.id)):
        spoke[r.item_id].append(r)
    for r in db.session.scalars(select(Recusal).where(Recusal.item_id.in_(ids))
                                .options(selectinload(Recusal.user)).order_by(Recusal.id)):
        recused[r.item_id].append(r)
    return spoke, recused


def save_notes(meeting: Meeting, actor: User, notes: str) -> None:
    if not meeting.can_record(actor):
        raise services.Forbidden(gettext("只有记录员可以填写纪要备注。"))
    if meeting.chair_confirmed_at and meeting.recorder_confirmed_at:
        raise services.MeetingError(gettext("纪要已经由主持人和记录员确认，不能再修改。"))
    meeting.notes = notes.strip()
    # Notes change what was confirmed: whoever confirmed must confirm again.
    meeting.chair_confirmed_at = meeting.recorder_confirmed_at = None
    db.session.flush()


def confirm(meeting: Meeting, actor: User) -> None:
    if meeting.state != MeetingState.ENDED.value:
        raise services.MeetingError(gettext("散会后才能确认会议纪要。"))
    now = utcnow()
    done = False
    if actor.id == meeting.chair_id:
        meeting.chair_confirmed_at, done = now, True
    if actor.id == meeting.recorder_id:
        meeting.recorder_confirmed_at, done = now, True
    if not done:
        raise services.Forbidden(gettext("只有本次会议的主持人和记录员可以确认纪要。"))
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="meeting", subject_id=meeting.id,
                 action="confirm_minutes")


def installation_id() -> str:
    """A stable id of this installation for iCal UIDs: `INSTALLATION_ID` if configured, else
    derived from the secret key (never the key itself), so two installations never share UIDs."""
    configured = current_app.config.get("INSTALLATION_ID")
    if configured:
        return str(configured)
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"ical-uid", hashlib.sha256).hexdigest()[:16]


def ical(meeting: Meeting, url: str) -> bytes:
    """The meeting as an iCalendar file (RFC 5545, written by the icalendar package)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//yishiyiyi//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    event = icalendar.Event()
    starts = meeting.starts_at.replace(tzinfo=UTC)
    event.add("uid", f"meeting-{meeting.id}@{installation_id()}")
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=meeting.minutes_planned))
    event.add("sequence", meeting.sequence)
    event.add("status", "TENTATIVE" if meeting.state == MeetingState.DRAFT.value else "CONFIRMED")
    event.add("summary", meeting.title)
    event.add("location", str(meeting.place or meeting.online_link or meeting.mode_label))
    event.add("description", "\n".join(f"{i + 1}. {item.matter.title}"
                                       for i, item in enumerate(meeting.items)))
    event.add("url", url)
    cal.add_component(event)
    return cal.to_ical()
