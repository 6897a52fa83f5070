"""Residents' side of matters: file, list, read, edit, resubmit, withdraw.

URL table:
    /matters/                        matters.needs      the needs list (public; sort, filters, q)
    /matters/new                     matters.new        file a matter (login; staff file 代录)
    /matters/new/check/<name> POST   matters.check      htmx: validate one field (partial)
    /matters/new/similar             matters.similar    htmx: open matters like the title (partial)
    /matters/mine                    matters.mine       what I filed and co-signed (login)
    /matters/<id>                    matters.detail     the matter page with its timeline (public)
    /matters/<id>/edit               matters.edit       proposer, until screening
    /matters/<id>/resubmit    POST   matters.resubmit   proposer, after a return
    /matters/<id>/withdraw           matters.withdraw   proposer, until on an agenda (GET confirms)
Co-sign, follow and photo routes: `matters/views/support.py` (same blueprint).
"""

from __future__ import annotations

import secrets

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import ConfirmForm
from ...accounts.models import User
from ...core.htmx import render
from ...core.inputs import int_arg
from ...core.page_cache import shared_page
from ...directory.models import Category, Community
from ...extensions import db
from ...notifications import preferences as notification_preferences
from .. import filing, search, services, support, workflow
from ..blueprint import bp
from ..forms import FilingForm, MatterForm, StaffFilingForm
from ..models import Channel
from ..pages import detail_context, get_matter, visible_matter


@bp.get("/")
@shared_page
def needs():
    try:
        nq = search.parse(request.args)
    except search.BadQuery as exc:
        return render_template("errors/error.html", code=400, title=_("筛选条件有误"),
                               message=str(exc)), 400
    results = search.fetch(nq, per_page=current_app.config["PAGE_SIZE"])
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    return render("matters/needs.html", "matters/_needs_results.html", results=results,
                  nq=nq, categories=categories, communities=communities,
                  states=search.public_states())


def _filing_form() -> FilingForm:
    form = StaffFilingForm() if current_user.is_staff else FilingForm()
    filing.prepare(form, check=True)
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _filing_form()
    if request.method == "GET":
        form.submit_token.data = secrets.token_urlsafe(24)
        if not current_user.is_staff:
            form.community_id.data = str(current_user.community_id or "")
        return render_template("matters/new.html", form=form, pending=[], pending_token="",
                               similar=[])
    valid = form.validate_on_submit()
    upload = filing.receive_photos(form, current_user.id)
    form.photos.errors = list(form.photos.errors) + upload.errors
    if valid and not upload.errors:
        try:
            matter, created = services.file_matter(
                filer=current_user, title=form.title.data, description=form.description.data,
                category_id=form.category_id.data, place=form.place.data or "",
                hide_name=form.hide_name.data, submit_token=form.submit_token.data,
                photos=upload.all, **_on_behalf(form))
        except services.FilingError as exc:
            getattr(form, exc.field, form.title).errors.append(str(exc))
        else:
            if created and matter.proposer and _sms_ticked(form):
                notification_preferences.choose_sms(matter.proposer)  # 代录: hears by SMS
            if created:
                flash(_("议题已提交，居委会将在 10 天内初审答复。"), "success")
            else:
                upload.discard_new()  # a resent form: the first request's photos are attached
            return redirect(url_for("matters.detail", matter_id=matter.id))
    pending = upload.all
    # Without JavaScript the suggestions come with the re-shown form instead of while typing.
    similar = support.similar_for(current_user, form.title.data or "",
                                  _community_choice(form.community_id.data))
    return render_template("matters/new.html", form=form, pending=pending, similar=similar,
                           pending_token=filing.pending_token(current_user.id, pending)), 422


def _sms_ticked(form: FilingForm) -> bool:
    return isinstance(form, StaffFilingForm) and bool(form.notify_by_sms.data)


def _on_behalf(form: FilingForm) -> dict:
    """The service's arguments for who and where; a bad value raises FilingError."""
    if not isinstance(form, StaffFilingForm):
        raw = (form.community_id.data or "").strip()
        if raw and int_arg(raw) is None:
            raise services.FilingError("community_id", _("社区编号无效。"))
        return {"community_id": int_arg(raw)}
    proposer = None
    phone = (form.resident_phone.data or "").strip()
    if phone:
        proposer = db.session.scalar(select(User).where(User.phone == phone))
        if proposer is None:
            raise services.FilingError("resident_phone", _("没有找到这个手机号的居民账号，可以不填。"))
    return {"channel": Channel(form.channel.data), "proposer": proposer,
            "community_id": form.community_id.data or None}


@bp.post("/new/check/<name>")
@login_required
def check(name: str):
    """htmx: validate the whole form, answer with one field's partial and its errors only."""
    if name not in filing.CHECKED_FIELDS:
        abort(404)
    form = _filing_form()
    form.validate()
    return render_template("matters/_check.html", form=form, f=form[name], check=True)


@bp.get("/new/similar")
def similar():
    """htmx, while the title is typed: open matters of the same community that look alike, each
    with a co-sign button. Anonymous callers get an empty box (a 200: htmx swaps what it gets)."""
    found = support.similar_for(current_user, request.args.get("title", ""),
                                _community_choice(request.args.get("community_id")))
    return render_template("matters/_similar.html", similar=found)


def _community_choice(raw) -> int | None:
    """The community a staff filer chose (residents' own is taken from their account)."""
    raw = str(raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


@bp.get("/mine")
@login_required
def mine():
    filed, signed = support.my_matters(current_user, request.args.get("filed_page"),
                                       request.args.get("signed_page"))
    return render_template("matters/mine.html", filed=filed, signed=signed)


@bp.get("/<int:matter_id>")
@shared_page
def detail(matter_id: int):
    matter = visible_matter(matter_id)
    if workflow.due_for_tick(matter):
        from ...database import write_transaction

        with write_transaction():
            if (claimed := workflow.claim(matter_id)) is not None:
                workflow.tick_one(claimed)
        matter = get_matter(matter_id)
    return render("matters/detail.html", **detail_context(matter))


@bp.route("/<int:matter_id>/edit", methods=["GET", "POST"])
@login_required
def edit(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("edit", current_user):
        abort(403)
    form = MatterForm(obj=matter)
    filing.prepare(form)
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

