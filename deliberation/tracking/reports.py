"""Progress reports (with photos), spending entries and the public ledger, and reporting done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select

from ..core import audit, errors, photos
from ..core.time import utcnow
from ..extensions import db
from ..matters import follows, workflow
from ..matters.models import Matter
from . import evaluation
from .assignment import WORKING, assignment_of
from .models import ProgressReport, ReportPhoto, Spending

if TYPE_CHECKING:
    from ..accounts.models import User

MAX_PHOTOS = 6
Upload = photos.Upload


def may_report(matter: Matter, user: User | None) -> bool:
    """The "report_progress" ability: the assignment's answer (`Assignment.can_report`)."""
    a = assignment_of(matter.id)
    return a is not None and a.can_report(user)


def _check(matter: Matter, actor: User) -> None:
    if workflow.Actor.IMPLEMENTER not in workflow.actors_of(matter, actor):
        raise errors.Forbidden(gettext("只有承接组织的成员或社工站工作人员可以报告进展。"))
    if matter.status not in WORKING:
        raise errors.Refused(gettext("此议题当前为「%(state)s」，不能报告进展。",
                                       state=matter.status.label))
    if assignment_of(matter.id) is None:
        raise errors.Refused(gettext("社工站派单后才能报告进展。"))


def store_photos(uploads: Sequence[Upload]) -> list[photos.StoredPhoto]:
    """Store every upload or none, before the request's write transaction: a view calls this
    first, then the service, whose checks run on fresh data in the write transaction."""
    return photos.store_all(uploads, limit=MAX_PHOTOS)


def add_report(matter: Matter, actor: User, *, body: str, percent: int,
               stored: Sequence[photos.StoredPhoto] = (), completion: bool = False) -> ProgressReport:
    """`stored`: photos already stored (`store_photos`)."""
    _check(matter, actor)
    if not 0 <= percent <= 100:
        raise errors.Refused(gettext("完成进度请填 0 到 100 之间的数。"))
    now = utcnow()
    report = ProgressReport(matter_id=matter.id, author_id=actor.id, body=body.strip(),
                            percent=100 if completion else percent, completion=completion,
                            created_at=now)
    report.photos = [ReportPhoto(file_key=s.key, width=s.width, height=s.height, position=i)
                     for i, s in enumerate(stored)]
    db.session.add(report)
    a = assignment_of(matter.id)
    a.percent_done, a.last_report_at = report.percent, now
    db.session.flush()
    if not completion:
        entry = audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                             action="progress_report", reason=report.body,
                             details={"report": report.id, "percent": report.percent,
                                      "photos": len(stored)})
        follows.notify_followers(matter, entry, exclude=actor.id)
    return report


def report_done(matter: Matter, actor: User, *, summary: str,
                stored: Sequence[photos.StoredPhoto] = ()) -> ProgressReport:
    """The work is done: a final report, then the matter enters evaluation (评议)."""
    if not summary.strip():
        raise errors.Refused(gettext("请写一段完成情况说明。"))
    report = add_report(matter, actor, body=summary, percent=100, stored=stored, completion=True)
    workflow.report_done(matter, actor, reason=summary.strip())
    evaluation.open_round(matter)
    return report


def reports_of(matter_id: int) -> list[ProgressReport]:
    return list(db.session.scalars(select(ProgressReport).where(ProgressReport.matter_id == matter_id)
                                   .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())))


def add_spending(matter: Matter, actor: User, *, amount_cents: int, what: str, spent_on: date,
                 receipt: photos.StoredPhoto | None = None) -> Spending:
    """`receipt`: a photo already stored (`store_photos`)."""
    _check(matter, actor)
    if amount_cents <= 0:
        raise errors.Refused(gettext("金额必须大于 0。"))
    if spent_on > utcnow().date():
        raise errors.Refused(gettext("支出日期不能晚于今天。"))
    line = Spending(matter_id=matter.id, amount_cents=amount_cents, what=what.strip(),
                    spent_on=spent_on, receipt_key=receipt.key if receipt else None,
                    recorded_by_id=actor.id, created_at=utcnow())
    db.session.add(line)
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id, action="spending",
                 reason=line.what, details={"spending": line.id, "amount_cents": amount_cents})
    return line


def ledger(matter_id: int) -> list[Spending]:
    return list(db.session.scalars(select(Spending).where(Spending.matter_id == matter_id)
                                   .order_by(Spending.spent_on, Spending.id)))


def spent_cents(matter_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Spending.amount_cents), 0))
                                 .where(Spending.matter_id == matter_id)) or 0)


def matter_of_photo(key: str) -> Matter | None:
    """The matter a report photo or receipt belongs to (None for unknown keys)."""
    matter_id = db.session.scalar(
        select(ProgressReport.matter_id).join(ReportPhoto).where(ReportPhoto.file_key == key))
    if matter_id is None:
        matter_id = db.session.scalar(select(Spending.matter_id).where(Spending.receipt_key == key))
    return db.session.get(Matter, matter_id) if matter_id else None
