"""The committee's opinion summary, `summary_for` for the meetings package, and batched notices."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import follows
from deliberation.notifications.models import Notification
from deliberation.opinions import services
from deliberation.opinions.models import OpinionSummary

from .conftest import say, set_state


def write(c, matter, text="多数居民支持，建议换声控灯。"):
    return c.post_form(f"/matters/{matter.id}/opinions/summary", {"text": text})


def test_committee_writes_the_summary_for_a_scheduled_matter(world, login, client, matter):
    set_state(matter, "scheduled")
    say(matter, world.resident_a, "支持", "for")
    say(matter, world.resident_a2, "反对", "against")
    chair = login(world.chair_a)
    assert chair.get(f"/matters/{matter.id}/opinions/summary").status_code == 200
    assert write(chair, matter).status_code == 303
    assert write(chair, matter, "更新后的汇总").status_code == 303
    digest = services.summary_for(matter.id)
    assert digest.text == "更新后的汇总" and digest.written_by == "陈主任"
    assert digest.counts == {"for": 1, "against": 1, "suggestion": 0} and digest.total == 2
    assert db.session.scalar(select(func.count()).select_from(OpinionSummary)) == 1
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "居委会意见汇总" in html and "更新后的汇总" in html and "居委会撰写意见汇总" in html


def test_summary_for_a_matter_without_one(world, matter):
    digest = services.summary_for(matter.id)
    assert digest.text == "" and digest.total == 0 and digest.written_at is None


def test_summary_only_by_the_committee_and_only_when_scheduled(world, login, matter):
    assert write(login(world.chair_a), matter).status_code == 409  # accepted, not scheduled
    set_state(matter, "scheduled")
    for user in (world.resident_a, world.chair_b, world.staff):
        assert write(login(user), matter).status_code == 403
    assert write(login(world.chair_a), matter, "").status_code == 422
    set_state(matter, "adopted")
    assert write(login(world.chair_a), matter).status_code == 409
    assert services.summary_for(matter.id).text == ""


def notices(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == services.NOTIFY_KIND))


def test_new_opinions_are_batched_one_notice_per_matter_per_hour(world, matter):
    follows.follow(matter, world.resident_b.id)  # a follower from elsewhere
    db.session.commit()
    start = datetime(2026, 5, 1, 9, 0)
    clock.freeze(start)
    say(matter, world.resident_a2, "第一条")
    assert (notices(world.resident_a), notices(world.resident_b)) == (1, 1)  # proposer, follower
    assert notices(world.resident_a2) == 0  # not told about their own opinion
    for minutes in (5, 30, 59):
        clock.freeze(start + timedelta(minutes=minutes))
        say(matter, world.member_a, f"{minutes} 分钟时的意见")
    assert (notices(world.resident_a), notices(world.resident_b)) == (1, 1)
    clock.freeze(start + timedelta(minutes=61))
    say(matter, world.member_a, "一小时后的意见")
    assert (notices(world.resident_a), notices(world.resident_b)) == (2, 2)
    # The proposer's own opinion tells the others, not the proposer.
    clock.freeze(start + timedelta(minutes=200))
    say(matter, world.resident_a, "提议人补充")
    assert (notices(world.resident_a), notices(world.resident_b)) == (2, 3)


def test_batching_is_per_matter(world, matter):
    other = set_state(world.matter(title="小区门口积水"), "accepted")
    clock.freeze(datetime(2026, 5, 1, 9, 0))
    say(matter, world.resident_a2, "这边")
    say(other, world.resident_a2, "那边")
    assert notices(world.resident_a) == 2


def test_the_bell_names_the_notice(world, login, matter):
    say(matter, world.resident_a2, "说一句")
    html = login(world.resident_a).get("/notifications/").get_data(as_text=True)
    assert "议题有新的居民意见" in html
