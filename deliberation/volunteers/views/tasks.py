"""Volunteer tasks on a matter being carried out.

URL table:
    /volunteers/matters/<id>/tasks/new      GET/POST  volunteers.new_task   implementer or staff
    /volunteers/tasks/<t>                   GET       volunteers.task       who may see the matter
    /volunteers/tasks/<t>/signup            POST      volunteers.signup     signed-in residents
    /volunteers/tasks/<t>/cancel            POST      volunteers.cancel     the volunteer, before the cut-off
    /volunteers/tasks/<t>/checkin           POST      volunteers.checkin    a volunteer with a place (code)
    /volunteers/tasks/<t>/mark/<s>          POST      volunteers.mark       the organiser (by hand)
    /volunteers/tasks/<t>/hours/<s>         POST      volunteers.hours      the organiser (confirm hours)
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user, login_required

from ...accounts.forms import ConfirmForm
from ...core import errors
from ...core.confirmation import ask, is_confirmed
from ...core.time import utcnow
from ...extensions import db
from ...matters import spine
from ...matters.pages import visible_matter
from .. import services
from ..blueprint import bp
from ..forms import CodeForm, HoursForm, TaskForm
from ..models import Signup, VolunteerTask


def _task(task_id: int) -> VolunteerTask:
    task = db.session.get(VolunteerTask, task_id) or abort(404)
    visible_matter(task.matter_id)
    return task


def _back(task: VolunteerTask):
    return redirect(url_for("volunteers.task", task_id=task.id))


def _page(task: VolunteerTask, status: int = 200, code_form: CodeForm | None = None):
    signup = task.signup_of(current_user)
    organiser = task.can_organise(current_user)
    return render_template(
        "volunteers/task.html", task=task, matter=task.matter, signup=signup, organiser=organiser,
        code_form=code_form or CodeForm(), now=utcnow(),
        can_sign_up=task.can_sign_up(current_user, utcnow()),
        suggested={s.id: services.suggested_minutes(task, s) for s in task.signups},
        max_minutes=services.max_minutes(task), hour=timedelta(hours=1),
        points_for=services.points_for), status


@bp.route("/volunteers/matters/<int:matter_id>/tasks/new", methods=["GET", "POST"])
@login_required
def new_task(matter_id: int):
    matter = visible_matter(matter_id)
    if not matter.can("open_volunteer_task", current_user):
        abort(403)
    form = TaskForm()
    form.phase_id.choices = [(0, _("不属于某个阶段"))] + spine.fact("work_phases")(matter.id)
    rate, _days = services.street_rule()
    if form.validate_on_submit():
        try:
            task = services.open_task(
                matter, current_user, title=form.title.data, place=form.place.data,
                starts_at=to_utc(form.starts_at.data).replace(tzinfo=None),
                ends_at=to_utc(form.ends_at.data).replace(tzinfo=None),
                capacity=form.capacity.data, cutoff_hours=form.cutoff_hours.data,
                details=form.details.data or "", phase_id=form.phase_id.data or None)
        except errors.Refused as exc:
            getattr(form, exc.field or "title").errors = [str(exc)]
        else:
            flash(_("志愿任务已发布，关注这件事的居民会收到通知。"), "success")
            return _back(task)
    status = 422 if request.method == "POST" else 200
    return render_template("volunteers/new_task.html", matter=matter, form=form, rate=rate), status


@bp.get("/volunteers/tasks/<int:task_id>")
def task(task_id: int):
    return _page(_task(task_id))


@bp.post("/volunteers/tasks/<int:task_id>/signup")
@login_required
def signup(task_id: int):
    task = _task(task_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        s = services.sign_up(task, current_user)
    except errors.Forbidden:
        abort(403)
    except errors.Refused as exc:
        flash(str(exc), "error")
        return _back(task)
    if s.status == "waiting":
        flash(_("名额已满，您在候补名单上；有人取消时会自动转为正式报名并通知您。"), "info")
    else:
        flash(_("报名成功！请按时到场，向组织者签到。"), "success")
    return _back(task)


@bp.post("/volunteers/tasks/<int:task_id>/cancel")
@login_required
def cancel(task_id: int):
    task = _task(task_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not is_confirmed():
        return ask(_("确定取消报名吗？名额会让给候补的居民。"), button=_("是，取消报名"),
                   cancel_url=url_for("volunteers.task", task_id=task.id))
    try:
        services.cancel(task, current_user)
    except errors.Refused as exc:
        flash(str(exc), "error")
    else:
        flash(_("已取消报名。"), "success")
    return _back(task)


@bp.post("/volunteers/tasks/<int:task_id>/checkin")
@login_required
def checkin(task_id: int):
    task = _task(task_id)
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(task, 422, form)
    try:
        s = services.check_in(task, current_user, form.code.data)
    except errors.Forbidden:
        abort(403)
    except errors.Refused as exc:
        form.code.errors = [str(exc)]
        return _page(task, 422, form)
    flash(_("已签退，谢谢您的付出！") if s.checked_out_at else _("签到成功！结束时再输一次签到码签退。"),
          "success")
    return _back(task)


def _organised(task_id: int, signup_id: int) -> tuple[VolunteerTask, Signup]:
    task = _task(task_id)
    if not task.can_organise(current_user):
        abort(403)
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.task_id != task.id:
        abort(404)
    return task, signup


@bp.post("/volunteers/tasks/<int:task_id>/mark/<int:signup_id>")
@login_required
def mark(task_id: int, signup_id: int):
    task, signup = _organised(task_id, signup_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.mark_by_hand(task, current_user, signup)
    except errors.Refused as exc:
        flash(str(exc), "error")
    else:
        flash(_("已为 %(n)s 签退。", n=signup.user.display_name) if signup.checked_out_at
              else _("已为 %(n)s 签到。", n=signup.user.display_name), "success")
    return _back(task)


@bp.post("/volunteers/tasks/<int:task_id>/hours/<int:signup_id>")
@login_required
def hours(task_id: int, signup_id: int):
    task, signup = _organised(task_id, signup_id)
    form = HoursForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return _back(task)
    if not is_confirmed():
        return ask(_("确认后不能修改。确定 %(n)s 服务了 %(m)s 分钟（%(p)s 积分）吗？",
                     n=signup.user.display_name, m=form.minutes.data,
                     p=services.points_for(task, form.minutes.data)),
                   button=_("确认时长"), cancel_url=url_for("volunteers.task", task_id=task.id))
    try:
        services.confirm_hours(task, current_user, signup, form.minutes.data)
    except errors.Refused as exc:
        flash(str(exc), "error")
    else:
        flash(_("已确认 %(n)s 的服务时长。", n=signup.user.display_name), "success")
    return _back(task)
