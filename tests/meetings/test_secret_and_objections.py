"""Secret ballots link no member to a choice; objections during the notice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, select

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import Matter
from deliberation.meetings.models import BallotBox, BallotCast, Objection
from deliberation.notifications.models import Notification


def _secret_vote(run_item):
    run = run_item()
    run.open_vote(ballot="secret")
    return db.session.get(Matter, run.item.matter_id), run.meeting, run.item, run.chair


def test_secret_ballot_stores_no_link_and_allows_change_on_the_same_phone(world, login, run_item, client):
    matter, meeting, item, chair = _secret_vote(run_item)
    member, recorder = login(world.member_a), login(world.recorder_a)
    assert member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"}).status_code == 303
    assert member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    assert recorder.post_form(f"/meetings/items/{item.id}/vote", {"choice": "abstain"}).status_code == 303

    # the same member on another phone (no receipt) cannot change it, nor vote twice
    other_phone = login(world.member_a)
    r = other_phone.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"})
    assert r.status_code == 409 and "只能在投票的那台手机上修改" in r.get_data(as_text=True)

    # the database holds who voted (no choice, no time) and one sealed ballot per voter (no
    # member, no choice, no time; every seal distinct, so equal choices cannot be grouped)
    assert {c.key for c in inspect(BallotCast).columns} == {"item_id", "user_id", "revision"}
    assert {c.key for c in inspect(BallotBox).columns} == {"id", "item_id", "seal"}
    seals = list(db.session.scalars(select(BallotBox.seal).where(BallotBox.item_id == item.id)))
    assert len(seals) == len(set(seals)) == 2

    # while it is open the room sees only how many voted
    projector = chair.get(f"/meetings/{meeting.id}/projector").get_data(as_text=True)
    assert "已投 2 票" in projector and 'id="tally-yes"' not in projector
    chair.post_form(f"/meetings/items/{item.id}/close", {"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "in_notice"  # 1 yes > 0 no
    assert db.session.scalar(select(BallotBox).where(BallotBox.item_id == item.id)) is None  # emptied

    # nothing written anywhere names a member with a choice
    for entry in db.session.scalars(select(AuditEntry)):
        blob = f"{entry.details} {entry.reason}"
        if entry.actor_id in (world.member_a.id, world.recorder_a.id):
            assert "yes" not in blob and "abstain" not in blob and "同意" not in blob
    for n in db.session.scalars(select(Notification)):
        assert "同意" not in n.message or n.user_id not in (world.member_a.id, world.recorder_a.id)
    minutes = member.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "无记名表决" in minutes and "同意 1 票，反对 0 票，弃权 1 票" in minutes


def test_secret_ballot_outcome_uses_the_rule(world, run_item):
    run = run_item()
    run.open_vote(ballot="secret")
    run.vote(world.member_a, "yes")
    run.vote(world.recorder_a, "abstain")
    run.close()
    # council majority: 1 yes > 0 no, abstentions not counted
    assert run.matter_state() == "in_notice"


def _in_notice(world, run_item):
    run = run_item()
    assert run.one_yes(world.member_a) == "in_notice"
    return db.session.get(Matter, run.item.matter_id)


def test_objection_holds_the_notice_until_dismissed(world, login, run_item):
    matter = _in_notice(world, run_item)
    # a resident of another community may not object
    assert login(world.resident_b).post_form(f"/meetings/matters/{matter.id}/objections",
                                             {"text": "不同意"}).status_code == 403
    resident = login(world.resident_a2)
    page = resident.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "提出异议" in page
    r = resident.post_form(f"/meetings/matters/{matter.id}/objections", {"text": "费用没有说清楚。"})
    assert r.status_code == 302
    objection = db.session.scalar(select(Objection))
    assert objection.state == "pending"
    assert db.session.scalar(select(Notification).where(Notification.kind == "objection")
                             .where(Notification.user_id == world.chair_a.id)) is not None

    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    assert workflow.tick() == 0  # held open by the pending objection
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "in_notice"
    assert not workflow.due_for_tick(db.session.get(Matter, matter.id))

    assert resident.post_form(f"/meetings/objections/{objection.id}/decide",
                              {"decision": "dismiss", "reason": "x"}).status_code == 403
    r = login(world.chair_a).post_form(f"/meetings/objections/{objection.id}/decide",
                                       {"decision": "dismiss", "reason": "费用已在纪要中列明。"})
    assert r.status_code == 302
    assert workflow.tick() == 1
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "in_progress"
    actions = [e.action for e in audit.timeline("matter", matter.id)]
    assert actions[-3:] == ["objection", "objection_dismissed", "end_notice"]


def test_upheld_objection_sends_the_matter_back_to_be_scheduled(world, login, run_item):
    matter = _in_notice(world, run_item)
    login(world.resident_a2).post_form(f"/meetings/matters/{matter.id}/objections", {"text": "不合理"})
    objection = db.session.scalar(select(Objection))
    r = login(world.member_a).post_form(f"/meetings/objections/{objection.id}/decide",
                                        {"decision": "uphold", "reason": "需要重新核算费用。"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "accepted"
    assert db.session.get(Objection, objection.id).state == "upheld"
    # and it can go on a new meeting's agenda
    from deliberation.meetings import services

    later = services.create_meeting(world.chair_a, body_ids=[world.committee_a.id], title="复议",
                                    starts_at=clock.utcnow(), place="", mode="online",
                                    chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    assert db.session.get(Matter, matter.id) in services.schedulable_matters(later)
