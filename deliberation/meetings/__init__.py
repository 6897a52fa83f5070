"""Meetings: agendas, deliberation, votes, minutes, resolution notices and objections."""

from __future__ import annotations

from flask import Flask

LABELS = {
    "debate_opened": "会议开始讨论",
    "recuse": "成员声明回避",
    "vote_opened": "开始表决",
    "hands_counted": "录入举手表决票数",
    "objection": "居民提出异议",
    "objection_dismissed": "异议不予采纳",
    "meeting_published": "会议通知",
}


def init_app(app: Flask) -> None:
    """Plug the stage into the spine: a pending objection (异议) holds a notice open."""
    from . import abilities

    abilities.register()
    from ..core import labels
    from ..matters import spine
    from ..notifications import channels
    from . import objections, voting

    spine.register_guard("no_pending_objection", objections.pending_hold)
    spine.register_fact("vote_opened", voting.vote_opened_on)
    labels.register(LABELS)
    spine.register_section(spine.Section("meetings", 20, "meetings/_matter_section.html", _section))
    channels.register_attachment(_ical)


def _section(matter, page: dict):
    from .views.notice import meeting_section

    return meeting_section(matter, page.get("meeting_kept"))


def _ical(note):
    """A meeting's notice carries the meeting as an iCal file (the email channel attaches it)."""
    from flask import url_for

    from ..extensions import db
    from ..notifications.channels import Attachment
    from . import minutes
    from .models import Meeting

    meeting = db.session.get(Meeting, note.meeting_id) if note.meeting_id else None
    if meeting is None:
        return None
    ics = minutes.ical(meeting, url_for("meetings.detail", meeting_id=meeting.id, _external=True))
    return Attachment(ics, "text", "calendar", "meeting.ics", {"method": "PUBLISH", "charset": "utf-8"})
