"""Public pages that need no login.

URL table:
    /            public.home
    /healthz     public.health
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select, text

from ..directory.models import Community, Street
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    street = db.session.scalar(select(Street).order_by(Street.id))
    latest = db.session.scalars(
        select(Matter).where(Matter.state != MatterState.WITHDRAWN.value)
        .order_by(Matter.created_at.desc(), Matter.id.desc()).limit(5)).all()
    counts = dict(db.session.execute(
        select(Matter.state, func.count()).group_by(Matter.state)).all())
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    return render_template("public/home.html", street=street, latest=latest, counts=counts,
                           communities=communities, S=MatterState)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"ok": True}
