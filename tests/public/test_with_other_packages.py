"""The board's figures and exports that come from the meetings and tracking packages.

Upcoming meetings on the
board, the satisfaction rate from concluded evaluation rounds, and the CSV exports of meetings,
pledges, the ledger and evaluations, checked for content and for what must never be in them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest

from deliberation.core import time as clock
from deliberation.extensions import db

T0 = datetime(2024, 3, 1, 2, 0)
NOW = datetime(2024, 5, 1, 4, 0)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def tm():
    from deliberation.tracking import models

    return models


@pytest.fixture
def mm():
    from deliberation.meetings import models

    return models


def evaluation(tm, matter, *, round=1, s=0, b=0, n=0, outcome="satisfied", concluded=True):
    e = tm.Evaluation(matter_id=matter.id, round=round, opened_at=T0, ends_at=T0 + timedelta(days=7),
                      satisfied=s, basically_satisfied=b, not_satisfied=n,
                      outcome=outcome if concluded else None,
                      concluded_at=T0 + timedelta(days=7) if concluded else None)
    db.session.add(e)
    db.session.commit()
    return e


def meeting(mm, world, *, starts_at, state="published", bodies=None, title="四月居民议事会"):
    m = mm.Meeting(title=title, starts_at=starts_at, place="社区活动室", chair_id=world.chair_a.id,
                   recorder_id=world.recorder_a.id, rule_preset="council_majority", state=state,
                   checkin_code=f"C{starts_at:%m%d%H}{len(title)}", created_by_id=world.staff.id)
    m.bodies = bodies or [world.committee_a]
    db.session.add(m)
    db.session.commit()
    return m


def test_satisfaction_rate_from_concluded_rounds(client, world, seed, tm):
    # (6 + 2 + 1 + 0) satisfied or basically, of 10 + 4 ratings: 9 / 14 = 64.3 %
    first = seed(world, created=T0, state="closed", answer=1, decided=5, closed=30)
    second = seed(world, created=T0, state="rectifying", answer=1, decided=5)
    evaluation(tm, first, s=6, b=2, n=2)
    evaluation(tm, second, s=1, b=0, n=3, outcome="not_satisfied")
    evaluation(tm, second, round=2, s=9, concluded=False)  # still open: not counted
    clock.freeze(NOW)
    html = client.get("/stats?start=2024-03-01&end=2024-03-31").get_data(as_text=True)
    assert re.search(r'<dd data-key="satisfaction"[^>]*>64.3%</dd>', html)
    assert "共 2 件事、14 份评价" in html
    other = client.get(f"/c/{world.b.id}/stats?start=2024-03-01&end=2024-03-31")
    assert "暂无评议数据" in other.get_data(as_text=True)


def test_upcoming_meetings_on_the_board(client, world, mm):
    clock.freeze(NOW)
    meeting(mm, world, starts_at=NOW + timedelta(days=3), title="幸福社区四月议事会")
    meeting(mm, world, starts_at=NOW + timedelta(days=5), bodies=[world.federation],
            title="社联会全体会议")
    meeting(mm, world, starts_at=NOW + timedelta(days=4), state="draft", title="还在筹备的会")
    meeting(mm, world, starts_at=NOW - timedelta(days=4), state="ended", title="上个月的会")
    street = client.get("/").get_data(as_text=True)
    section = re.search(r'id="meetings">(.*?)</section>', street, re.S).group(1)
    assert "幸福社区四月议事会" in section and "社联会全体会议" in section
    assert "还在筹备的会" not in section and "上个月的会" not in section
    assert section.index("幸福社区四月议事会") < section.index("社联会全体会议")
    b_board = client.get(f"/c/{world.b.id}").get_data(as_text=True)
    assert "社联会全体会议" in b_board and "幸福社区四月议事会" not in b_board


def test_meeting_export_has_counts_and_no_individual_choices(login, world, seed, mm):
    matter = seed(world, created=T0, state="in_progress", answer=1, decided=5, title="加装电梯")
    m = meeting(mm, world, starts_at=T0 + timedelta(days=4), state="ended")
    item = mm.AgendaItem(meeting_id=m.id, matter_id=matter.id, state="closed", outcome="adopted",
                         ballot="secret", yes=7, no=2, abstain=1, members_base=11, present_base=10)
    db.session.add(item)
    db.session.flush()
    db.session.add(mm.BallotCast(item_id=item.id, user_id=world.chair_a.id))
    db.session.commit()
    rows = rows_of(login(world.staff).get("/exports/meetings.csv"))
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    record = next(r for r in records if r["会议编号"] == str(item.meeting_id))
    assert record["议题"] == "加装电梯" and record["表决方式"] == "无记名表决"
    assert (record["同意"], record["反对"], record["弃权"], record["到会人数"]) == ("7", "2", "1", "10")
    db.session.add(mm.Vote(item_id=item.id, user_id=world.member_a.id, choice="no"))
    db.session.commit()
    text = login(world.staff).get("/exports/meetings.csv").data.decode("utf-8-sig")
    for voter in (world.chair_a, world.member_a):  # who voted, and how, is in no column
        assert voter.display_name not in text and voter.phone not in text


def test_pledge_ledger_and_evaluation_exports(login, world, seed, tm):
    matter = seed(world, created=T0, state="in_progress", answer=1, decided=5, title="小区路灯")
    world.shop.contact_phone = "13900001111"
    db.session.add(tm.Pledge(matter_id=matter.id, organisation_id=world.shop.id,
                             pledged_by_id=world.shop_owner.id, kind="money",
                             description="路灯款", amount_cents=50000))
    db.session.add(tm.Spending(matter_id=matter.id, amount_cents=12345, what="灯具 6 套",
                               spent_on=date(2024, 3, 20), recorded_by_id=world.staff.id))
    db.session.commit()
    evaluation(tm, matter, s=3, b=1, n=1)
    staff = login(world.staff)
    pledges = rows_of(staff.get("/exports/pledges.csv"))
    assert pledges[1][3:8] == ["五金店", "资金", "路灯款", "", "500.00"]
    ledger = rows_of(staff.get("/exports/ledger.csv"))
    assert ledger[1][3:5] == ["123.45", "灯具 6 套"]
    evaluations = rows_of(staff.get("/exports/evaluations.csv"))
    assert evaluations[1][6:10] == ["3", "1", "1", "满意"]
    everything = "".join(staff.get(f"/exports/{n}.csv").data.decode("utf-8-sig")
                         for n in ("pledges", "ledger", "evaluations"))
    for secret in ("13900001111", world.shop_owner.phone, world.shop_owner.display_name):
        assert secret not in everything
