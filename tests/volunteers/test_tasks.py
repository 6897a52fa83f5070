"""Volunteer tasks: who opens them, one place per person, capacity and the waiting list under
parallel sign-ups, cancelling until the cut-off, check-in by code or by hand, hours confirmed
once and only by the organiser, points earned once with an audit entry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.volunteers import services
from deliberation.volunteers.models import PointsEntry, Signup, VolunteerTask
from tests.parallel import post_together
from tests.tracking.conftest import put_in
from tests.volunteers.conftest import open_task, residents


def _form(client, url: str, **fields):
    return client.post_form(url, fields)


def _new_task_fields(**over):
    start = clock.utcnow() + timedelta(days=2)
    local = start + timedelta(hours=8)  # the form speaks street time (Asia/Shanghai)
    fields = {"title": "搬运楼道杂物", "place": "5 栋一楼门口",
              "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
              "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
              "capacity": "3", "cutoff_hours": "2", "phase_id": "0", "details": "请戴手套"}
    fields.update(over)
    return fields


def test_the_implementer_opens_a_task_from_the_matter_page(vworld, login):
    matter = vworld.extra["matter"]
    worker = login(vworld.extra["worker"])
    page = worker.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert f"/volunteers/matters/{matter.id}/tasks/new" in page
    response = _form(worker, f"/volunteers/matters/{matter.id}/tasks/new", **_new_task_fields())
    assert response.status_code == 302
    task = db.session.scalar(select(VolunteerTask))
    assert (task.title, task.capacity, task.points_per_hour) == ("搬运楼道杂物", 3, 10)
    assert task.ends_at - task.starts_at == timedelta(hours=2)
    assert task.cutoff_at == task.starts_at - timedelta(hours=2)
    page = login(vworld.resident_a).get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "搬运楼道杂物" in page and f"/volunteers/tasks/{task.id}" in page
    assert f"/volunteers/matters/{matter.id}/tasks/new" not in page  # a resident cannot open one


def test_a_refused_task_form_keeps_what_was_typed(vworld, login):
    matter = vworld.extra["matter"]
    fields = _new_task_fields(title="修剪 3 号楼前的树", place="3 号楼前")
    fields["ends_at"] = fields["starts_at"]
    response = _form(login(vworld.extra["worker"]), f"/volunteers/matters/{matter.id}/tasks/new", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "结束时间要晚于开始时间" in page
    assert "修剪 3 号楼前的树" in page and "3 号楼前" in page and "请戴手套" in page
    assert db.session.scalar(select(func.count(VolunteerTask.id))) == 0


def test_only_who_carries_the_matter_out_opens_tasks(vworld, login):
    matter = vworld.extra["matter"]
    url = f"/volunteers/matters/{matter.id}/tasks/new"
    for user in (vworld.resident_a, vworld.extra["outsider"], vworld.chair_a):
        assert login(user).get(url).status_code == 403
        assert _form(login(user), url, **_new_task_fields()).status_code == 403
    assert login(vworld.staff).get(url).status_code == 200
    put_in(matter, MatterState.IN_EVALUATION)
    assert login(vworld.extra["worker"]).get(url).status_code == 403  # the work is done
    assert db.session.scalar(select(func.count(VolunteerTask.id))) == 0


def test_twenty_parallel_signups_of_one_resident_take_one_place(vworld, login):
    task = open_task(vworld, capacity=5)
    clients = [login(vworld.resident_a) for _ in range(20)]
    codes = post_together(clients, f"/volunteers/tasks/{task.id}/signup")
    assert codes == [302] * 20
    rows = db.session.scalars(select(Signup).where(Signup.task_id == task.id)).all()
    assert [(r.user_id, r.status) for r in rows] == [(vworld.resident_a.id, "place")]


def test_twenty_residents_in_parallel_fill_five_places_and_wait_for_the_rest(vworld, login):
    task = open_task(vworld, capacity=5)
    people = residents(vworld, 20)
    codes = post_together([login(u) for u in people], f"/volunteers/tasks/{task.id}/signup")
    assert codes == [302] * 20
    statuses = db.session.execute(select(Signup.status, func.count()).where(Signup.task_id == task.id)
                                  .group_by(Signup.status)).all()
    assert dict(statuses) == {"place": 5, "waiting": 15}


def test_cancelling_frees_the_place_for_the_first_waiting_until_the_cutoff(vworld, login):
    task = open_task(vworld, capacity=1, hours_from_now=5, cutoff_hours=2)
    first, second, third = residents(vworld, 3)
    for u in (first, second, third):
        services.sign_up(task, u)
        db.session.commit()
    client = login(first)
    asked = client.post_form(f"/volunteers/tasks/{task.id}/cancel", {})
    assert asked.status_code == 200 and "确定取消报名吗" in asked.get_data(as_text=True)
    assert db.session.scalar(select(Signup.status).where(Signup.user_id == first.id)) == "place"
    assert client.post_form(f"/volunteers/tasks/{task.id}/cancel", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    by_user = dict(db.session.execute(select(Signup.user_id, Signup.status)).all())
    assert by_user == {first.id: "cancelled", second.id: "place", third.id: "waiting"}
    assert "有空位了" in login(second).get("/notifications/").get_data(as_text=True)

    clock.freeze(task.cutoff_at + timedelta(minutes=1))
    login(second).post_form(f"/volunteers/tasks/{task.id}/cancel", {"confirmed": "1"})
    db.session.expire_all()
    assert db.session.scalar(select(Signup.status).where(Signup.user_id == second.id)) == "place"
    assert login(first).post_form(f"/volunteers/tasks/{task.id}/signup", {}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Signup.status).where(Signup.user_id == first.id)) == "cancelled"


def _checked_in(vworld, login, task, user):
    clock.freeze(task.starts_at + timedelta(minutes=5))
    client = login(user)
    wrong = client.post_form(f"/volunteers/tasks/{task.id}/checkin", {"code": "ZZZZZZ"})
    assert wrong.status_code == 422 and "签到码不对" in wrong.get_data(as_text=True)
    assert client.post_form(f"/volunteers/tasks/{task.id}/checkin",
                            {"code": task.checkin_code.lower()}).status_code == 302
    return client


def test_hours_are_confirmed_once_by_the_organiser_and_earn_points_once(vworld, login):
    task = open_task(vworld, capacity=3, length_hours=2)
    volunteer = vworld.resident_a
    services.sign_up(task, volunteer)
    db.session.commit()
    _checked_in(vworld, login, task, volunteer)
    signup = db.session.scalar(select(Signup))
    url = f"/volunteers/tasks/{task.id}/hours/{signup.id}"
    # Not the volunteer, not another organisation, not a committee member.
    for user in (volunteer, vworld.extra["outsider"], vworld.chair_a):
        assert login(user).post_form(url, {"minutes": "120", "confirmed": "1"}).status_code == 403
    organiser = login(vworld.extra["worker"])
    roster = organiser.get(f"/volunteers/tasks/{task.id}").get_data(as_text=True)
    assert task.checkin_code in roster and volunteer.display_name in roster
    own_page = login(volunteer).get(f"/volunteers/tasks/{task.id}").get_data(as_text=True)
    assert task.checkin_code not in own_page  # the code is on the organiser's phone only
    asked = organiser.post_form(url, {"minutes": "90"})
    assert asked.status_code == 200 and "15 积分" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).minutes is None  # asking changes nothing
    codes = post_together([login(vworld.extra["worker"]) for _ in range(5)], url,
                          {"minutes": "90", "confirmed": "1"})
    assert codes == [302] * 5
    db.session.expire_all()
    entries = db.session.scalars(select(PointsEntry)).all()
    adjustment_free = [(e.user_id, e.delta, e.kind) for e in entries]
    assert adjustment_free == [(volunteer.id, 15, "earned")]  # 10 an hour, 90 minutes
    assert services.balance(volunteer.id) == 15 == services.ledger_sum(volunteer.id)
    assert db.session.get(Signup, signup.id).minutes == 90
    [trail] = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "points_entry")).all()
    assert (trail.subject_id, trail.action, trail.details["delta"]) == (entries[0].id, "points_earned", 15)
    page = login(volunteer).get("/volunteers/points").get_data(as_text=True)
    assert "现有 15 分" in page and "搬运楼道杂物" in page
    matter_page = login(volunteer).get(f"/matters/{task.matter_id}").get_data(as_text=True)
    assert "共 1.5 小时" in matter_page
    db.session.commit()  # the seal writes on a session of its own
    audit.seal()
    assert audit.verify().ok


def test_the_organiser_checks_in_by_hand_and_hours_need_a_check_in(vworld, login):
    task = open_task(vworld, capacity=3)
    services.sign_up(task, vworld.resident_a)
    db.session.commit()
    signup = db.session.scalar(select(Signup))
    organiser = login(vworld.extra["worker"])
    clock.freeze(task.starts_at)
    early = organiser.post_form(f"/volunteers/tasks/{task.id}/hours/{signup.id}",
                                {"minutes": "60", "confirmed": "1"})
    assert early.status_code == 302
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).minutes is None
    assert login(vworld.resident_a).post_form(f"/volunteers/tasks/{task.id}/mark/{signup.id}",
                                              {}).status_code == 403
    assert organiser.post_form(f"/volunteers/tasks/{task.id}/mark/{signup.id}", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).checked_in_at == task.starts_at


def test_a_task_of_another_matter_is_not_reached_through_this_one(vworld, login):
    task = open_task(vworld)
    services.sign_up(task, vworld.resident_a)
    db.session.commit()
    other = open_task(vworld)
    signup = db.session.scalar(select(Signup))
    response = login(vworld.extra["worker"]).post_form(f"/volunteers/tasks/{other.id}/mark/{signup.id}", {})
    assert response.status_code == 404


def test_hours_are_confirmed_after_the_work_is_reported_done(vworld, login):
    task = open_task(vworld, capacity=2)
    services.sign_up(task, vworld.resident_a)
    db.session.commit()
    clock.freeze(task.starts_at + timedelta(minutes=1))
    signup = db.session.scalar(select(Signup))
    services.mark_by_hand(task, vworld.extra["worker"], signup)
    db.session.commit()
    put_in(vworld.extra["matter"], MatterState.IN_EVALUATION)
    organiser = login(vworld.extra["worker"])
    assert "确认时长" in organiser.get(f"/volunteers/tasks/{task.id}").get_data(as_text=True)
    assert organiser.post_form(f"/volunteers/tasks/{task.id}/hours/{signup.id}",
                               {"minutes": "60", "confirmed": "1"}).status_code == 302
    assert services.balance(vworld.resident_a.id) == 10
    assert login(vworld.extra["outsider"]).get(f"/volunteers/tasks/{task.id}").status_code == 200
    assert "确认时长" not in login(vworld.extra["outsider"]).get(
        f"/volunteers/tasks/{task.id}").get_data(as_text=True)


def test_an_organiser_never_credits_themselves_and_hours_fit_the_task(vworld, login):
    from deliberation.core.time import utcnow

    task = open_task(vworld, capacity=3, length_hours=2)
    worker = vworld.extra["worker"]
    page = login(worker).get(f"/volunteers/tasks/{task.id}").get_data(as_text=True)
    assert "我要报名" not in page
    assert login(worker).post_form(f"/volunteers/tasks/{task.id}/signup", {}).status_code == 403
    # A place taken before joining the organisation is still not theirs to confirm.
    own = Signup(task_id=task.id, user_id=worker.id, status="place", queued_at=utcnow())
    db.session.add(own)
    services.sign_up(task, vworld.resident_a)
    db.session.commit()
    theirs = db.session.scalar(select(Signup).where(Signup.user_id == vworld.resident_a.id))
    organiser = login(worker)
    early = organiser.post_form(f"/volunteers/tasks/{task.id}/mark/{theirs.id}", {})
    assert early.status_code == 302  # refused with a message: the task is a day away
    db.session.expire_all()
    assert db.session.get(Signup, theirs.id).checked_in_at is None
    clock.freeze(task.starts_at + timedelta(minutes=5))
    assert organiser.post_form(f"/volunteers/tasks/{task.id}/mark/{own.id}", {}).status_code == 403
    assert organiser.post_form(f"/volunteers/tasks/{task.id}/mark/{theirs.id}", {}).status_code == 302
    too_long = organiser.post_form(f"/volunteers/tasks/{task.id}/hours/{theirs.id}",
                                   {"minutes": "1440", "confirmed": "1"}, follow_redirects=True)
    assert "时长请填 1 到 180 分钟" in too_long.get_data(as_text=True)
    assert services.balance(vworld.resident_a.id) == 0 == services.balance(worker.id)


def test_no_cancelling_once_checked_in(vworld, login):
    task = open_task(vworld, capacity=2, hours_from_now=5, cutoff_hours=0)
    services.sign_up(task, vworld.resident_a)
    db.session.commit()
    clock.freeze(task.starts_at - timedelta(minutes=30))  # before the start: still cancellable
    client = login(vworld.resident_a)
    assert client.post_form(f"/volunteers/tasks/{task.id}/checkin",
                            {"code": task.checkin_code}).status_code == 302
    page = client.get(f"/volunteers/tasks/{task.id}").get_data(as_text=True)
    assert "取消报名" not in page
    response = client.post_form(f"/volunteers/tasks/{task.id}/cancel", {"confirmed": "1"},
                                follow_redirects=True)
    assert response.status_code == 200 and "已经签到，不能再取消报名" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Signup.status)) == "place"
