"""The residents' committee screens matters (初审).

URL table:
    /screening/                        screening.queue    oldest first, overdue marked
    /screening/<id>          GET/POST  screening.screen   the decision form
    /screening/<id>/note     POST      screening.note     an internal note
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core import audit
from ...core.confirmation import ask, is_confirmed
from ...core.inputs import int_arg
from ...core.pagination import paginate
from ...core.time import utcnow
from ...directory.models import Street
from ...extensions import db
from .. import workflow
from ..blueprint import screening_bp as bp
from ..forms import ScreeningForm
from ..models import Matter
from ..pages import get_matter
from ..states import MatterState


def screenable_communities(user) -> list[int]:
    """Community ids whose matters `user` screens: those whose residents' committee they sit
    on. Station staff oversee screening but do not screen, so staff see only the communities
    whose committee they also sit on."""
    return user.committee_community_ids


@bp.get("/")
@login_required
def queue():
    communities = screenable_communities(current_user)
    if not communities and not current_user.is_staff:
        abort(403)
    query = (select(Matter).where(Matter.state == MatterState.SUBMITTED.value,
                                  Matter.community_id.in_(communities))
             .options(selectinload(Matter.community), selectinload(Matter.category))
             .order_by(Matter.created_at, Matter.id))
    page = paginate(query, request.args.get("page"), per_page=30)
    street = db.session.scalar(select(Street).order_by(Street.id))
    target_days = street.first_answer_days if street else 10
    return render_template("matters/screening_queue.html", page=page, target_days=target_days,
                           now=utcnow(), screens=bool(communities))


def _apply_decision(matter: Matter, form: ScreeningForm) -> None:
    d = form.decision.data
    reason = form.reason.data or ""
    if d == "accept":
        workflow.accept(matter, current_user, title=form.title.data or "",
                        scope=form.scope.data or "", reason=reason)
    elif d == "return":
        workflow.return_for_detail(matter, current_user, reason=reason)
    elif d == "refer":
        workflow.refer(matter, current_user, department=form.department.data or "", reason=reason)
    elif d == "reject":
        workflow.reject(matter, current_user, reason=reason)
    elif d == "merge":
        target = _merge_target(form)
        if target is None:
            raise workflow.Refused(_no_target())
        workflow.merge(matter, current_user, target=target, reason=reason)
    if (form.note.data or "").strip():
        audit.record(actor_id=current_user.id, subject_type="matter", subject_id=matter.id,
                     action="note", reason=form.note.data.strip(), public=False)


DECISION_FIELDS = {"accept": ("title", "scope"), "return": (), "merge": ("target_id",),
                   "refer": ("department",), "reject": ()}


def _no_target() -> str:
    return _("请填写要合并到的议题编号（议题页标题旁的 # 号数字）。")


def _merge_target(form: ScreeningForm) -> Matter | None:
    target_id = int_arg((form.target_id.data or "").strip().lstrip("#"))
    return db.session.get(Matter, target_id) if target_id is not None else None


def _input_problem(form: ScreeningForm) -> str | None:
    """A missing reason (or department, target) before the confirmation, not after it."""
    values = {"reason": form.reason.data, "department": form.department.data,
              "target": (form.target_id.data or "").strip().lstrip("#")}
    problem = workflow.input_problem(form.decision.data, **values)
    if problem is None and form.decision.data == "merge" and _merge_target(form) is None:
        problem = _no_target()
    return problem


def _summary(matter: Matter, form: ScreeningForm) -> list[tuple[str, str]]:
    """What the committee member is about to decide, read back before it is final."""
    rows = [(_("议题"), f"#{matter.id} {matter.title}"),
            (str(form.decision.label.text), dict(form.decision.choices)[form.decision.data])]
    for name in (*DECISION_FIELDS[form.decision.data], "reason", "note"):
        f = form[name]
        if (f.data or "").strip():
            rows.append((str(f.label.text), f.data.strip()))
    return rows


@bp.route("/<int:matter_id>", methods=["GET", "POST"])
@login_required
def screen(matter_id: int):
    matter = get_matter(matter_id)
    # The committee may still open a matter that has left screening (the page says so);
    # nobody else may, station staff included.
    if not (matter.can_screen(current_user) or (
            matter.status != MatterState.SUBMITTED
            and current_user.sits_on_committee_of(matter.community_id))):
        abort(403)
    form = ScreeningForm()
    error = None
    if form.validate_on_submit() and not (error := _input_problem(form)):
        if not is_confirmed():
            return ask(_("初审决定提交后会通知提议人，并向居民公开，不能撤销。确定吗？"),
                       button=_("确定提交初审决定"), summary=_summary(matter, form),
                       cancel_url=url_for("screening.screen", matter_id=matter.id))
        try:
            _apply_decision(matter, form)
        except workflow.NotAllowed:
            abort(403)
        except workflow.Refused as exc:
            error = str(exc)
        else:
            flash(_("初审决定已保存，提议人会收到通知。"), "success")
            return redirect(url_for("matters.detail", matter_id=matter.id))
    status = 422 if request.method == "POST" else 200
    return render_template("matters/screen.html", matter=matter, form=form, error=error), status


@bp.post("/<int:matter_id>/note")
@login_required
def note(matter_id: int):
    matter = get_matter(matter_id)
    if not matter.can("note", current_user):
        abort(403)
    text = (request.form.get("note") or "").strip()[:1000]
    from ...accounts.forms import ConfirmForm

    if not ConfirmForm().validate_on_submit():
        abort(400)
    if text:
        audit.record(actor_id=current_user.id, subject_type="matter", subject_id=matter.id,
                     action="note", reason=text, public=False)
        flash(_("内部备注已记录。"), "success")
    return redirect(url_for("matters.detail", matter_id=matter.id))
