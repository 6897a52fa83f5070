"""Verifying residents (核实), on the `accounts` blueprint.

URL table:
    /residents/verify                  accounts.verify_list   committee (own community) or staff
    /residents/<id>/verify    POST     accounts.verify        mark verified, or undo (verified=0)
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.pagination import paginate
from ...directory.models import Community
from ...extensions import db
from .. import verification
from ..blueprint import bp
from ..forms import ConfirmForm
from ..models import User


def _may_verify_anyone() -> bool:
    return current_user.is_staff or bool(current_user.committee_community_ids)


@bp.get("/residents/verify")
@login_required
def verify_list():
    if not _may_verify_anyone():
        abort(403)
    shown = (select(Community).order_by(Community.id) if current_user.is_staff else
             select(Community).where(Community.id.in_(current_user.committee_community_ids)))
    communities = db.session.scalars(shown).all()
    # Only a community the viewer may see narrows the list; anything else shows them all.
    raw = request.args.get("community", "")
    community_id = next((c.id for c in communities if str(c.id) == raw), None)
    query = verification.verifiable_residents(current_user, community_id=community_id)
    page = paginate(query.options(selectinload(User.community)), request.args.get("page"),
                    per_page=30)
    required = any(verification.required(c) for c in communities)
    return render_template("accounts/verify.html", page=page, form=ConfirmForm(),
                           communities=communities, community_id=community_id, required=required)


@bp.post("/residents/<int:user_id>/verify")
@login_required
def verify(user_id: int):
    resident = db.session.get(User, user_id) or abort(404)
    if not current_user.can_verify(resident):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    verified = request.form.get("verified", "1") != "0"
    verification.set_verified(resident, by=current_user, verified=verified)
    if verified:
        flash(_("已核实：%(n)s。", n=resident.display_name), "success")
    else:
        flash(_("已撤销对 %(n)s 的核实。", n=resident.display_name), "success")
    return redirect(url_for("accounts.verify_list", page=_number(request.form.get("page")),
                            community=_number(request.form.get("community"))))


def _number(value: str | None) -> int | None:
    """A small positive number typed back from the form (page, community), else None."""
    if value and value.isdigit() and len(value) < 10 and int(value) > 0:
        return int(value)
    return None
