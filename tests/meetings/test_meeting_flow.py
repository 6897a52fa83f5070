"""A meeting through HTTP: call it, build the agenda, publish, check in, debate, vote, close."""

from __future__ import annotations

import re

from sqlalchemy import select

from deliberation.core import audit
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.meetings.models import AgendaItem, Meeting
from deliberation.notifications.models import Notification

from .conftest import accepted_matter

OK = {"confirmed": "1"}  # past the no-JavaScript confirmation page (issue 15 item 22)


def test_chair_calls_a_meeting_builds_the_agenda_and_publishes(world, login, client):
    matter = accepted_matter(world)
    chair = login(world.chair_a)
    page = chair.get("/meetings/new")
    assert page.status_code == 200 and "召集会议" in page.get_data(as_text=True)
    r = chair.post_form("/meetings/new", {
        "body_ids": str(world.committee_a.id), "title": "六月议事会", "starts_at": "2026-06-01T19:30",
        "minutes_planned": "90", "place": "活动中心", "mode": "in_person",
        "chair_id": str(world.chair_a.id), "recorder_id": str(world.recorder_a.id),
        "rule_preset": "", "speaker_seconds": "120", "max_turns": "2"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at.hour == 11  # 19:30 in Shanghai is 11:30 UTC
    assert meeting.rule_preset == "council_majority"
    # A draft is not public
    assert client.get(f"/meetings/{meeting.id}").status_code == 404

    r = chair.post_form(f"/meetings/{meeting.id}/agenda", {"matter_id": str(matter.id)})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "scheduled"
    r = chair.post_form(f"/meetings/{meeting.id}/publish")
    assert r.status_code == 302
    notified = set(db.session.scalars(select(Notification.user_id)
                                      .where(Notification.kind == "meeting_published")))
    assert notified == {world.recorder_a.id, world.member_a.id}
    # The notice says the time as the street reads its clocks (Beijing time), as typed.
    inbox = login(world.member_a).get("/notifications/").get_data(as_text=True)
    assert "将于 2026-06-01 19:30 在 活动中心 召开" in inbox
    assert "UTC" not in inbox and "11:30" not in inbox

    public = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "六月议事会" in public and matter.title in public
    ics = client.get(f"/meetings/{meeting.id}/meeting.ics")
    assert ics.mimetype == "text/calendar"
    text = ics.get_data(as_text=True)
    assert "DTSTART:20260601T113000Z" in text and "SUMMARY:六月议事会" in text
    assert "\r\n" in text


def test_remove_from_agenda_unschedules(world, login, meeting_of):
    matter = accepted_matter(world)
    meeting = meeting_of(matter, start=False)
    item_id = meeting.items[0].id
    assert login(world.member_a).post_form(f"/meetings/items/{item_id}/remove").status_code == 403
    r = login(world.chair_a).post_form(f"/meetings/items/{item_id}/remove")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, matter.id).state == "accepted"
    assert db.session.get(AgendaItem, item_id) is None


def test_check_in_by_code_qr_and_live_quorum(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world))
    chair = login(world.chair_a)
    qr = chair.get(f"/meetings/{meeting.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert login(world.resident_a).get(f"/meetings/{meeting.id}/qr.svg").status_code == 403

    member = login(world.member_a)
    bad = member.post_form("/meetings/checkin", {"code": "ZZZZZZ"})
    assert bad.status_code == 422 and "签到码不对" in bad.get_data(as_text=True)
    ok = member.post_form("/meetings/checkin", {"code": meeting.checkin_code.lower()})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/meetings/{meeting.id}/phone")
    # a resident who is not a member cannot check in
    outsider = login(world.resident_a).post_form("/meetings/checkin", {"code": meeting.checkin_code})
    assert outsider.status_code == 422

    screen = chair.get(f"/meetings/{meeting.id}/chair").get_data(as_text=True)
    assert meeting.checkin_code in screen
    assert re.search(r'big-number">1</span> / 3', screen)
    assert "未达法定人数" in screen
    # the recorder marks the chair present: 2 of 3 is more than half
    recorder = login(world.recorder_a)
    r = recorder.post_form(f"/meetings/{meeting.id}/attendance",
                           {"user_id": world.chair_a.id, "present": "1"})
    assert r.status_code == 302
    screen = chair.get(f"/meetings/{meeting.id}/chair").get_data(as_text=True)
    assert "已达法定人数" in screen
    # only the recorder marks attendance
    r = member.post_form(f"/meetings/{meeting.id}/attendance", {"user_id": world.chair_a.id, "present": "0"})
    assert r.status_code == 403


def test_full_item_debate_vote_close_adopts_and_opens_notice(world, login, meeting_of, client):
    matter = accepted_matter(world)
    meeting = meeting_of(matter, present=[world.member_a, world.recorder_a])
    item = meeting.items[0]
    chair, member, recorder = login(world.chair_a), login(world.member_a), login(world.recorder_a)

    assert member.post_form(f"/meetings/items/{item.id}/debate").status_code == 403
    assert chair.post_form(f"/meetings/items/{item.id}/debate").status_code == 302
    r = member.post_form(f"/meetings/items/{item.id}/speak", {"side": "for"})
    assert r.status_code == 302
    phone = member.get(f"/meetings/{meeting.id}/phone").get_data(as_text=True)
    assert "您在发言队列中" in phone
    screen = chair.get(f"/meetings/{meeting.id}/chair").get_data(as_text=True)
    assert "黄委员" in screen and "请发言" in screen
    from deliberation.meetings.models import SpeakRequest

    turn = db.session.scalar(select(SpeakRequest))
    assert chair.post_form(f"/meetings/speakers/{turn.id}/floor").status_code == 302
    assert "data-ends-at" in chair.get(f"/meetings/{meeting.id}/chair").get_data(as_text=True)
    assert chair.post_form(f"/meetings/speakers/{turn.id}/end").status_code == 302

    # no vote is possible before it opens
    r = member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"})
    assert r.status_code == 409 and "表决没有开放" in r.get_data(as_text=True)

    assert chair.post_form(f"/meetings/items/{item.id}/open-vote",
                           {"ballot": "open", "method": "phones"}).status_code == 302
    assert member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"}).status_code == 303
    assert member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    assert recorder.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    # the chair has not checked in: may not vote
    assert chair.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"}).status_code == 403
    projector = chair.get(f"/meetings/{meeting.id}/projector").get_data(as_text=True)
    assert 'id="tally-yes">2<' in projector and 'id="tally-no">0<' in projector

    assert chair.post_form(f"/meetings/items/{item.id}/close", OK).status_code == 302
    db.session.expire_all()
    m = db.session.get(Matter, matter.id)
    assert m.state == "in_notice" and m.window_ends_at is not None
    actions = [e.action for e in audit.timeline("matter", m.id)]
    assert "adopt" in actions and "open_notice" in actions and "schedule" in actions
    adopt = next(e for e in audit.timeline("matter", m.id) if e.action == "adopt")
    assert adopt.details["counts"]["yes"] == 2 and adopt.details["vote_id"] == item.id
    # after close, votes are refused
    r = member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"})
    assert r.status_code == 409
    detail = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "同意 2 · 反对 0 · 弃权 0" in detail and "决议公示中" in detail

    assert chair.post_form(f"/meetings/{meeting.id}/end", OK).status_code == 302
    minutes = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "林秘书" in minutes and "黄委员（赞成方）" in minutes
    assert "同意 2 票，反对 0 票，弃权 0 票" in minutes


def test_not_adopted_on_a_tie(world, run_item):
    run = run_item()
    run.open_vote()
    run.vote(world.member_a, "yes")
    run.vote(world.recorder_a, "no")
    run.close()
    assert run.matter_state() == "not_adopted"
    assert run.fresh().outcome == "not_adopted"


def test_no_vote_opens_without_quorum(world, run_item):
    run = run_item(present=[world.member_a])
    r = run.open_vote(follow_redirects=True)
    assert "未达到法定人数" in r.get_data(as_text=True)
    assert run.fresh().state == "debate"


def test_a_refused_vote_keeps_the_chairs_choices(run_item):
    run = run_item()
    r = run.open_vote(ballot="secret", method="hands")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "举手表决不能无记名" in html
    checked = re.findall(r'<input checked[^>]*value="(\w+)"|<input[^>]*value="(\w+)"[^>]*checked', html)
    assert {a or b for a, b in checked} >= {"secret", "hands"}
    assert run.fresh().state == "debate"


def test_recusal_changes_the_items_quorum(world, run_item):
    run = run_item()
    assert run.post("recuse", {**OK, "reason": "住在 5 栋"}, by=world.member_a).status_code == 302
    # 2 eligible members, 1 present: 1 > 1 fails
    assert "本项应到 2 人" in run.open_vote(follow_redirects=True).get_data(as_text=True)
    assert run.fresh().state == "debate"
    timeline = [e.action for e in audit.timeline("matter", run.item.matter_id)]
    assert "recuse" in timeline


def test_show_of_hands_over_present_is_refused_then_counted(world, run_item):
    run = run_item()
    run.open_vote(method="hands")
    r = run.post("hands", {"yes": "3", "no": "0", "abstain": "0"}, by=world.recorder_a, follow_redirects=True)
    assert "超过了本项到会可表决的 2 人" in r.get_data(as_text=True)
    assert run.fresh().yes is None
    assert run.post("hands", {"yes": "1", "no": "0", "abstain": "0"}, by=world.member_a).status_code == 403
    run.post("hands", {"yes": "2", "no": "0", "abstain": "0"}, by=world.recorder_a)
    run.close()
    assert run.matter_state() == "in_notice"
    assert run.fresh().yes == 2


def test_defer_and_ending_the_meeting_defers_unreached_items(world, meeting_of, run_item):
    first, second = accepted_matter(world), accepted_matter(world, title="东门乱停车")
    run = run_item(meeting=meeting_of(first, second, present=[world.member_a, world.recorder_a]))
    assert run.post("defer", OK).status_code == 302
    assert run.chair.post_form(f"/meetings/{run.meeting.id}/end", OK).status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, first.id).state == "deferred"
    assert db.session.get(Matter, second.id).state == "deferred"
    assert db.session.get(Meeting, run.meeting.id).state == "ended"


def test_live_partial_answers_204_when_nothing_changed(world, login, run_item, client):
    run = run_item()
    run.open_vote()
    meeting = run.meeting
    hx = {"HX-Request": "true"}
    # The projector shows the check-in code: organisers only (chair, recorder, staff).
    assert client.get(f"/meetings/{meeting.id}/live/projector", headers=hx).status_code == 403
    member_live = login(world.member_a).get(f"/meetings/{meeting.id}/live/projector", headers=hx)
    assert member_live.status_code == 403 and meeting.checkin_code not in member_live.get_data(as_text=True)
    client = login(world.recorder_a)
    first = client.get(f"/meetings/{meeting.id}/live/projector", headers=hx)
    assert first.status_code == 200 and "HX-Request" in first.headers["Vary"]
    since = re.search(r"since=([^\"&]+)", first.get_data(as_text=True)).group(1)
    same = client.get(f"/meetings/{meeting.id}/live/projector?since={since}", headers=hx)
    assert same.status_code == 204 and same.data == b""
    run.vote(world.member_a, "yes")
    changed = client.get(f"/meetings/{meeting.id}/live/projector?since={since}", headers=hx)
    assert changed.status_code == 200 and 'id="tally-yes">1<' in changed.get_data(as_text=True)
    assert login(world.member_a).get(f"/meetings/{meeting.id}/live/chair").status_code == 403
    chair_live = run.chair.get(f"/meetings/{meeting.id}/live/chair?since=old", headers=hx)
    assert chair_live.status_code == 200 and "结束表决并宣布结果" in chair_live.get_data(as_text=True)
    phone_live = login(world.member_a).get(f"/meetings/{meeting.id}/live/phone", headers=hx)
    assert phone_live.status_code == 200 and "您的选择" in phone_live.get_data(as_text=True)
    assert login(world.resident_a).get(f"/meetings/{meeting.id}/live/phone").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/live/nothing").status_code == 404


def test_speaking_turns_limit_and_alternation(world, login, meeting_of):
    from deliberation.meetings import debate, services

    matter = accepted_matter(world)
    meeting = meeting_of(matter, present=[world.member_a, world.recorder_a, world.chair_a])
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    a = debate.request_to_speak(item, world.member_a, "for")
    b = debate.request_to_speak(item, world.recorder_a, "for")
    c = debate.request_to_speak(item, world.chair_a, "against")
    debate.give_floor(a, world.chair_a)
    assert debate.suggested_next(item) == c  # for spoke last: against is next
    debate.end_speech(a, world.chair_a)
    debate.give_floor(c, world.chair_a)
    debate.end_speech(c, world.chair_a)
    assert debate.suggested_next(item) == b
    second = debate.request_to_speak(item, world.member_a, "against")
    debate.give_floor(second, world.chair_a)
    debate.end_speech(second, world.chair_a)
    import pytest

    with pytest.raises(services.MeetingError, match="最多发言 2 次"):
        debate.request_to_speak(item, world.member_a, "for")


def test_minutes_notes_and_confirmation(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world), present=[world.member_a])
    recorder, chair, member = login(world.recorder_a), login(world.chair_a), login(world.member_a)
    assert member.post_form(f"/meetings/{meeting.id}/minutes/notes", {"notes": "x"}).status_code == 403
    assert recorder.post_form(f"/meetings/{meeting.id}/minutes/notes",
                              {"notes": "会上大家都同意尽快修灯。"}).status_code == 302
    r = chair.post_form(f"/meetings/{meeting.id}/minutes/confirm", follow_redirects=True)
    assert "散会后才能确认" in r.get_data(as_text=True)
    chair.post_form(f"/meetings/{meeting.id}/end", OK)
    chair.post_form(f"/meetings/{meeting.id}/minutes/confirm")
    recorder.post_form(f"/meetings/{meeting.id}/minutes/confirm")
    assert member.post_form(f"/meetings/{meeting.id}/minutes/confirm").status_code == 403
    db.session.expire_all()
    m = db.session.get(Meeting, meeting.id)
    assert m.chair_confirmed_at and m.recorder_confirmed_at
    page = member.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "会上大家都同意尽快修灯。" in page and "缺席" in page and "林秘书" in page


def test_an_unchanged_poll_is_answered_before_the_user_is_loaded_until_the_next_write(
        world, login, run_item):
    from deliberation.core import time as clock
    from tests.querycount import count_queries

    clock.freeze(clock.utcnow())  # one 5 s time slot for the whole test (conftest releases it)
    run = run_item()
    run.open_vote()
    meeting_id = run.meeting.id
    hx = {"HX-Request": "true"}
    member = login(world.member_a)
    first = member.get(f"/meetings/{meeting_id}/live/phone", headers=hx)
    since = re.search(r"since=([^\"&]+)", first.get_data(as_text=True)).group(1)
    url = f"/meetings/{meeting_id}/live/phone?since={since}"
    assert member.get(url, headers=hx).status_code == 204  # the full path: checks and remembers
    with count_queries() as q:
        same = member.get(url, headers=hx)
    assert same.status_code == 204 and q.count == 0, q.statements
    # Another person with the same `since` takes the full path: a resident is refused.
    assert login(world.resident_a).get(url, headers=hx).status_code == 403
    # Without htmx the page itself is rendered, never a bare 204.
    assert member.get(url).status_code == 200
    # A vote (a write) ends it: the next poll shows the tally.
    run.vote(world.recorder_a, "yes")
    changed = member.get(url, headers=hx)
    assert changed.status_code == 200
