"""Screening (初审) through HTTP: decisions, permissions, the queue, the timeline, the clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.core.audit import AuditEntry
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.models import Cosign, Follow, Matter
from deliberation.matters.states import MatterState
from deliberation.notifications.models import Notification
from tests import factories

OK = {"confirmed": "1"}  # past the no-JavaScript confirmation page (issue 15 item 22)


def _reload(matter_id: int) -> Matter:
    db.session.expire_all()
    return db.session.get(Matter, matter_id)


def test_accept_with_rewritten_title_and_scope(login, world, client):
    m = world.matter()
    c = login(world.member_a)
    r = c.post_form(f"/screening/{m.id}", {**OK, "decision": "accept", "title": "修复 5 栋楼道照明",
                                           "scope": "1-3 楼全部楼道灯"})
    assert r.status_code == 302
    m = _reload(m.id)
    assert m.status == MatterState.ACCEPTED and m.title == "修复 5 栋楼道照明"
    assert m.first_answer_at is not None
    page = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "初审：列为议题" in page and "原标题：5 栋楼道灯坏了" in page and "1-3 楼全部楼道灯" in page


def test_return_needs_a_reason_then_the_proposer_edits_and_resubmits(login, world):
    m = world.matter()
    c = login(world.member_a)
    r = c.post_form(f"/screening/{m.id}", {**OK, "decision": "return", "note": "内部：先问问物业"})
    assert r.status_code == 422
    assert "理由或说明" in r.get_data(as_text=True)
    assert "内部：先问问物业" in r.get_data(as_text=True)  # what was typed is kept
    assert _reload(m.id).status == MatterState.SUBMITTED
    r = c.post_form(f"/screening/{m.id}", {**OK, "decision": "return", "reason": "请补充是几单元。"})
    assert r.status_code == 302 and _reload(m.id).status == MatterState.RETURNED

    proposer = login(world.resident_a)
    page = proposer.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "请补充是几单元。" in page and "补充完毕，重新提交" in page
    bell = proposer.get("/notifications/").get_data(as_text=True)
    assert "初审：退回补充" in bell and "请补充是几单元。" in bell
    r = proposer.post_form(f"/matters/{m.id}/edit", {
        "title": "5 栋 2 单元楼道灯坏了", "description": "2 单元一到三楼都不亮。",
        "category_id": str(world.categories[0].id), "place": "5 栋 2 单元"})
    assert r.status_code == 302
    assert proposer.post_form(f"/matters/{m.id}/resubmit").status_code == 302
    m = _reload(m.id)
    assert m.status == MatterState.SUBMITTED and m.title == "5 栋 2 单元楼道灯坏了"


def test_merge_carries_cosigners_and_followers_and_links_to_the_survivor(login, world, client):
    earlier = world.matter(title="楼道灯不亮")
    later = world.matter(proposer=world.resident_a2, title="5 栋楼梯灯坏了")
    extra = world.chair_b
    db.session.add_all([Cosign(matter_id=later.id, user_id=world.resident_b.id),
                        Follow(matter_id=later.id, user_id=extra.id)])
    later.cosign_count = 1
    db.session.commit()
    c = login(world.member_a)
    r = c.post_form(f"/screening/{later.id}", {**OK, "decision": "merge", "target_id": f"#{earlier.id}",
                                               "reason": "同一件事"})
    assert r.status_code == 302
    later, earlier = _reload(later.id), _reload(earlier.id)
    assert later.status == MatterState.MERGED and later.merged_into_id == earlier.id
    signers = set(db.session.scalars(select(Cosign.user_id).where(Cosign.matter_id == earlier.id)))
    assert signers == {world.resident_b.id, world.resident_a2.id}
    assert earlier.cosign_count == 2
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.matter_id == earlier.id)))
    assert extra.id in followers
    page = client.get(f"/matters/{later.id}").get_data(as_text=True)
    assert f"已合并到议题 #{earlier.id}" in page
    survivor = client.get(f"/matters/{earlier.id}").get_data(as_text=True)
    assert f"议题 #{later.id}「{later.title}」已并入本议题" in survivor  # issue 15: read backwards before


def test_merge_into_a_later_or_other_community_matter_is_refused(login, world):
    first = world.matter()
    later = world.matter(title="后提交的")
    other = world.matter(proposer=world.resident_b, title="别的社区")
    c = login(world.member_a)
    r = c.post_form(f"/screening/{first.id}", {**OK, "decision": "merge", "target_id": str(later.id)})
    assert r.status_code == 422 and "只能合并到更早提交的议题" in r.get_data(as_text=True)
    r = c.post_form(f"/screening/{later.id}", {**OK, "decision": "merge", "target_id": str(other.id)})
    assert r.status_code == 422 and "同一社区" in r.get_data(as_text=True)
    assert _reload(first.id).status == MatterState.SUBMITTED


def test_refer_and_reject_reasons_are_public(login, world, client):
    a, b = world.matter(title="红绿灯太短"), world.matter(title="广场舞太吵")
    c = login(world.member_a)
    assert c.post_form(f"/screening/{a.id}", {**OK, "decision": "refer", "department": "12345 热线",
                                              "reason": "交通信号归交警管"}).status_code == 302
    assert c.post_form(f"/screening/{b.id}", {**OK, "decision": "reject",
                                              "reason": "已当面协调好"}).status_code == 302
    page = client.get(f"/matters/{a.id}").get_data(as_text=True)
    assert "转办至：12345 热线" in page and "交通信号归交警管" in page
    assert "已当面协调好" in client.get(f"/matters/{b.id}").get_data(as_text=True)


def test_internal_notes_stay_internal(login, world, client):
    m = world.matter()
    c = login(world.member_a)
    c.post_form(f"/screening/{m.id}", {**OK, "decision": "accept", "note": "物业说下周换灯"})
    assert "物业说下周换灯" in c.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "物业说下周换灯" not in client.get(f"/matters/{m.id}").get_data(as_text=True)
    proposer = login(world.resident_a)
    assert "物业说下周换灯" not in proposer.get(f"/matters/{m.id}").get_data(as_text=True)


def test_committee_of_another_community_cannot_screen(login, world):
    m = world.matter()
    c = login(world.chair_b)
    assert c.get(f"/screening/{m.id}").status_code == 403
    assert c.post_form(f"/screening/{m.id}", {**OK, "decision": "reject", "reason": "x"}).status_code == 403
    assert _reload(m.id).status == MatterState.SUBMITTED
    assert "初审这个议题" not in c.get(f"/matters/{m.id}").get_data(as_text=True)


def test_residents_and_anonymous_cannot_screen(login, world, client):
    m = world.matter()
    assert login(world.resident_a2).get(f"/screening/{m.id}").status_code == 403
    assert login(world.resident_a2).get("/screening/").status_code == 403
    r = client.get(f"/screening/{m.id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_screening_twice_is_refused_cleanly(login, world):
    m = world.matter()
    c = login(world.member_a)
    assert c.post_form(f"/screening/{m.id}", {**OK, "decision": "accept"}).status_code == 302
    r = c.post_form(f"/screening/{m.id}", {**OK, "decision": "reject", "reason": "晚了"})
    assert r.status_code == 422
    assert _reload(m.id).status == MatterState.ACCEPTED
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_id == m.id, AuditEntry.action == "reject"))
    assert count == 0


def test_queue_is_oldest_first_and_marks_overdue(login, world):
    clock.freeze(utcnow() - timedelta(days=12))
    old = world.matter(title="十二天前的议题")
    clock.freeze(None)
    new = world.matter(title="今天的议题")
    other = world.matter(proposer=world.resident_b, title="和平社区的议题")
    html = login(world.member_a).get("/screening/").get_data(as_text=True)
    assert html.index(old.title) < html.index(new.title)
    assert other.title not in html
    assert html.count("已超期") == 1
    world.street.first_answer_days = 20
    db.session.commit()
    assert "已超期" not in login(world.member_a).get("/screening/").get_data(as_text=True)


def test_proposer_is_notified_and_sees_the_decision(login, world):
    m = world.matter()
    login(world.member_a).post_form(f"/screening/{m.id}",
                                    {**OK, "decision": "reject", "reason": "不属于本社区"})
    notes = db.session.scalars(select(Notification).where(Notification.user_id == world.resident_a.id)).all()
    assert [n.kind for n in notes] == ["reject"]
    proposer = login(world.resident_a)
    assert '<span class="badge">1</span>' in proposer.get("/").get_data(as_text=True)


def test_withdraw_confirms_first_and_only_the_proposer_may(login, world, client):
    m = world.matter()
    other = login(world.resident_a2)
    assert other.get(f"/matters/{m.id}/withdraw").status_code == 403
    assert other.post_form(f"/matters/{m.id}/withdraw").status_code == 403
    assert other.post_form(f"/matters/{m.id}/edit", {"title": "x"}).status_code == 403
    proposer = login(world.resident_a)
    assert "确定撤回" in proposer.get(f"/matters/{m.id}/withdraw").get_data(as_text=True)
    assert _reload(m.id).status == MatterState.SUBMITTED  # the GET changed nothing
    assert proposer.post_form(f"/matters/{m.id}/withdraw").status_code == 302
    assert _reload(m.id).status == MatterState.WITHDRAWN
    assert client.get(f"/matters/{m.id}").status_code == 404  # withdrawn matters leave the public


def test_a_notice_that_has_ended_moves_on_by_itself(world, app, client):
    m = world.matter()
    factories.reach(m, MatterState.IN_NOTICE)  # with the agenda item whose vote adopted it
    db.session.execute(update(Matter).where(Matter.id == m.id).values(
        window_ends_at=utcnow() - timedelta(hours=1)))
    other = world.matter(title="公示中")
    factories.reach(other, MatterState.IN_NOTICE)
    db.session.execute(update(Matter).where(Matter.id == other.id).values(
        window_ends_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["tick"])
    assert "2 matter(s) moved on" in out.output
    m = _reload(m.id)
    assert m.status == MatterState.IN_PROGRESS
    last = audit.timeline("matter", m.id)[-1]
    assert last.action == "end_notice" and last.actor_id is None


def test_viewing_a_matter_whose_window_ended_moves_it_on(world, client):
    m = world.matter()
    factories.reach(m, MatterState.IN_NOTICE)
    db.session.execute(update(Matter).where(Matter.id == m.id).values(
        window_ends_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    page = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "公示期满，转入实施" in page and "系统" in page
    assert _reload(m.id).status == MatterState.IN_PROGRESS
    assert audit.verify().ok
