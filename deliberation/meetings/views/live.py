"""Meetings in the room: check-in, the chair's screen, the projector, members' phones, and the
actions on one item (debate, speakers, recusal, vote, count, close, defer).

URL table:
    /meetings/checkin                 GET/POST meetings.checkin      a member types or scans the code
    /meetings/<id>/attendance         POST     meetings.attendance   recorder marks present/absent
    /meetings/<id>/chair                       meetings.chair        chair's and recorder's screen
    /meetings/<id>/projector                   meetings.projector    large type for the room (organisers:
                                                                     it shows the check-in code)
    /meetings/<id>/phone                       meetings.phone        a member's phone
    /meetings/<id>/live/<view>                 meetings.live         polled partial (204 if unchanged)
    /meetings/items/<id>/debate       POST     meetings.debate       chair opens debate
    /meetings/items/<id>/speak        POST     meetings.speak        member asks to speak (for/against)
    /meetings/speakers/<id>/floor     POST     meetings.floor        chair gives the floor
    /meetings/speakers/<id>/end       POST     meetings.end_speech   chair ends a turn / member withdraws
    /meetings/items/<id>/recuse       POST     meetings.recuse       member declares a conflict
    /meetings/items/<id>/open-vote    POST     meetings.open_vote    chair opens the vote (needs quorum)
    /meetings/items/<id>/vote         POST     meetings.vote         member votes (409 when refused)
    /meetings/items/<id>/hands        POST     meetings.hands        recorder enters a show of hands (422 with
                                                                     the typed counts when refused)
    /meetings/items/<id>/close        POST     meetings.close        chair closes: outcome + workflow
    /meetings/items/<id>/defer        POST     meetings.defer        chair defers the item
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import ConfirmForm
from ...core import errors
from ...core.confirmation import ask, is_confirmed
from ...core.htmx import is_htmx
from ...core.inputs import int_arg
from ...core.page_cache import answers_early, recall, remember
from ...extensions import db
from .. import debate as debating
from .. import rules, services, voting
from ..blueprint import bp
from ..forms import HandsForm, OpenVoteForm
from ..models import AgendaItem, Choice, ItemState, Meeting, MeetingState, Side, SpeakRequest, SpeakState
from ..pages import confirmed, get_meeting, run

VIEWS = {"chair": "meetings/_live_chair.html", "projector": "meetings/_live_projector.html",
         "phone": "meetings/_live_phone.html"}


def fingerprint(meeting: Meeting) -> str:
    version = db.session.scalar(select(Meeting.version).where(Meeting.id == meeting.id))
    return f"{version}-{voting.ballot_fingerprint(meeting.live_item)}"


def live_context(meeting: Meeting) -> dict:
    rule = services.rule_of(meeting)
    expected = services.expected_ids(meeting)
    present = services.present_ids(meeting) & set(expected)
    item = meeting.live_item
    ctx = {"meeting": meeting, "rule": rule, "expected_n": len(expected), "present_n": len(present),
           "quorum_needed": rules.quorum_needed(rule, len(expected)),
           "quorate": rules.has_quorum(rule, rules.Bases(len(expected), len(present))),
           "item": item, "fp": fingerprint(meeting), "Choice": Choice, "Side": Side,
           "last": next((i for i in reversed(meeting.items) if i.state == ItemState.CLOSED.value), None),
           "pending_items": [i for i in meeting.items if i.state == ItemState.PENDING.value]}
    if item is not None:
        b = voting.item_bases(item)
        ctx.update(bases=b, item_quorate=rules.has_quorum(rule, b),
                   item_quorum_needed=rules.quorum_needed(rule, b.members),
                   count=voting.count(item), recusals=debating.recusals(item),
                   queue=[r for r in debating.queue(item)
                          if r.state in (SpeakState.WAITING.value, SpeakState.SPEAKING.value)],
                   suggested=debating.suggested_next(item))
        speaking = next((r for r in ctx["queue"] if r.state == SpeakState.SPEAKING.value), None)
        ctx["speaking"] = speaking
        ctx["speaking_ends"] = (speaking.started_at + timedelta(seconds=meeting.speaker_seconds)
                                if speaking else None)
    return ctx


def phone_context(meeting: Meeting) -> dict:
    ctx = live_context(meeting)
    item, uid = ctx["item"], current_user.id
    ctx["checked_in"] = uid in services.present_ids(meeting)
    if item is not None:
        ctx.update(recused=debating.is_recused(item, uid),
                   turns_left=meeting.max_turns - debating.turns_taken(item, uid),
                   in_queue=any(r.user_id == uid for r in ctx["queue"]),
                   my_request=next((r for r in ctx["queue"] if r.user_id == uid), None),
                   has_voted=voting.has_voted(item, uid), my_vote=voting.my_vote(item, uid),
                   can_change_secret=item.is_secret and _receipt(item.id) is not None)
    return ctx


def _receipt(item_id: int) -> str | None:
    """The one-time receipt of this member's secret ballot, if it was cast in this browser.

    The session keeps only receipts (random, no choice), keyed by member and item, so another
    member logging in on the same phone cannot use them. The receipt names a sealed ballot; the
    choice is in no cookie.
    """
    return (session.get("ballot_receipts") or {}).get(f"{current_user.id}:{item_id}")


def item_or_404(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or not item.meeting.can_see(current_user):
        abort(404)
    return item


def back_to(item: AgendaItem, view: str = "chair"):
    return redirect(url_for(f"meetings.{view}", meeting_id=item.meeting_id))


# --- check-in and attendance ---------------------------------------------------------------------

@bp.route("/checkin", methods=["GET", "POST"])
@login_required
def checkin():
    code = (request.values.get("code") or "").strip()
    error = None
    if request.method == "POST":
        confirmed()
        meeting = services.meeting_by_code(code)
        if meeting is None:
            error = _("签到码不对，请核对会场屏幕上的 6 位签到码。")
        else:
            try:
                services.check_in(meeting, current_user)
            except errors.ActionError as exc:
                error = str(exc)
            else:
                flash(_("签到成功：%(t)s", t=meeting.title), "success")
                return redirect(url_for("meetings.phone", meeting_id=meeting.id))
    status = 422 if error else 200
    return render_template("meetings/checkin.html", code=code, error=error,
                           confirm_form=ConfirmForm()), status


@bp.post("/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int):
    meeting = get_meeting(meeting_id)
    confirmed()
    user_id = int_arg(request.form.get("user_id"), default=0)
    run(services.mark, meeting, current_user, user_id, request.form.get("present") == "1")
    return redirect(url_for("meetings.chair", meeting_id=meeting.id) + "#attendance")


# --- the three live pages ------------------------------------------------------------------------

@bp.get("/<int:meeting_id>/chair")
@login_required
def chair(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    return render_template("meetings/chair.html", **live_context(meeting),
                           **_chair_extras(meeting))


def _chair_extras(meeting: Meeting) -> dict:
    from ...accounts.models import User

    ids = services.expected_ids(meeting)
    return {"members": list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))),
            "attendance": services.attendance(meeting), "is_chair": meeting.can_chair(current_user),
            "is_recorder": meeting.can_record(current_user),
            "open_form": OpenVoteForm(), "hands_form": HandsForm(), "confirm_form": ConfirmForm()}


@bp.get("/<int:meeting_id>/projector")
@login_required
def projector(meeting_id: int):
    # The room's screen shows the check-in code: only those who run the meeting open it.
    meeting = get_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    return render_template("meetings/projector.html", **live_context(meeting))


@bp.get("/<int:meeting_id>/phone")
@login_required
def phone(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if not services.is_expected(meeting, current_user):
        abort(403)
    return render_template("meetings/phone.html", **phone_context(meeting), confirm_form=ConfirmForm())


@bp.get("/<int:meeting_id>/live/<view>")
def live(meeting_id: int, view: str):
    meeting = get_meeting(meeting_id)
    if view not in VIEWS:
        abort(404)
    if view in ("chair", "projector") and not meeting.can_manage(current_user):
        abort(403)
    if view == "phone" and not services.is_expected(meeting, current_user):
        abort(403)
    if is_htmx() and "since" in request.args:
        current = fingerprint(meeting)
        # Permission checked above: until the next write this person may get the same answer
        # without the user being loaded (`_unchanged_since_last_write`).
        remember("live", _poll_key(meeting_id, view), current)
        if request.args["since"] == current:
            return "", 204  # nothing changed: htmx 4 leaves the page as it is
    ctx = phone_context(meeting) if view == "phone" else live_context(meeting)
    ctx["confirm_form"] = ConfirmForm()
    if view == "chair":
        ctx.update(_chair_extras(meeting))
    response = render_template(VIEWS[view], **ctx)
    return response, 200, {"Vary": "HX-Request"}


def _unchanged_since_last_write():
    """The 204 of an unchanged poll, before the user is loaded: only when this same signed-in
    person's full request, since the last write anywhere, passed the permission check above and
    found the same fingerprint (core/page_cache.py). Anything else takes the full path."""
    since = request.args.get("since")
    if since is None or session.get("_user_id") is None or not is_htmx():
        return None
    args = request.view_args or {}
    if recall("live", _poll_key(args.get("meeting_id"), args.get("view"))) == since:
        return "", 204
    return None


def _poll_key(meeting_id: int | None, view: str | None) -> tuple:
    """Whose answer: the signed-in person (as the session names them), the meeting, the view."""
    return session.get("_user_id"), meeting_id, view


answers_early("meetings.live", _unchanged_since_last_write)


# --- one item ---------------------------------------------------------------------------------------

@bp.post("/items/<int:item_id>/debate")
@login_required
def debate(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    run(debating.open_debate, item, current_user)
    return back_to(item)


@bp.post("/items/<int:item_id>/speak")
@login_required
def speak(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    if run(debating.request_to_speak, item, current_user, request.form.get("side", ""))[0]:
        flash(_("已排队，请等主持人点名。"), "success")
    return back_to(item, "phone")


@bp.post("/speakers/<int:request_id>/floor")
@login_required
def floor(request_id: int):
    speaker = db.session.get(SpeakRequest, request_id) or abort(404)
    confirmed()
    run(debating.give_floor, speaker, current_user)
    return back_to(item_or_404(speaker.item_id))


@bp.post("/speakers/<int:request_id>/end")
@login_required
def end_speech(request_id: int):
    speaker = db.session.get(SpeakRequest, request_id) or abort(404)
    confirmed()
    own = speaker.user_id == current_user.id
    run(debating.end_speech, speaker, current_user)
    return back_to(item_or_404(speaker.item_id), "phone" if own else "chair")


@bp.post("/items/<int:item_id>/recuse")
@login_required
def recuse(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    if not services.is_expected(item.meeting, current_user):
        abort(403)
    if not is_confirmed():
        return ask(_("申请回避后，您不参加本项的讨论和表决，不能撤销。确定吗？"), button=_("确定回避"),
                   cancel_url=url_for("meetings.phone", meeting_id=item.meeting_id),
                   summary=[(_("议程事项"), item.matter.title),
                            (_("回避理由（写入纪要）"), request.form.get("reason", "") or _("未填写"))])
    if run(debating.recuse, item, current_user, request.form.get("reason", ""))[0]:
        flash(_("已登记回避：您不参加本项的讨论和表决。"), "success")
    return back_to(item, "phone")


@bp.post("/items/<int:item_id>/open-vote")
@login_required
def open_vote(item_id: int):
    item = item_or_404(item_id)
    form = OpenVoteForm()
    if not form.validate_on_submit():
        abort(400)
    opened, _result = run(voting.open_vote, item, current_user, ballot=form.ballot.data,
                          method=form.method.data)
    if not opened:
        # Refused (no quorum, a secret show of hands...): the reason is flashed by `run`.
        return _chair_again(item.meeting, 409, open_form=form)
    return back_to(item)


@bp.post("/items/<int:item_id>/vote")
@login_required
def vote(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    choice = request.form.get("choice", "")
    try:
        receipt = voting.cast(item.id, current_user, choice, _receipt(item.id))
    except errors.Forbidden:
        abort(403)
    except errors.ActionError as exc:
        flash(str(exc), "error")
        return render_template("meetings/phone.html", **phone_context(item.meeting),
                               confirm_form=ConfirmForm()), 409
    if item.is_secret:
        receipts = dict(session.get("ballot_receipts") or {})
        receipts[f"{current_user.id}:{item.id}"] = receipt
        session["ballot_receipts"] = receipts
        # The flash travels in the cookie too: it must not say what was chosen.
        flash(_("已投票（无记名：不显示您的选择）。表决结束前可以在这台手机上改。"), "success")
    else:
        flash(_("已投票：%(c)s。表决结束前可以改。", c=Choice(choice).label), "success")
    return redirect(url_for("meetings.phone", meeting_id=item.meeting_id), code=303)


@bp.post("/items/<int:item_id>/hands")
@login_required
def hands(item_id: int):
    item = item_or_404(item_id)
    meeting = item.meeting
    if not meeting.can_record(current_user):
        abort(403)
    form = HandsForm()
    if not form.validate_on_submit():
        return _hands_again(meeting, form, _("请填写同意、反对、弃权的人数（没有就填 0）。"))
    try:
        voting.enter_hands(item, current_user, yes=form.yes.data, no=form.no.data,
                           abstain=form.abstain.data)
    except errors.Forbidden:
        abort(403)
    except errors.ActionError as exc:
        return _hands_again(meeting, form, str(exc))
    return back_to(item)


def _hands_again(meeting: Meeting, form: HandsForm, message: str):
    """A refused count: the chair screen again with what the recorder typed and why (422)."""
    flash(message, "error")
    return _chair_again(meeting, 422, hands_form=form)


def _chair_again(meeting: Meeting, status: int, **forms):
    """A refused step: the chair screen again, with `forms` as the user filled them in."""
    context = {**live_context(meeting), **_chair_extras(meeting), **forms}
    return render_template("meetings/chair.html", **context), status


@bp.post("/items/<int:item_id>/close")
@login_required
def close(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    if not item.meeting.can_chair(current_user):
        abort(403)
    if not is_confirmed():
        return _ask_chair(item, _("结束表决后，按现在的票数宣布结果，不能撤销。确定吗？"),
                          _("结束表决并宣布结果"))
    ok, outcome = run(voting.close_vote, item, current_user)
    if ok:
        flash(_("表决结束：%(o)s。", o=outcome.label), "success")
    return back_to(item)


@bp.post("/items/<int:item_id>/defer")
@login_required
def defer(item_id: int):
    item = item_or_404(item_id)
    confirmed()
    if not item.meeting.can_chair(current_user):
        abort(403)
    if not is_confirmed():
        return _ask_chair(item, _("搁置后，本次会议不再表决这一项，议题退回待议，不能撤销。确定吗？"),
                          _("搁置本项"))
    if item.meeting.state != MeetingState.IN_SESSION.value:
        flash(_("会议不在进行中。"), "error")
    elif run(voting.defer_item, item, current_user, reason=request.form.get("reason", ""))[0]:
        flash(_("本项已搁置，议题退回待议。"), "success")
    return back_to(item)


def _ask_chair(item: AgendaItem, question: str, button: str):
    """The chair's no-JavaScript confirmation of a step on one item."""
    return ask(question, button=button, cancel_url=url_for("meetings.chair", meeting_id=item.meeting_id),
               summary=[(_("会议"), item.meeting.title), (_("议程事项"), item.matter.title)])
