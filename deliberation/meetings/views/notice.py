"""The matter page's meeting section: agenda history, the count, the resolution notice and its
objections (异议).

URL table:
    /meetings/matters/<id>/objections   POST  meetings.object           a resident objects
    /meetings/objections/<id>/decide    POST  meetings.decide_objection committee upholds/dismisses
A refusal shows the matter page again with what was typed (422 input, 409 state, 403 role).
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...core import errors
from ...extensions import db
from ...matters.models import Matter
from .. import objections
from ..blueprint import bp
from ..forms import DecideObjectionForm, ObjectionForm
from ..models import AgendaItem, Meeting, MeetingState, Objection


def meeting_section(matter: Matter, kept: dict | None = None) -> dict:
    """What `meetings/_matter_section.html` shows for a matter. `kept` holds a refused form
    (`objection_form`, or `decide_form` with its `objection_id`) and the `message` saying why,
    so the page shows again what was typed."""
    kept = kept or {}
    items = [i for i in db.session.scalars(
        select(AgendaItem).join(Meeting).where(AgendaItem.matter_id == matter.id,
                                                Meeting.state != MeetingState.DRAFT.value)
        .order_by(Meeting.starts_at, AgendaItem.id))]
    user = current_user if current_user.is_authenticated else None
    return {
        "items": items,
        "objections": objections.of_matter(matter),
        "can_object": matter.can("object", user),
        "object_problem": objections.object_problem(matter, user),
        "can_decide": matter.can("decide_objection", user),
        "objection_form": kept.get("objection_form") or ObjectionForm(formdata=None),
        "decide_form": DecideObjectionForm(formdata=None),
        "kept_decision": kept.get("decide_form"),
        "kept_for": kept.get("objection_id"),
        "message": kept.get("message", ""),
    }


def _matter(matter_id: int) -> Matter:
    from ...matters.pages import visible_matter

    return visible_matter(matter_id)


def _again(matter: Matter, status: int, message: str, **kept):
    """A refused objection or decision: the matter page again, with what was typed and why."""
    from ...core.htmx import render
    from ...matters.pages import detail_context

    return render("matters/detail.html", status=status,
                  **detail_context(matter, meeting_kept={"message": message, **kept}))


@bp.post("/matters/<int:matter_id>/objections")
@login_required
def object(matter_id: int):
    matter = _matter(matter_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _again(matter, 422, _("请写明异议的理由。"), objection_form=form)
    try:
        objections.file(matter, current_user, form.text.data)
    except errors.Forbidden:
        abort(403)
    except errors.ActionError as exc:
        return _again(matter, 409, str(exc), objection_form=form)
    flash(_("异议已提交，居委会将作出处理并答复。"), "success")
    return redirect(url_for("matters.detail", matter_id=matter.id) + "#meetings")


@bp.post("/objections/<int:objection_id>/decide")
@login_required
def decide_objection(objection_id: int):
    objection = db.session.get(Objection, objection_id) or abort(404)
    matter = _matter(objection.matter_id)
    if not matter.can("decide_objection", current_user):
        abort(403)
    form = DecideObjectionForm()
    kept = {"decide_form": form, "objection_id": objection.id}
    if not form.validate_on_submit():
        return _again(matter, 422, _("请选择处理决定并写明理由。"), **kept)
    try:
        objections.decide(objection, current_user, uphold=form.decision.data == "uphold",
                          reason=form.reason.data)
    except errors.Forbidden:
        abort(403)
    except errors.ActionError as exc:
        return _again(matter, 409, str(exc), **kept)
    flash(_("异议已处理。"), "success")
    return redirect(url_for("matters.detail", matter_id=objection.matter_id) + "#meetings")
