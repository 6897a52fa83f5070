"""Zero ratings are not 不满意: the window is extended once by the clock; if nobody rates in
the extension either, staff decide (close or rectify) with a reason; all audited. The policy
is published on the evaluation section."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.states import MatterState
from deliberation.notifications.models import Notification
from deliberation.tracking import reports
from deliberation.tracking.models import Evaluation

from .conftest import assign, put_in


def _in_evaluation(tworld):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld)
    reports.report_done(matter, tworld.extra["worker"], summary="灯已修好。")
    db.session.commit()
    return matter


def _tick(app) -> str:
    out = app.test_cli_runner().invoke(args=["tick"])
    assert out.exit_code == 0, out.output
    return out.output


def _actions(matter) -> list[str]:
    return [e.action for e in audit.timeline("matter", matter.id, include_internal=True)]


def test_the_clock_extends_an_unrated_window_once_then_waits_for_staff(tworld, app):
    matter = _in_evaluation(tworld)
    first_end = matter.window_ends_at
    clock.freeze(first_end + timedelta(minutes=1))
    assert "1 matter(s) moved on" in _tick(app)
    db.session.refresh(matter)
    assert matter.status == MatterState.IN_EVALUATION
    assert matter.window_ends_at == utcnow() + timedelta(days=7)
    ev = db.session.scalar(db.select(Evaluation).where(Evaluation.matter_id == matter.id))
    assert ev.extended_at is not None and ev.outcome is None
    assert _actions(matter)[-1] == "evaluation_extended"
    assert _tick(app).startswith("0 ")  # nothing more until the extension ends

    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    assert "1 matter(s) moved on" in _tick(app)
    db.session.refresh(matter)
    db.session.refresh(ev)
    # Not 不满意, not rectifying: recorded as 无人评议, and it stays for staff to decide.
    assert matter.status == MatterState.IN_EVALUATION
    assert ev.outcome == "no_ratings"
    assert _actions(matter)[-2:] == ["evaluation_extended", "evaluation_result"]
    assert "rectify" not in _actions(matter)
    for _ in range(3):  # no loop: further ticks change nothing
        assert _tick(app).startswith("0 ")
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == tworld.staff.id, Notification.kind == "evaluation_result")) == 1
    assert audit.verify().ok


def test_a_rating_in_the_extension_counts(tworld, app, login):
    matter = _in_evaluation(tworld)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    r = login(tworld.resident_a).post_form(f"/tracking/{matter.id}/rate", {"choice": "satisfied"})
    assert r.status_code == 302
    db.session.refresh(matter)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    ev = db.session.scalar(db.select(Evaluation).where(Evaluation.matter_id == matter.id))
    assert ev.outcome == "satisfied" and ev.satisfied == 1


def _unrated(tworld, app):
    matter = _in_evaluation(tworld)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    db.session.refresh(matter)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    db.session.refresh(matter)
    return matter


def test_the_page_publishes_the_policy_and_the_state(tworld, app, login, client):
    matter = _in_evaluation(tworld)
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert 'id="evaluation-policy"' in page and "评议期自动延长一次" in page
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert 'id="extended"' in page and "无人评议，评议期自动延长一次" in page  # timeline, too
    db.session.refresh(matter)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert 'id="no-ratings"' in page and "决定销号或整改" in page
    assert f"/tracking/{matter.id}/decide" not in page  # the button is for staff
    staff_page = login(tworld.staff).get(f"/matters/{matter.id}").get_data(as_text=True)
    assert f"/tracking/{matter.id}/decide" in staff_page


def test_staff_decide_to_rectify_with_a_reason(tworld, app, login):
    matter = _unrated(tworld, app)
    staff = login(tworld.staff)
    r = staff.post_form(f"/tracking/{matter.id}/decide", {"decision": "rectify", "reason": ""})
    assert r.status_code == 422 and "请写明作出这个决定的理由" in r.get_data(as_text=True)
    r = staff.post_form(f"/tracking/{matter.id}/decide",
                        {"decision": "rectify", "reason": "回访 3 户，4 楼的灯仍不亮。"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(matter)
    assert matter.status == MatterState.RECTIFYING
    entry = audit.timeline("matter", matter.id)[-1]
    assert (entry.action, entry.actor_id, entry.reason) == (
        "rectify", tworld.staff.id, "回访 3 户，4 楼的灯仍不亮。")
    assert "rectify" in db.session.scalars(db.select(Notification.kind).where(
        Notification.user_id == tworld.extra["worker"].id)).all()


def test_staff_decide_to_close_with_a_reason(tworld, app, login):
    matter = _unrated(tworld, app)
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/decide",
                                      {"decision": "close", "reason": "上门回访 5 户，均表示已修好。"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(matter)
    assert matter.status == MatterState.CLOSED
    entry = audit.timeline("matter", matter.id)[-1]
    assert (entry.action, entry.actor_id) == ("close", tworld.staff.id)
    assert matter.state_reason == "上门回访 5 户，均表示已修好。"


@pytest.mark.parametrize("who", ["worker", "resident"])
def test_only_staff_decide(tworld, app, login, who):
    matter = _unrated(tworld, app)
    user = tworld.extra["worker"] if who == "worker" else tworld.resident_a
    r = login(user).post_form(f"/tracking/{matter.id}/decide",
                              {"decision": "close", "reason": "我说办好了"})
    assert r.status_code == 403
    db.session.refresh(matter)
    assert matter.status == MatterState.IN_EVALUATION


def test_staff_cannot_decide_a_rated_round(tworld, app, login):
    matter = _in_evaluation(tworld)
    from deliberation.tracking import evaluation

    evaluation.rate(matter, tworld.resident_a, choice="satisfied")
    db.session.commit()
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    _tick(app)
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/decide",
                                      {"decision": "rectify", "reason": "想再改改"})
    assert r.status_code == 422
    db.session.refresh(matter)
    assert matter.status == MatterState.IN_EVALUATION
    with pytest.raises(workflow.Refused):
        workflow.rectify(matter, tworld.staff, reason="想再改改")
