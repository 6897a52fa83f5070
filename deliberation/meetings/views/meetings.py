"""Meetings, organiser's side: schedule, agenda, publish, iCal, QR, minutes, body rule sets.

URL table:
    /meetings/                              meetings.index        upcoming and past meetings
    /meetings/new                  GET/POST meetings.new          call a meeting (organisers)
    /meetings/<id>                          meetings.detail       agenda (public once published)
    /meetings/<id>/agenda          POST     meetings.add_item     put an accepted matter on it
    /meetings/items/<id>/remove    POST     meetings.remove_item  take it off again
    /meetings/<id>/publish         POST     meetings.publish      会前公示, notify members
    /meetings/<id>/start           POST     meetings.start        chair opens the meeting
    /meetings/<id>/end             POST     meetings.end          chair closes the meeting
    /meetings/<id>/meeting.ics              meetings.ical         calendar file
    /meetings/<id>/qr.svg                   meetings.qr           check-in QR (organisers)
    /meetings/<id>/minutes                  meetings.minutes      会议纪要, A4 print layout
    /meetings/<id>/minutes/notes   POST     meetings.notes        recorder's notes
    /meetings/<id>/minutes/confirm POST     meetings.confirm      chair or recorder confirms
    /meetings/rules/<body_id>      GET/POST meetings.body_rules   a body's rule set (staff)
Live pages and item actions are in `views/live.py`; objections in `views/notice.py`.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.forms import ConfirmForm
from ...accounts.models import User
from ...core.confirmation import ask, is_confirmed
from ...core.inputs import int_arg
from ...core.pagination import paginate
from ...directory.models import Body
from ...extensions import db
from ...matters.models import Matter
from .. import digests, rules, rulesets, services
from .. import minutes as minutes_data
from ..blueprint import bp
from ..forms import MeetingForm, NotesForm, RuleSetForm
from ..models import AgendaItem, Meeting, MeetingState
from ..pages import confirmed, get_meeting, run


@bp.get("/")
def index():
    """Published meetings, newest first, a page at a time; above them the drafts this user
    may manage (drafts are few, and nobody else sees them)."""
    newest = (Meeting.starts_at.desc(), Meeting.id.desc())
    page = paginate(select(Meeting).where(Meeting.state != MeetingState.DRAFT.value)
                    .order_by(*newest).options(selectinload(Meeting.bodies)),
                    request.args.get("page"), per_page=20)
    drafts = []
    if current_user.is_authenticated:
        drafts = [m for m in db.session.scalars(
            select(Meeting).where(Meeting.state == MeetingState.DRAFT.value).order_by(*newest)
            .options(selectinload(Meeting.bodies))) if m.can_manage(current_user)]
    can_call = current_user.is_authenticated and bool(services.organisable_bodies(current_user))
    return render_template("meetings/index.html", page=page, drafts=drafts, can_call=can_call)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    own = services.organisable_bodies(current_user)
    if not own:
        abort(403)
    form = MeetingForm()
    # Only bodies the caller may convene (all for staff): a joint meeting (联席会议) of bodies
    # the caller leads. Who a meeting may decide for follows from them (Meeting.may_decide).
    body_ids = [b.id for b in own]
    form.body_ids.choices = [(b.id, b.name) for b in own]
    leaders = services.chair_candidates(body_ids)
    members = services.member_candidates(body_ids)
    staff = [current_user] if current_user.is_staff else []
    form.chair_id.choices = _people(leaders + staff)
    form.recorder_id.choices = _people(members + staff)
    if not rulesets.can_set_rules(current_user):
        del form.rule_preset  # the body's rule set applies; only staff may choose another
    if request.method == "GET":
        form.body_ids.data = [own[0].id]
        if current_user.id in {u.id for u in leaders}:
            form.chair_id.data = current_user.id
    if form.validate_on_submit():
        ok, meeting = run(
            services.create_meeting, current_user, body_ids=form.body_ids.data,
            title=form.title.data, starts_at=to_utc(form.starts_at.data).replace(tzinfo=None),
            place=form.place.data or "", mode=form.mode.data, chair_id=form.chair_id.data,
            recorder_id=form.recorder_id.data, minutes_planned=form.minutes_planned.data,
            online_link=form.online_link.data or "", speaker_seconds=form.speaker_seconds.data,
            max_turns=form.max_turns.data,
            rule_preset=(form.rule_preset.data or None) if form.rule_preset else None)
        if ok:
            flash(_("会议已创建。请把议题排入议程，然后发布。"), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/new.html", form=form), status


def _people(users: list[User]) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for u in users:
        seen.setdefault(u.id, u.display_name)
    return list(seen.items())


@bp.get("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = get_meeting(meeting_id)
    manage = meeting.can_manage(current_user)
    items = minutes_data.agenda(meeting)  # the matters loaded with the items: no query per item
    return render_template(
        "meetings/detail.html", meeting=meeting, manage=manage, digests=digests.for_items(items),
        chair=meeting.can_chair(current_user),
        expected=services.is_expected(meeting, current_user),
        schedulable=services.schedulable_matters(meeting) if manage else [],
        rule=services.rule_of(meeting), confirm_form=ConfirmForm())


@bp.post("/<int:meeting_id>/agenda")
@login_required
def add_item(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    matter = db.session.get(Matter, int_arg(request.form.get("matter_id"), default=0))
    if matter is None:
        flash(_("请选择一个议题。"), "error")
    elif run(services.add_item, meeting, matter, current_user)[0]:
        flash(_("已排入议程：%(t)s", t=matter.title), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/items/<int:item_id>/remove")
@login_required
def remove_item(item_id: int):
    item = db.session.get(AgendaItem, item_id) or abort(404)
    meeting_id = item.meeting_id
    confirmed()
    if run(services.remove_item, item, current_user)[0]:
        flash(_("已移出议程，议题回到待议。"), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/<int:meeting_id>/publish")
@login_required
def publish(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    ok, n = run(services.publish, meeting, current_user)
    if ok:
        flash(_("议程已公示，已通知 %(n)d 位成员。", n=n), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/start")
@login_required
def start(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    if run(services.start, meeting, current_user)[0]:
        return redirect(url_for("meetings.chair", meeting_id=meeting.id))
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/end")
@login_required
def end(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    if not meeting.can_chair(current_user):
        abort(403)
    if not is_confirmed():
        return ask(_("宣布散会后，未表决的议题将全部搁置、退回待议，不能撤销。确定吗？"),
                   button=_("宣布散会"), cancel_url=url_for("meetings.chair", meeting_id=meeting.id),
                   summary=[(_("会议"), meeting.title)])
    ok, deferred = run(services.end, meeting, current_user)
    if ok:
        flash(_("已散会。") + (_("未及审议的 %(n)d 项已退回待议。", n=deferred) if deferred else ""),
              "success")
        return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    return redirect(url_for("meetings.chair", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/meeting.ics")
def ical(meeting_id: int):
    meeting = get_meeting(meeting_id)
    body = minutes_data.ical(meeting, url_for("meetings.detail", meeting_id=meeting.id, _external=True))
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'}


@bp.get("/<int:meeting_id>/qr.svg")
@login_required
def qr(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    import qrcode
    import qrcode.image.svg

    target = url_for("meetings.checkin", code=meeting.checkin_code, _external=True)
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "private, no-store"}


@bp.get("/<int:meeting_id>/minutes")
def minutes(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if meeting.state == MeetingState.DRAFT.value:
        abort(404)
    return render_template("meetings/minutes.html", meeting=meeting, m=minutes_data.build(meeting),
                           recorder=meeting.can_record(current_user),
                           chair=meeting.can_chair(current_user),
                           notes_form=NotesForm(notes=meeting.notes), confirm_form=ConfirmForm())


@bp.post("/<int:meeting_id>/minutes/notes")
@login_required
def notes(meeting_id: int):
    meeting = get_meeting(meeting_id)
    form = NotesForm()
    if not form.validate_on_submit():
        abort(400)
    if run(minutes_data.save_notes, meeting, current_user, form.notes.data or "")[0]:
        flash(_("备注已保存。"), "success")
    return redirect(url_for("meetings.minutes", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/minutes/confirm")
@login_required
def confirm(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    if run(minutes_data.confirm, meeting, current_user)[0]:
        flash(_("已确认会议纪要。"), "success")
    return redirect(url_for("meetings.minutes", meeting_id=meeting.id))


@bp.route("/rules/<int:body_id>", methods=["GET", "POST"])
@login_required
def body_rules(body_id: int):
    if not rulesets.can_set_rules(current_user):
        abort(403)
    body = db.session.get(Body, body_id) or abort(404)
    current = rulesets.of_body(body)
    form = RuleSetForm()
    if request.method == "GET":
        form.fill(current)
    if form.validate_on_submit():
        run(rulesets.set_for_body, body, current_user, form.rule)
        flash(_("表决规则已保存，之后召集的会议按新规则计票。"), "success")
        return redirect(url_for("meetings.body_rules", body_id=body.id))
    return render_template("meetings/body_rules.html", body=body, form=form, current=current,
                           presets=rules.PRESETS.values(),
                           fractions=rules.COMMON_FRACTIONS), 422 if request.method == "POST" else 200

