"""Public pages that need no login: the board, statistics, notice print-outs.

URL table:
    /                         public.home           the street's board
    /c/<community_id>         public.community      one community's board
    /stats                    public.stats          the street's statistics
    /c/<community_id>/stats   public.community_stats
    /notices/<id>/print       public.notice_print   公示 on A4 (in notice, or closed)
Staff exports are in exports.py, open data (JSON, Atom) in opendata.py.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select

from ...core.page_cache import shared_page
from ...core.time import utcnow
from ...directory.models import Community, Street
from ...extensions import db
from ...matters.models import Matter
from ...matters.states import MatterState
from ...volunteers import reports as volunteer_reports
from .. import board, charts, decisions, period, stats
from ..blueprint import bp

PRINTABLE = (MatterState.IN_NOTICE, MatterState.CLOSED)


def _street() -> Street | None:
    return db.session.scalar(select(Street).order_by(Street.id))


def _communities() -> list[Community]:
    return list(db.session.scalars(select(Community).order_by(Community.id)))


def _community(community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None:
        abort(404)
    return community


@bp.get("/")
@shared_page
def home():
    return _board(None)


@bp.get("/c/<int:community_id>")
@shared_page
def community(community_id: int):
    return _board(_community(community_id))


def _board(community: Community | None):
    return render_template("public/home.html", street=_street(), community=community,
                           communities=_communities(),
                           board=board.build(community.id if community else None),
                           S=MatterState)


@bp.get("/stats", endpoint="stats")
def stats_page():
    return _stats(None)


@bp.get("/c/<int:community_id>/stats")
def community_stats(community_id: int):
    return _stats(_community(community_id))


def _stats(community: Community | None):
    today = to_user_timezone(utcnow()).date()
    try:
        chosen = period.parse(request.args, today)
    except period.BadQuery as exc:
        return render_template("public/stats_error.html", message=str(exc), community=community), 400
    figures = stats.compute(chosen, community.id if community else None)
    return render_template("public/stats.html", street=_street(), community=community,
                           communities=_communities(), s=figures, p=chosen,
                           presets=period.PRESETS,
                           charts=_charts(figures, community) + _volunteer_charts(chosen, community),
                           needs_url=url_for("matters.needs"))


def _charts(s: stats.Stats, community: Community | None) -> list[charts.Chart]:
    three = [_("提交"), _("通过"), _("销号")]
    out = [
        charts.bar_chart("funnel", _("议题办理情况（件）"), [_("件数")], [
            (_("提交"), [s.filed]), (_("已初审答复"), [s.screened]), (_("表决通过"), [s.adopted]),
            (_("已销号"), [s.closed])]),
        charts.bar_chart("stages", _("各环节用时（天）"), [_("中位数"), _("90% 在此之内")], [
            (str(st.label), [st.median, st.p90]) for st in s.stages], decimals=1),
        charts.bar_chart("categories", _("按类别（件）"), three, [
            (b.label, [b.filed, b.adopted, b.closed]) for b in s.by_category]),
    ]
    if community is None:
        out.append(charts.bar_chart("communities", _("按社区（件）"), three, [
            (b.label, [b.filed, b.adopted, b.closed]) for b in s.by_community]))
    return out


def _volunteer_charts(chosen: period.Period, community: Community | None) -> list[charts.Chart]:
    """Confirmed volunteer hours and people by month (confirmed in the chosen period)."""
    months = volunteer_reports.by_month(chosen.start_utc, chosen.end_utc,
                                        community.id if community else None)
    if not months:
        return []
    return [charts.bar_chart("volunteer-hours", _("志愿服务时长（小时，按月）"), [_("小时")],
                             [(m.month, [m.hours]) for m in months], decimals=1),
            charts.bar_chart("volunteer-people", _("参加志愿服务的居民（人，按月）"), [_("人数")],
                             [(m.month, [m.people]) for m in months])]


@bp.get("/notices/<int:matter_id>/print")
def notice_print(matter_id: int):
    matter = db.session.get(Matter, matter_id)
    if matter is None or matter.status not in PRINTABLE:
        abort(404)
    return render_template("public/notice_print.html", matter=matter, street=_street(),
                           decision=decisions.latest(matter), S=MatterState,
                           detail_url=url_for("matters.detail", matter_id=matter.id, _external=True))
