"""Exports of the meetings, tracking and volunteer tables.

Only aggregates and public facts: a vote's counts, never who chose what; an organisation's
name, never a person's phone; an evaluation round's tallies, never a resident's rating.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..matters.models import Matter
from ..matters.states import MatterState as S
from ..meetings import models as mm
from ..tracking import models as tm
from ..volunteers import reports as volunteer_reports
from .exports import _batched, register, when


def _yuan(cents: int | None) -> str:
    whole, part = divmod(int(cents or 0), 100)
    return f"{whole}.{part:02d}"


def _public_matter_ids():
    return select(Matter.id).where(Matter.state != S.WITHDRAWN.value)


def _label(enum, value: str | None) -> str:
    try:
        return str(enum(value).label) if value else ""
    except ValueError:
        return value or ""


def _register_meetings(mm) -> None:
    @register("meetings", _l("会议与表决计数"), [
        _l("会议编号"), _l("会议"), _l("议事主体"), _l("开始时间"), _l("地点"),
        _l("方式"), _l("会议状态"), _l("议题编号"), _l("议题"), _l("表决方式"),
        _l("结果"), _l("同意"), _l("反对"), _l("弃权"), _l("到会人数")])
    def meeting_rows() -> Iterator[list]:
        query = select(mm.Meeting).options(selectinload(mm.Meeting.bodies),
                                           selectinload(mm.Meeting.items))
        for m in _batched(query):
            head = [m.id, m.title, "、".join(b.name for b in m.bodies), when(m.starts_at), m.place,
                    m.mode_label, m.status.label]
            items = [i for i in m.items if i.matter.state != S.WITHDRAWN.value]
            if not items:
                yield head + [""] * 8
            for i in items:
                yield head + [i.matter_id, i.matter.title, _label(mm.Ballot, i.ballot),
                              _label(mm.Outcome, i.outcome), i.yes, i.no, i.abstain,
                              i.present_base]


def _register_tracking(tm) -> None:
    @register("pledges", _l("资源认捐"), [
        _l("编号"), _l("议题编号"), _l("议题"), _l("认捐组织"), _l("资源类型"),
        _l("内容"), _l("数量"), _l("金额或估值（元）"), _l("状态"), _l("认捐时间"),
        _l("到位时间")])
    def pledge_rows() -> Iterator[list]:
        query = select(tm.Pledge).where(tm.Pledge.matter_id.in_(_public_matter_ids()))
        for p in _batched(query):
            org = p.organisation.name if p.organisation else ""
            yield [p.id, p.matter_id, _title(p.matter_id), org, p.kind_label,
                   p.description, p.quantity, _yuan(p.amount_cents), p.status_enum.label,
                   when(p.created_at), when(p.fulfilled_at)]

    @register("ledger", _l("资金台账（支出）"), [
        _l("编号"), _l("议题编号"), _l("议题"), _l("金额（元）"), _l("用途"),
        _l("支出日期"), _l("记录时间")])
    def ledger_rows() -> Iterator[list]:
        query = select(tm.Spending).where(tm.Spending.matter_id.in_(_public_matter_ids()))
        for s in _batched(query):
            yield [s.id, s.matter_id, _title(s.matter_id), _yuan(s.amount_cents), s.what,
                   s.spent_on.isoformat(), when(s.created_at)]

    @register("evaluations", _l("满意度评议"), [
        _l("编号"), _l("议题编号"), _l("议题"), _l("轮次"), _l("开始时间"),
        _l("截止时间"), _l("满意"), _l("基本满意"), _l("不满意"), _l("结果"),
        _l("结束时间")])
    def evaluation_rows() -> Iterator[list]:
        query = select(tm.Evaluation).where(tm.Evaluation.matter_id.in_(_public_matter_ids()))
        for e in _batched(query):
            yield [e.id, e.matter_id, _title(e.matter_id), e.round, when(e.opened_at),
                   when(e.ends_at), e.satisfied, e.basically_satisfied, e.not_satisfied,
                   e.outcome_enum.label if e.outcome_enum else "", when(e.concluded_at)]


def _title(matter_id: int) -> str:
    from ..extensions import db

    matter = db.session.get(Matter, matter_id)
    return matter.title if matter else ""


def _register_volunteers() -> None:
    @register("volunteers", _l("志愿服务时长"), [
        _l("确认时间"), _l("议题编号"), _l("议题"), _l("任务"), _l("志愿者"), _l("小时")])
    def volunteer_rows() -> Iterator[list]:
        yield from volunteer_reports.export_rows()


def register_all() -> None:
    _register_meetings(mm)
    _register_tracking(tm)
    _register_volunteers()
