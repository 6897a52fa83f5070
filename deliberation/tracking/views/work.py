"""Carrying a matter out: assignment, pledges, reports, spending, rating, closing, supervision.

URL table (the lists are in views/lists.py):
    /tracking/<id>/assign            GET/POST  tracking.assign       staff, in progress
    /tracking/<id>/phases/<p>/done   POST      tracking.phase_done   implementer or staff
    /tracking/<id>/pledge            GET/POST  tracking.pledge       business/organisation members
    /tracking/pledges/<p>/fulfil     POST      tracking.fulfil       staff
    /tracking/<id>/report            GET/POST  tracking.report       implementer or staff
    /tracking/<id>/spending          GET/POST  tracking.spending     implementer or staff
    /tracking/<id>/done              GET/POST  tracking.done         implementer or staff
    /tracking/<id>/resume            GET/POST  tracking.resume       implementer or staff, rectifying
    /tracking/<id>/ledger            GET       tracking.ledger       public
    /tracking/<id>/rate              GET/POST  tracking.rate         residents of the community (htmx)
    /tracking/<id>/close             GET/POST  tracking.close        staff, after a passing evaluation
    /tracking/<id>/decide            GET/POST  tracking.decide       staff, after a round nobody rated
    /tracking/<id>/supervise         POST      tracking.supervise    staff
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import ConfirmForm
from ...core import errors, photos
from ...core.htmx import is_htmx, render
from ...core.time import utcnow
from ...extensions import db
from ...matters import workflow
from ...matters.pages import get_matter, visible_matter
from .. import assignment, evaluation, reports, resources, supervision
from ..blueprint import bp
from ..forms import (
    AssignForm,
    CloseForm,
    DecideForm,
    DoneForm,
    PledgeForm,
    RateForm,
    ReportForm,
    ResumeForm,
    SpendingForm,
    SuperviseForm,
)
from ..models import Phase, Pledge
from ..services import section
from . import lists


def _back(matter_id: int):
    return redirect(url_for("matters.detail", matter_id=matter_id) + "#tracking")


def _stored(name: str, field, limit: int = reports.MAX_PHOTOS) -> list[photos.StoredPhoto] | None:
    """The field's photos, stored before the service writes (outside the write transaction);
    None, with the message on the field, if one cannot be accepted."""
    uploads = [(f.stream, f.filename or "") for f in request.files.getlist(name) if f and f.filename]
    try:
        return photos.store_all(uploads, limit=limit)
    except photos.PhotoError as exc:
        field.errors = [str(exc)]
        return None


def _page(template: str, error: str | None = None, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, error=error, **context), status


@bp.route("/tracking/<int:matter_id>/assign", methods=["GET", "POST"])
@login_required
def assign(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("assign", current_user):
        abort(403)
    current = assignment.assignment_of(matter.id)
    form = AssignForm()
    orgs = lists.organisation_choices()
    form.organisation_id.choices = [(0, _("请选择"))] + orgs
    form.lead_id.choices = [(0, _("请选择"))] + lists.lead_choices()
    if request.method == "GET":
        if current:
            form.organisation_id.data, form.lead_id.data = current.organisation_id, current.lead_id
            form.budget.data, form.due_on.data = f"{current.budget_cents / 100:g}", current.due_on
            for p in current.phases:
                getattr(form, f"phase_{p.key}").data = p.due_on
    error = None
    if form.validate_on_submit():
        try:
            assignment.assign(
                matter, current_user, organisation_id=form.organisation_id.data,
                lead_id=form.lead_id.data, budget_cents=form.budget.cents or 0,
                due_on=form.due_on.data,
                phase_dues=form.chosen_phases())
        except errors.Refused as exc:
            error = str(exc)
        else:
            flash(_("已派单，承接组织会收到通知。"), "success")
            return _back(matter.id)
    return _page("tracking/assign.html", error, matter=matter, form=form, current=current,
                 today=utcnow().date())


@bp.post("/tracking/<int:matter_id>/phases/<int:phase_id>/done")
@login_required
def phase_done(matter_id: int, phase_id: int):
    matter = get_matter(matter_id)
    phase = db.session.get(Phase, phase_id)
    a = assignment.assignment_of(matter.id)
    if phase is None or a is None or phase.assignment_id != a.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        assignment.complete_phase(phase, matter, current_user)
    except errors.Forbidden:
        abort(403)
    except errors.Refused as exc:
        flash(str(exc), "error")
        return _back(matter.id)
    flash(_("已标记「%(p)s」完成。", p=phase.phase.label), "success")
    return _back(matter.id)


@bp.route("/tracking/<int:matter_id>/pledge", methods=["GET", "POST"])
@login_required
def pledge(matter_id: int):
    matter = visible_matter(matter_id)
    if not resources.may_give(current_user):
        abort(403)
    form = PledgeForm()
    orgs = resources.organisations_of(current_user)
    form.organisation_id.choices = [(o.id, o.name) for o in orgs] + [(0, _("个人（商联会会员）"))]
    error = None
    if not matter.can("pledge", current_user):
        error = _("此议题当前为「%(state)s」，不再接受认捐。", state=matter.status.label)
    elif form.validate_on_submit():
        try:
            resources.pledge(matter, current_user, kind=form.kind.data,
                             description=form.description.data, quantity=form.quantity.data or "",
                             amount_cents=form.amount.cents or 0,
                             organisation_id=form.organisation_id.data or None)
        except errors.Forbidden:
            abort(403)
        except errors.Refused as exc:
            form.amount.errors.append(str(exc))
        else:
            flash(_("谢谢您的认捐！社工站会与您联系对接。"), "success")
            return _back(matter.id)
    return _page("tracking/pledge.html", error, matter=matter, form=form)


@bp.post("/tracking/pledges/<int:pledge_id>/fulfil")
@login_required
def fulfil(pledge_id: int):
    p = db.session.get(Pledge, pledge_id) or abort(404)
    matter = get_matter(p.matter_id)
    if not current_user.is_staff:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        resources.fulfil(p, matter, current_user)
    except errors.Refused as exc:
        flash(str(exc), "info")
    else:
        flash(_("已确认「%(d)s」到位。", d=p.description), "success")
    return _back(matter.id)


def _implementer_page(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("report_progress", current_user):
        abort(403)
    return matter


@bp.route("/tracking/<int:matter_id>/report", methods=["GET", "POST"])
@login_required
def report(matter_id: int):
    matter = _implementer_page(matter_id)
    form = ReportForm()
    if form.validate_on_submit() and (stored := _stored("photos", form.photos)) is not None:
        reports.add_report(matter, current_user, body=form.body.data,
                           percent=form.percent.data, stored=stored)
        flash(_("进展已发布。"), "success")
        return _back(matter.id)
    return _page("tracking/report.html", matter=matter, form=form)


@bp.route("/tracking/<int:matter_id>/spending", methods=["GET", "POST"])
@login_required
def spending(matter_id: int):
    matter = _implementer_page(matter_id)
    form = SpendingForm()
    if request.method == "GET":
        form.spent_on.data = utcnow().date()
    if form.validate_on_submit() and (receipt := _stored("receipt", form.receipt, 1)) is not None:
        try:
            reports.add_spending(matter, current_user, amount_cents=form.amount.cents,
                                 what=form.what.data, spent_on=form.spent_on.data,
                                 receipt=receipt[0] if receipt else None)
        except errors.Refused as exc:
            for p in receipt:
                photos.discard(p.key)
            form.spent_on.errors = [str(exc)]
        else:
            flash(_("支出已记入公开账目。"), "success")
            return redirect(url_for("tracking.ledger", matter_id=matter.id))
    return _page("tracking/spending.html", matter=matter, form=form)


@bp.route("/tracking/<int:matter_id>/done", methods=["GET", "POST"])
@login_required
def done(matter_id: int):
    matter = _implementer_page(matter_id)
    form = DoneForm()
    error = None
    if not matter.can("report_done", current_user):
        # Rectifying: the rectification measures come first (tracking.resume), then "done".
        error = _("此议题当前为「%(state)s」，不能报告完成。", state=matter.status.label)
    elif form.validate_on_submit() and (stored := _stored("photos", form.photos)) is not None:
        try:
            reports.report_done(matter, current_user, summary=form.summary.data, stored=stored)
        except errors.Refused as exc:
            error = str(exc)
        else:
            flash(_("已报告完成，现在请居民评议。"), "success")
            return _back(matter.id)
    return _page("tracking/done.html", error, matter=matter, form=form)


@bp.route("/tracking/<int:matter_id>/resume", methods=["GET", "POST"])
@login_required
def resume(matter_id: int):
    """整改中 → 实施中: the implementer states the rectification measures."""
    matter = _implementer_page(matter_id)
    form = ResumeForm()
    error = None
    if not matter.can("resume", current_user):
        error = _("此议题当前为「%(state)s」，不在整改中。", state=matter.status.label)
    elif form.validate_on_submit():
        try:
            workflow.resume(matter, current_user, reason=form.plan.data)
        except errors.Refused as exc:
            error = str(exc)
        else:
            flash(_("整改措施已公布，议题回到实施中。"), "success")
            return _back(matter.id)
    return _page("tracking/resume.html", error, matter=matter, form=form)


@bp.get("/tracking/<int:matter_id>/ledger")
def ledger(matter_id: int):
    matter = visible_matter(matter_id)
    return render_template("tracking/ledger.html", matter=matter, s=section(matter, current_user))


@bp.route("/tracking/<int:matter_id>/rate", methods=["GET", "POST"])
@login_required
def rate(matter_id: int):
    matter = visible_matter(matter_id)
    if not current_user.lives_in(matter.community_id):
        abort(403)
    form = RateForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            evaluation.rate(matter, current_user, choice=form.choice.data,
                            comment=form.comment.data or "")
        except errors.Refused as exc:
            error = str(exc)
        else:
            if not is_htmx():
                flash(_("谢谢您的评议！"), "success")
                return _back(matter.id)
            return render("tracking/rate.html", "tracking/_evaluation.html", matter=matter,
                          s=section(matter, current_user), thanked=True)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and error and not form.errors:
        status = 409
    return render("tracking/rate.html", "tracking/_evaluation.html", status=status, matter=matter,
                  s=section(matter, current_user), rate_form=form, error=error)


@bp.route("/tracking/<int:matter_id>/close", methods=["GET", "POST"])
@login_required
def close(matter_id: int):
    matter = get_matter(matter_id)
    if not current_user.is_staff:
        abort(403)
    form = CloseForm()
    error = None
    if form.validate_on_submit():
        try:
            evaluation.close(matter, current_user, summary=form.summary.data)
        except errors.Refused as exc:
            error = str(exc)
        else:
            flash(_("已销号，办理结果已公示。"), "success")
            return _back(matter.id)
    elif request.method == "GET" and not matter.can("close", current_user):
        error = evaluation.close_problem(matter) if matter.status.value == "in_evaluation" else \
            _("此议题当前为「%(state)s」，不能销号。", state=matter.status.label)
    return _page("tracking/close.html", error, matter=matter, form=form,
                 s=section(matter, current_user))


@bp.route("/tracking/<int:matter_id>/decide", methods=["GET", "POST"])
@login_required
def decide(matter_id: int):
    """Nobody rated, even in the extended window: staff close or rectify, with a reason."""
    matter = get_matter(matter_id)
    if not current_user.is_staff:
        abort(403)
    form = DecideForm()
    error = None
    if not evaluation.awaits_staff(matter):
        error = _("只有两个评议期都无人评议的议题，才由工作人员决定销号或整改。")
    elif form.validate_on_submit():
        try:
            evaluation.decide_unrated(matter, current_user, decision=form.decision.data,
                                      reason=form.reason.data)
        except errors.Refused as exc:
            error = str(exc)
        else:
            flash(_("已销号，办理结果已公示。") if form.decision.data == "close"
                  else _("已转入整改，承接组织会收到通知。"), "success")
            return _back(matter.id)
    return _page("tracking/decide.html", error, matter=matter, form=form,
                 s=section(matter, current_user))


@bp.post("/tracking/<int:matter_id>/supervise")
@login_required
def supervise(matter_id: int):
    matter = get_matter(matter_id)
    if not current_user.is_staff:
        abort(403)
    form = SuperviseForm()
    if not form.validate_on_submit():
        flash(_("请写明督办要求。"), "error")
    else:
        try:
            supervision.send_notice(matter, current_user, message=form.message.data)
        except errors.Refused as exc:
            flash(str(exc), "error")
        else:
            flash(_("督办通知已发出。"), "success")
    if request.form.get("next") == "board":
        return redirect(url_for("tracking.supervision_board"))
    return _back(matter.id)
