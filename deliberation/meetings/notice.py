"""The matter page's meeting section: agenda history, the count, the resolution notice and its
objections (异议).

URL table:
    /meetings/matters/<id>/objections   POST  meetings.object           a resident objects
    /meetings/objections/<id>/decide    POST  meetings.decide_objection committee upholds/dismisses
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..matters.models import Matter
from . import objections
from .forms import DecideObjectionForm, ObjectionForm
from .models import AgendaItem, Meeting, MeetingState, Objection
from .views import bp, run


@bp.app_template_global("meeting_section")
def meeting_section(matter: Matter) -> dict:
    """What `meetings/_matter_section.html` shows for a matter."""
    items = [i for i in db.session.scalars(
        select(AgendaItem).join(Meeting).where(AgendaItem.matter_id == matter.id,
                                                Meeting.state != MeetingState.DRAFT.value)
        .order_by(Meeting.starts_at, AgendaItem.id))]
    user = current_user if current_user.is_authenticated else None
    return {
        "items": items,
        "objections": objections.of_matter(matter),
        "can_object": objections.can_object(matter, user),
        "can_decide": objections.can_decide(matter, user),
        "objection_form": ObjectionForm(),
        "decide_form": DecideObjectionForm(),
    }


def _matter(matter_id: int) -> Matter:
    return db.session.get(Matter, matter_id) or abort(404)


@bp.post("/matters/<int:matter_id>/objections")
@login_required
def object(matter_id: int):
    matter = _matter(matter_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(_("请写明异议的理由。"), "error")
    elif run(objections.file, matter, current_user, form.text.data)[0]:
        flash(_("异议已提交，居委会将作出处理并答复。"), "success")
    return redirect(url_for("matters.detail", matter_id=matter.id) + "#meetings")


@bp.post("/objections/<int:objection_id>/decide")
@login_required
def decide_objection(objection_id: int):
    objection = db.session.get(Objection, objection_id) or abort(404)
    form = DecideObjectionForm()
    if not form.validate_on_submit():
        flash(_("请选择处理决定并写明理由。"), "error")
    elif run(objections.decide, objection, current_user, uphold=form.decision.data == "uphold",
             reason=form.reason.data)[0]:
        flash(_("异议已处理。"), "success")
    return redirect(url_for("matters.detail", matter_id=objection.matter_id) + "#meetings")
