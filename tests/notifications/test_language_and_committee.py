"""Issue 15 items 16, 18, 25: the reader's language (Accept-Language, a choice saved on the
account, notices rendered when read, plurals), the committee hears of matters to screen and of
reported opinions, and the bell can be marked read at once."""

from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy import select

from deliberation.extensions import db
from deliberation.notifications import services as notifications
from deliberation.notifications.models import Notification
from deliberation.opinions.models import Opinion
from tests import factories


def _notes(user, kind=None) -> list[Notification]:
    q = select(Notification).where(Notification.user_id == user.id)
    if kind:
        q = q.where(Notification.kind == kind)
    return list(db.session.scalars(q.order_by(Notification.id)))


# --- locale ---------------------------------------------------------------------------------
def test_accept_language_picks_english_or_chinese(client):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Needs" in client.get("/", headers={"Accept-Language": "en-US"}).text
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "zh-TW,zh;q=0.9"}).text
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "fr"}).text
    assert 'lang="zh-CN"' in client.get("/").text
    # An explicit choice on this device beats the browser.
    client.post_form("/prefs/lang", {"lang": "zh_CN"})
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "en"}).text


def test_the_choice_is_saved_on_the_account_and_follows_the_next_login(world, login, app):
    c = login(world.resident_a)
    assert c.post_form("/prefs/lang", {"lang": "en"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world.resident_a), world.resident_a.id).locale == "en"
    c.post_form("/logout")
    # A new phone: no cookie, a Chinese browser; after login the saved choice applies.
    fresh = app.test_client()
    assert 'lang="zh-CN"' in fresh.get("/login", headers={"Accept-Language": "zh-CN"}).text
    r = fresh.post_form("/login", {"phone": world.resident_a.phone,
                                   "password": factories.PASSWORD})
    assert r.status_code == 302
    assert 'lang="en"' in fresh.get("/", headers={"Accept-Language": "zh-CN"}).text


# --- notices rendered when read -------------------------------------------------------------
def test_a_notice_written_in_chinese_is_read_in_english(world, login):
    m = world.matter()
    login(world.member_a).post_form(f"/screening/{m.id}", {"decision": "return",
                                                           "reason": "请补充是几单元",
                                                           "confirmed": "1"})
    staff = login(world.staff)  # the actor's locale is zh_CN while the notice is made
    staff.post_form(f"/matters/{m.id}/follow")
    cosigner = login(world.resident_a2)
    cosigner.post_form(f"/matters/{m.id}/cosign")
    proposer = login(world.resident_a)
    zh = proposer.get("/notifications/").text
    assert "又有一位居民附议，现在共 1 人附议。" in zh
    proposer.post_form("/prefs/lang", {"lang": "en"})
    en = proposer.get("/notifications/").text
    assert "Another resident has co-signed; 1 person has co-signed so far." in en
    assert "又有一位居民附议" not in en
    assert "请补充是几单元" in en  # what a person typed stays as written


def test_rows_from_before_message_keys_stay_readable(world, login):
    db.session.add(Notification(user_id=world.resident_a.id, kind="cosign",
                                message="又有一位居民附议，现在共 3 人附议。"))
    db.session.commit()
    c = login(world.resident_a)
    c.post_form("/prefs/lang", {"lang": "en"})
    assert "又有一位居民附议，现在共 3 人附议。" in c.get("/notifications/").text


def test_counted_strings_use_the_english_plural_forms(world, app):
    m = world.matter()
    notifications.notify_users({world.resident_a.id}, kind="cosign", matter=m, message=[
        {"key": "又有一位居民附议，现在共 %(num)d 人附议。", "plural": "又有 %(num)d 位居民附议了。",
         "n": n, "params": {}} for n in (1, 2)])
    note = _notes(world.resident_a, "cosign")[-1]
    with app.test_request_context(), force_locale("en"):
        text = notifications.display_text(note)
    assert text.splitlines() == [
        "Another resident has co-signed; 1 person has co-signed so far.",
        "Another resident has co-signed; 2 people have co-signed so far."]
    assert note.message.splitlines()[1] == "又有 2 位居民附议了。"


def test_atom_titles_follow_the_readers_language(app, client):
    from deliberation import demo

    demo.load()
    db.session.commit()
    feed = client.get("/open/decisions.atom", headers={"Accept-Language": "en"}).text
    assert 'xml:lang="en"' in feed and "社区议事厅：决议公告" not in feed
    entries = feed.split("<entry>")[1:]
    assert entries
    for entry in entries:
        title = entry.split("<title>")[1].split("</title>")[0]
        assert re.match(r"(Adopted by vote|Not adopted): \S", title), title
        summary = entry.split("<summary")[1]
        assert re.search(r"\((for \d+, against \d+, abstain \d+)\)</summary>", summary), summary
    zh = client.get("/open/decisions.atom", headers={"Accept-Language": "zh-CN"}).text
    assert "<title>表决通过：" in zh


# --- the committee hears ---------------------------------------------------------------------
def test_committee_hears_of_a_new_matter_and_a_resubmission_once_each(world, login):
    m = world.matter()
    committee = {world.chair_a, world.recorder_a, world.member_a}
    for member in committee:
        notes = _notes(member, "to_screen")
        assert [n.matter_id for n in notes] == [m.id]
    assert not _notes(world.chair_b, "to_screen")  # another community's committee
    assert not _notes(world.resident_a, "to_screen")
    for _ in range(3):  # co-signs bring no further notice to the committee
        login(factories.user(world.a)).post_form(f"/matters/{m.id}/cosign")
    assert len(_notes(world.chair_a)) == 1
    bell = login(world.chair_a).get("/notifications/").text
    assert "有议题等待初审" in bell and "5 栋楼道灯坏了" in bell

    login(world.chair_a).post_form("/notifications/read")
    login(world.member_a).post_form(f"/screening/{m.id}", {"decision": "return",
                                                           "reason": "请补充是几单元",
                                                           "confirmed": "1"})
    assert login(world.resident_a).post_form(f"/matters/{m.id}/resubmit").status_code == 302
    again = _notes(world.chair_a, "to_screen")
    assert len(again) == 2 and again[-1].read_at is None
    assert "重新提交" in again[-1].message


def test_committee_hears_of_reported_opinions_in_one_notice(world, login):
    from tests.opinions.conftest import say, set_state

    m = set_state(world.matter(), "accepted")
    login(world.chair_a).post_form("/notifications/read")
    opinion = say(m, world.resident_a2)
    for _ in range(2):
        reporter = login(factories.user(world.a))
        assert reporter.post_form(f"/opinions/{opinion.id}/report",
                                  {"reason": "abuse"}).status_code == 303
    reported = _notes(world.chair_a, "opinion_reported")
    assert len(reported) == 1 and reported[0].matter_id == m.id
    assert db.session.get(Opinion, opinion.id) is not None
    bell = login(world.member_a).get("/notifications/").text
    assert "有意见被举报" in bell


# --- mark all read ----------------------------------------------------------------------------
def test_mark_all_read_needs_csrf_and_clears_every_page(world, login):
    m = world.matter()
    notifications.notify_users({world.resident_a.id}, kind="cosign", matter=m, message="x")
    for _ in range(50):
        notifications.notify_users({world.resident_a.id}, kind="cosign", matter=m, message="y")
    db.session.commit()
    c = login(world.resident_a)
    page = c.get("/notifications/").text
    assert "全部标为已读" in page
    assert c.post("/notifications/read").status_code == 400  # no CSRF token
    assert notifications.unread_count(world.resident_a.id) == 51
    assert c.post_form("/notifications/read").status_code == 302
    assert notifications.unread_count(world.resident_a.id) == 0
    assert "全部标为已读" not in c.get("/notifications/").text


def test_english_pages_carry_no_chinese_brackets_around_labels(world, login):
    m = world.matter(hide_name=True, title="Lamp", description="Dark", place="B5")
    c = login(world.chair_a)
    c.post_form("/prefs/lang", {"lang": "en"})
    page = c.get(f"/matters/{m.id}").text
    assert "王阿姨 (Anonymous to the public)" in page
    assert "（" not in page and "）" not in page
