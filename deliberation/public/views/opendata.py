"""Open data: public matters as JSON and decisions as an Atom feed, readable without login.

URL table:
    /open/matters.json?page=N    public.matters_json    public matters with their decisions
    /open/decisions.atom         public.decisions_atom  the latest decisions
    /open/volunteers.json        public.volunteers_json volunteer hours and people by month

Both carry only the public record: the proposer as the public sees them (匿名居民 when hidden),
public reasons and summaries, and a vote's aggregate count. Times are UTC, ISO 8601.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, abort, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...directory.models import Community
from ...extensions import db
from ...matters.models import Matter
from ...matters.states import MatterState as S
from ...volunteers import reports as volunteer_reports
from .. import decisions
from ..blueprint import bp

PER_PAGE = 200


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def matter_record(m: Matter, decision: decisions.Decision | None) -> dict[str, Any]:
    return {
        "id": m.id,
        "url": url_for("matters.detail", matter_id=m.id, _external=True),
        "title": m.title,
        "description": m.description,
        "place": m.place,
        "community": m.community.name,
        "category": m.category.name,
        "state": m.state,
        "state_label": str(m.status.label),
        "public_reason": m.state_reason,
        "proposer": m.public_proposer_name(),
        "cosigns": m.cosign_count,
        "filed_at": iso(m.created_at),
        "first_answer_at": iso(m.first_answer_at),
        "decided_at": iso(m.decided_at),
        "closed_at": iso(m.closed_at),
        "decision": None if decision is None else {
            "outcome": "adopted" if decision.adopted else "not_adopted",
            "at": iso(decision.at), "counts": decision.counts},
    }


@bp.get("/open/matters.json")
def matters_json():
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
    if not 1 <= page <= 100_000:
        abort(400)
    public = Matter.state != S.WITHDRAWN.value
    total = db.session.scalar(select(func.count()).select_from(Matter).where(public))
    rows = db.session.scalars(
        select(Matter).where(public).order_by(Matter.id)
        .options(selectinload(Matter.community), selectinload(Matter.category),
                 selectinload(Matter.proposer))
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    latest = {d.matter.id: d for d in decisions.for_matters([m.id for m in rows])}
    more = page * PER_PAGE < (total or 0)
    return Response(json.dumps({
        "total": total, "page": page, "per_page": PER_PAGE,
        "next": url_for(".matters_json", page=page + 1, _external=True) if more else None,
        "licence": "CC BY 4.0",
        "matters": [matter_record(m, latest.get(m.id)) for m in rows],
    }, ensure_ascii=False), mimetype="application/json")


@bp.get("/open/decisions.atom")
def decisions_atom():
    items = decisions.recent(50)
    body = render_template("public/decisions.atom.xml", items=items, iso=iso,
                           updated=iso(items[0].at) if items else iso(datetime(2000, 1, 1)))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/open/volunteers.json")
def volunteers_json():
    """Confirmed volunteer hours and people by month and community: counts only, no names."""
    communities = {c.id: c.name for c in db.session.scalars(select(Community))}
    rows = [{**r, "community": communities.get(r["community_id"], "")}
            for r in volunteer_reports.open_counts()]
    return Response(json.dumps({"licence": "CC BY 4.0", "months": rows}, ensure_ascii=False),
                    mimetype="application/json")
