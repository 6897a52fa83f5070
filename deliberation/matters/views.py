"""Residents' side of matters: file, list, read, edit, resubmit, withdraw.

URL table:
    /matters/                       matters.needs      the needs list (public)
    /matters/new                    matters.new        file a matter (login)
    /matters/mine                   matters.mine       what I filed (login)
    /matters/<id>                   matters.detail     the matter page with its timeline (public)
    /matters/<id>/edit              matters.edit       proposer, until screening
    /matters/<id>/resubmit   POST   matters.resubmit   proposer, after a return
    /matters/<id>/withdraw          matters.withdraw   proposer, until on an agenda (GET confirms)
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..accounts.forms import ConfirmForm
from ..core import audit
from ..core.htmx import render
from ..core.pagination import paginate
from ..directory.models import Category
from ..extensions import db
from . import services, workflow
from .forms import MatterForm
from .models import Matter
from .states import MatterState

bp = Blueprint("matters", __name__, url_prefix="/matters")


def get_matter(matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    return matter


def visible_matter(matter_id: int) -> Matter:
    """The matter if the current user may see it: public matters to all, the rest to insiders."""
    matter = get_matter(matter_id)
    if not matter.is_public and not _insider(matter):
        abort(404)
    return matter


def _insider(matter: Matter) -> bool:
    u = current_user
    return u.is_authenticated and (
        u.is_staff or u.sits_on_committee_of(matter.community_id) or matter.proposer_id == u.id
        or matter.filed_by_id == u.id)


def _categories() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.id))
    return [(c.id, c.name) for c in rows]


@bp.get("/")
def needs():
    query = (select(Matter).where(Matter.state != MatterState.WITHDRAWN.value)
             .order_by(Matter.created_at.desc(), Matter.id.desc()))
    page = paginate(query, request.args.get("page"), per_page=current_app.config["PAGE_SIZE"])
    return render_template("matters/needs.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = MatterForm()
    form.category_id.choices = _categories()
    if request.method == "GET":
        form.submit_token.data = secrets.token_urlsafe(24)
    if form.validate_on_submit():
        try:
            matter, created = services.file_matter(
                filer=current_user, title=form.title.data, description=form.description.data,
                category_id=form.category_id.data, place=form.place.data or "",
                hide_name=form.hide_name.data, submit_token=form.submit_token.data)
        except services.FilingError as exc:
            getattr(form, exc.field, form.title).errors.append(str(exc))
        else:
            if created:
                flash(_("议题已提交，居委会将在 10 天内初审答复。"), "success")
            return redirect(url_for("matters.detail", matter_id=matter.id))
    status = 422 if request.method == "POST" else 200
    return render_template("matters/new.html", form=form), status


@bp.get("/mine")
@login_required
def mine():
    query = (select(Matter)
             .where(or_(Matter.proposer_id == current_user.id, Matter.filed_by_id == current_user.id))
             .order_by(Matter.created_at.desc(), Matter.id.desc()))
    page = paginate(query, request.args.get("page"), per_page=current_app.config["PAGE_SIZE"])
    return render_template("matters/mine.html", page=page)


@bp.get("/<int:matter_id>")
def detail(matter_id: int):
    matter = visible_matter(matter_id)
    if workflow.due_for_tick(matter):
        from ..database import write_transaction

        with write_transaction():
            workflow.tick_one(db.session.get(Matter, matter_id))
        matter = get_matter(matter_id)
    entries = audit.timeline("matter", matter.id, include_internal=_can_see_internal(matter))
    return render("matters/detail.html", matter=matter, entries=entries,
                  can_edit=services.can_edit(matter, current_user),
                  confirm_form=ConfirmForm())


def _can_see_internal(matter: Matter) -> bool:
    u = current_user
    return u.is_authenticated and (u.is_staff or u.sits_on_committee_of(matter.community_id))


@bp.route("/<int:matter_id>/edit", methods=["GET", "POST"])
@login_required
def edit(matter_id: int):
    matter = get_matter(matter_id)
    if not services.can_edit(matter, current_user):
        abort(403)
    form = MatterForm(obj=matter)
    form.category_id.choices = _categories()
    if form.validate_on_submit():
        try:
            services.edit_matter(matter, current_user, title=form.title.data,
                                 description=form.description.data,
                                 category_id=form.category_id.data, place=form.place.data or "",
                                 hide_name=form.hide_name.data)
        except services.FilingError as exc:
            getattr(form, exc.field, form.title).errors.append(str(exc))
        else:
            flash(_("修改已保存。"), "success")
            return redirect(url_for("matters.detail", matter_id=matter.id))
    status = 422 if request.method == "POST" else 200
    return render_template("matters/edit.html", form=form, matter=matter), status


@bp.post("/<int:matter_id>/resubmit")
@login_required
def resubmit(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("resubmit", current_user):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    workflow.resubmit(matter, current_user)
    flash(_("已重新提交，等待居委会初审。"), "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))


@bp.route("/<int:matter_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("withdraw", current_user):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            abort(400)
        return render_template("matters/confirm_withdraw.html", matter=matter, form=form)
    workflow.withdraw(matter, current_user, reason=(request.form.get("reason") or "")[:500])
    flash(_("议题已撤回。"), "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))
