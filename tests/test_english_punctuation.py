"""Issue 15 item 16 (the rest): an English reader sees English punctuation on the minutes, the live
meeting screens, the admin pages and the opinions pages. The Chinese punctuation that used to be
written straight into the templates (beside a value, outside `_()`) now goes through the
catalogue, and the Chinese page keeps it."""

from __future__ import annotations

import re

from deliberation.extensions import db
from deliberation.meetings.models import SpeakRequest
from tests.meetings import conftest as meetings
from tests.meetings.conftest import accepted_matter
from tests.opinions.conftest import say

meeting_of = meetings.meeting_of  # the meetings tests' fixture, used here too

CHINESE_PUNCTUATION = re.compile(r"[，。：（）！？「」、；]")
OK = {"confirmed": "1"}


def _chinese_punctuation(html: str) -> list[str]:
    """Each Chinese punctuation mark in the visible page (and its <title>), with context."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return [html[max(0, m.start() - 40):m.end() + 20] for m in CHINESE_PUNCTUATION.finditer(html)]


def _english(c) -> None:
    assert c.post_form("/prefs/lang", {"lang": "en"}).status_code == 302


def _meeting_in_session(world, login, meeting_of):
    """A committee meeting with attendance, a recusal, a speaker on the floor and an open vote:
    every line of the chair screen, the phone and the minutes has something to show. User data
    (names, reasons) carries no Chinese punctuation, so any mark found comes from the page."""
    matter = accepted_matter(world, title="Lamp in block 5")
    meeting = meeting_of(matter, present=[world.member_a, world.recorder_a, world.chair_a])
    item = meeting.items[0]
    chair, member = login(world.chair_a), login(world.member_a)
    assert chair.post_form(f"/meetings/items/{item.id}/debate").status_code == 302
    assert member.post_form(f"/meetings/items/{item.id}/speak", {"side": "for"}).status_code == 302
    turn = db.session.query(SpeakRequest).one()
    assert chair.post_form(f"/meetings/speakers/{turn.id}/floor").status_code == 302
    return meeting, item, chair, member


def test_live_chair_phone_and_minutes_use_english_punctuation(world, login, meeting_of):
    meeting, item, chair, member = _meeting_in_session(world, login, meeting_of)
    recorder = login(world.recorder_a)
    for c in (chair, member, recorder):
        _english(c)
    chair_screen = chair.get(f"/meetings/{meeting.id}/chair").text
    assert "Now speaking: <strong>黄委员</strong> (For)" in chair_screen
    assert _chinese_punctuation(chair_screen) == []
    assert chair.post_form(f"/meetings/speakers/{db.session.query(SpeakRequest).one().id}/end"
                           ).status_code == 302
    assert recorder.post_form(f"/meetings/items/{item.id}/recuse",
                              {**OK, "reason": "lives in block 5"}).status_code == 302
    assert chair.post_form(f"/meetings/items/{item.id}/open-vote",
                           {"ballot": "open", "method": "phones"}).status_code == 302
    assert member.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    for url in (f"/meetings/{meeting.id}/chair", f"/meetings/{meeting.id}/projector"):
        assert _chinese_punctuation(chair.get(url).text) == [], url
    phone = member.get(f"/meetings/{meeting.id}/phone").text
    assert 'id="my-vote">' in phone
    assert _chinese_punctuation(phone) == []

    assert chair.post_form(f"/meetings/items/{item.id}/close", OK).status_code == 302
    assert chair.post_form(f"/meetings/{meeting.id}/end", OK).status_code == 302
    minutes = chair.get(f"/meetings/{meeting.id}/minutes").text
    assert "黄委员 (" in minutes and "林秘书 (lives in block 5)" in minutes
    assert _chinese_punctuation(minutes) == []
    assert _chinese_punctuation(chair.get("/meetings/").text) == []


def test_the_chinese_minutes_keep_chinese_punctuation(world, login, meeting_of):
    meeting, item, chair, member = _meeting_in_session(world, login, meeting_of)
    screen = chair.get(f"/meetings/{meeting.id}/chair").text
    assert "正在发言：<strong>黄委员</strong>（赞成方）" in screen
    minutes = chair.get(f"/meetings/{meeting.id}/minutes").text
    assert "会议纪要：" in minutes and "（现场）" in minutes


def test_admin_pages_use_english_punctuation(world, login):
    c = login(world.admin)
    _english(c)
    members = c.get(f"/admin/bodies/{world.committee_a.id}/members").text
    assert f"陈主任 ({world.chair_a.masked_phone})" in members
    for url in (f"/admin/bodies/{world.committee_a.id}/members",
                f"/admin/organisations/{world.shop.id}/members",
                f"/admin/bodies/{world.committee_a.id}/edit",
                f"/meetings/rules/{world.committee_a.id}"):
        page = c.get(url)
        assert page.status_code == 200, url
        assert _chinese_punctuation(page.text) == [], url


def test_opinions_pages_use_english_punctuation(world, login):
    matter = accepted_matter(world, title="Lamp in block 5")
    db.session.commit()
    opinion = say(matter, world.resident_a, text="Please fix it soon")
    resident = login(world.resident_a2)
    _english(resident)
    assert resident.post_form(f"/opinions/{opinion.id}/report", {"reason": "abuse"}).status_code == 303
    author = login(world.resident_a)
    _english(author)
    chair = login(world.chair_a)
    _english(chair)
    pages = {
        "list": author.get(f"/matters/{matter.id}/opinions"),
        "edit": author.get(f"/opinions/{opinion.id}/edit"),
        "report": resident.get(f"/opinions/{opinion.id}/report"),
        "summary": chair.get(f"/matters/{matter.id}/opinions/summary"),
        "queue": chair.get("/opinions/moderation"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert _chinese_punctuation(page.text) == [], name


def test_screening_stats_and_exports_use_english_punctuation(world, login, client):
    matter = world.matter(title="Lamp in block 5", description="Dark at night", place="Block 5")
    member = login(world.member_a)
    _english(member)
    screen = member.get(f"/screening/{matter.id}").text
    assert "Lamp in block 5</h1>" in screen
    assert _chinese_punctuation(screen) == []
    staff = login(world.staff)
    _english(staff)
    exports = staff.get("/exports").text
    assert "(CSV)" in exports and "(Excel)" in exports
    assert _chinese_punctuation(exports) == []
    _english(client)
    assert _chinese_punctuation(client.get("/stats").text) == []


def test_a_missing_field_is_named_in_english_with_english_punctuation(world, login):
    m = world.matter(title="Lamp in block 5", description="Dark at night", place="Block 5")
    chair = login(world.chair_a)
    _english(chair)
    r = chair.post_form(f"/screening/{m.id}", {"decision": "reject", "note": "kept"})
    assert r.status_code == 422
    assert "requires: a reason or explanation." in r.text
    assert _chinese_punctuation(r.text) == []


def test_tracking_pages_use_english_punctuation(world, login, client):
    from deliberation.matters.states import MatterState
    from tests.tracking.conftest import add_implementer, assign, put_in

    add_implementer(world)
    matter = put_in(world.matter(title="Lamp in block 5", description="Dark at night",
                                 place="Block 5"), MatterState.IN_PROGRESS)
    assign(matter, world)
    shop = login(world.shop_owner)
    _english(shop)
    for form in ({"kind": "materials", "description": "LED bulbs", "quantity": "20",
                  "organisation_id": world.shop.id},
                 {"kind": "money", "description": "Repairs", "amount": "300", "organisation_id": "0"}):
        assert shop.post_form(f"/tracking/{matter.id}/pledge", form).status_code == 302
    _english(client)
    resources_page = client.get("/resources").text
    assert "LED bulbs (20)" in resources_page
    detail = client.get(f"/matters/{matter.id}").text
    assert re.search(r'id="pledge-totals">[^<]*; ', detail)
    staff, worker = login(world.staff), login(world.extra["worker"])
    _english(staff)
    _english(worker)
    pages = {
        "resources": resources_page, "detail": detail,
        "pledge": shop.get(f"/tracking/{matter.id}/pledge").text,
        "assign": staff.get(f"/tracking/{matter.id}/assign").text,
        "report": worker.get(f"/tracking/{matter.id}/report").text,
        "spending": worker.get(f"/tracking/{matter.id}/spending").text,
        "done": worker.get(f"/tracking/{matter.id}/done").text,
        "ledger": client.get(f"/tracking/{matter.id}/ledger").text,
    }
    for name, page in pages.items():
        assert "Lamp in block 5" in page, name
        assert _chinese_punctuation(page) == [], name


def test_late_phases_are_listed_with_english_commas(world, app):
    from datetime import timedelta

    from flask_babel import force_locale

    from deliberation.core.time import utcnow
    from deliberation.tracking import assignment
    from tests.tracking.conftest import add_implementer

    add_implementer(world)
    due = utcnow().date() + timedelta(days=10)
    late = {k: due + timedelta(days=5) for k in list(assignment.default_phase_dates(due, due))[:2]}
    with app.test_request_context(), force_locale("en"):
        problem = assignment.plan_problem(organisation_id=world.extra["org"].id,
                                          lead_id=world.extra["worker"].id, due_on=due,
                                          phase_dues=late)
    assert problem.startswith("Phase dates cannot be later than the deadline: ")
    assert ", " in problem and _chinese_punctuation(problem) == []


def test_notice_rating_and_closing_pages_use_english_punctuation(world, login):
    from deliberation.matters.states import MatterState
    from tests.tracking.conftest import add_implementer, assign, put_in

    add_implementer(world)
    notice = put_in(world.matter(title="Bench", description="Broken", place="Park"),
                    MatterState.IN_NOTICE, window_days=3)
    rated = world.matter(title="Lamp in block 5", description="Dark at night", place="Block 5")
    put_in(rated, MatterState.IN_PROGRESS)
    assign(rated, world)
    put_in(rated, MatterState.IN_EVALUATION, window_days=3)
    staff = login(world.staff)
    _english(staff)
    printed = staff.get(f"/notices/{notice.id}/print").text
    assert re.search(r"<title>[^<]*: Bench", printed)
    resident = login(world.resident_a2)
    _english(resident)
    pages = {"print": printed}
    for name, c in (("rate", resident), ("close", staff), ("decide", staff)):
        r = c.get(f"/tracking/{rated.id}/{name}")
        assert r.status_code == 200, name
        pages[name] = r.text
    assert re.search(r"<title>[^<]*: Lamp in block 5", pages["rate"])
    for name, page in pages.items():
        assert _chinese_punctuation(page) == [], name
