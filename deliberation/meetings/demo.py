"""Demo meetings, held through the same services the pages call (so the audit log is real).

`demo_steps(now)` runs after `deliberation.demo` has filed and screened its matters:
- 幸福社区居民自治委员会 meets 3 days ago and adopts 「5 栋楼道灯坏了」 by phone vote
  (its resolution notice is running, so residents can object);
  in the same meeting the chair defers (搁置) 「楼下想装电动车充电桩」 back to the queue;
- the street's joint meeting (联席会议) meets 2 days ago and does not adopt 「小区东门乱停车」
  in a secret ballot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..core import time as clock
from ..directory.models import Body
from ..extensions import db
from ..matters import workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from . import debate, services, voting


def _user(phone: str) -> User:
    return db.session.scalar(select(User).where(User.phone == phone))


def _matter(title: str) -> Matter | None:
    return db.session.scalar(select(Matter).where(Matter.title == title).order_by(Matter.id))


def _body(name: str) -> Body:
    return db.session.scalar(select(Body).where(Body.name == name))


def _at(now: datetime | None, days_ago: float) -> None:
    if now is not None:
        clock.freeze(now - timedelta(days=days_ago))


def _hold(*, body: Body, title: str, chair: User, recorder: User, matter: Matter, place: str,
          present: list[User], votes: dict[str, int], ballot: str, speakers: list[tuple[User, str]],
          deferred: Matter | None = None, defer_reason: str = ""):
    """A meeting that votes on `matter`; with `deferred`, a second item the chair defers (搁置)
    after a first round of debate."""
    meeting = services.create_meeting(chair, body_ids=[body.id], title=title,
                                      starts_at=clock.utcnow(), place=place, mode="in_person",
                                      chair_id=chair.id, recorder_id=recorder.id)
    services.add_item(meeting, matter, chair)
    if deferred is not None:
        services.add_item(meeting, deferred, chair)
    services.publish(meeting, chair)
    services.start(meeting, chair)
    for u in present:
        services.check_in(meeting, u)
    item = meeting.items[0]
    debate.open_debate(item, chair)
    for speaker, side in speakers:
        turn = debate.request_to_speak(item, speaker, side)
        debate.give_floor(turn, chair)
        debate.end_speech(turn, chair)
    voting.open_vote(item, chair, ballot=ballot)
    voters = iter(present)
    for choice, n in votes.items():
        for _ in range(n):
            voting.cast(item.id, next(voters), choice)
    voting.close_vote(item, chair)
    if deferred is not None:
        later = meeting.items[1]
        debate.open_debate(later, chair)
        voting.defer_item(later, chair, reason=defer_reason)
    services.end(meeting, chair)
    db.session.flush()
    return meeting


def demo_steps(now: datetime | None = None) -> None:
    lamp = _matter("5 栋楼道灯坏了")
    parking = _matter("小区东门乱停车")
    charging = _matter("楼下想装电动车充电桩")
    xingfu_chair, xingfu_recorder = _user("13900000011"), _user("13900000012")
    staff = _user("13900000002")
    if lamp is None or parking is None or xingfu_chair is None or staff is None:
        return  # not the demo street

    if parking.state == MatterState.SUBMITTED.value:
        _at(now, 6)
        workflow.accept(parking, xingfu_chair, scope="研究东门口停车秩序，是否划线并安排志愿者引导。")

    if charging is not None and charging.state == MatterState.SUBMITTED.value:
        _at(now, 5)
        workflow.accept(charging, xingfu_chair, scope="在 3 栋车棚旁设集中充电点，费用和电源待议。")
    if charging is not None and charging.state != MatterState.ACCEPTED.value:
        charging = None

    if lamp.state == MatterState.ACCEPTED.value:
        _at(now, 3)
        committee = _body("幸福社区居民自治委员会")
        members = [_user(p) for p in ("13900000011", "13900000012", "13900000013", "13900000014")]
        _hold(body=committee, title="幸福社区居民议事会（第 6 次）", chair=xingfu_chair,
              recorder=xingfu_recorder, matter=lamp, place="幸福社区活动中心二楼",
              present=members[1:], votes={"yes": 3}, ballot="open",
              speakers=[(members[2], "for"), (members[3], "for")],
              deferred=charging, defer_reason="电源容量和物业意见还没落实，搁置，下次再议。")

    if parking.state == MatterState.ACCEPTED.value:
        _at(now, 2)
        joint = _body("示范街道联席会议")
        present = [_user(f"139000000{n}") for n in (11, 12, 13, 14, 21, 22, 23, 24)]
        _hold(body=joint, title="示范街道联席会议（6 月）", chair=staff, recorder=staff,
              matter=parking, place="街道社工站会议室", present=present,
              votes={"yes": 2, "no": 5, "abstain": 1}, ballot="secret",
              speakers=[(present[2], "for"), (present[4], "against")])
