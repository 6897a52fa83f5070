"""Reports, the committee's queue, hiding and dismissing; what the public sees of a hidden one."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from deliberation.core import audit
from deliberation.core import photos as photo_store
from deliberation.extensions import db
from deliberation.notifications.models import Notification
from deliberation.opinions import moderation, services
from deliberation.opinions.models import Opinion, OpinionReport
from tests import factories

from .conftest import fresh, say

SECRET = "这段话不该被公众看到"


def report(c, opinion, reason="abuse"):
    return c.post_form(f"/opinions/{opinion.id}/report", {"reason": reason})


def hide(c, opinion, reason="abuse", note="人身攻击"):
    return c.post_form(f"/opinions/{opinion.id}/hide", {"reason": reason, "note": note})


def every_view(world, login, client, matter, opinion) -> list[tuple[str, str]]:
    """Every page, partial and export that shows opinions, as the public and other residents."""
    out = []
    for who, c in (("anonymous", client), ("resident", login(world.resident_a2)),
                   ("other community", login(world.resident_b))):
        for url, headers in ((f"/matters/{matter.id}", {}),
                             (f"/matters/{matter.id}?sort=top", {}),
                             (f"/matters/{matter.id}/opinions", {}),
                             (f"/matters/{matter.id}/opinions", {"HX-Request": "true"}),
                             (f"/matters/{matter.id}/opinions.csv", {}),
                             (f"/opinions/{opinion.id}/report", {})):
            response = c.get(url, headers=headers)
            if response.status_code == 302:
                continue  # the report page asks an anonymous visitor to log in
            assert response.status_code == 200, (who, url, response.status_code)
            out.append((f"{who} {url} {headers}", response.get_data(as_text=True)))
    # The htmx answer of posting (the section partial) and of agreeing (the button partial).
    a2 = login(world.resident_a2)
    section = a2.post(f"/matters/{matter.id}/opinions", headers={"HX-Request": "true"},
                      data={"csrf_token": a2.csrf_token(), "stance": "for", "text": "我再说一句"})
    out.append(("htmx section", section.get_data(as_text=True)))
    a2_agree = a2.post(f"/opinions/{opinion.id}/agree", headers={"HX-Request": "true"},
                       data={"csrf_token": a2.csrf_token()})
    out.append(("htmx agree", a2_agree.get_data(as_text=True)))
    return out


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 0, 0)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer.getvalue()


def test_hidden_opinion_shows_the_reason_never_the_text(world, login, client, matter):
    key = photo_store.store(io.BytesIO(photo_bytes()), "x.png").key
    o = services.post(matter, world.resident_a, text=SECRET, stance="against", photo_key=key)
    db.session.commit()
    assert report(login(world.resident_a2), o).status_code == 303
    assert hide(login(world.chair_a), o).status_code == 303
    assert fresh(Opinion, o.id).visibility == "hidden"
    views = every_view(world, login, client, matter, o)
    assert len(views) >= 16
    for name, html in views:
        assert SECRET not in html, name
    shown = [html for name, html in views if "agree" not in name and "/report" not in name]
    for html in shown:
        assert "此意见已被居委会隐藏：辱骂或人身攻击（人身攻击）" in html
    assert client.get(f"/opinions/{o.id}/photo/{key}.jpg").status_code == 404
    assert login(world.resident_a2).get(f"/opinions/{o.id}/photo/{key}_t.jpg").status_code == 404
    # The author still reads what they wrote, marked as hidden; the timeline says why.
    own = login(world.resident_a).get(f"/matters/{matter.id}").get_data(as_text=True)
    assert SECRET in own and "原文只有您本人能看到" in own
    timeline = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "居委会隐藏了一条意见" in timeline


def test_hiding_tells_the_author_and_is_audited(world, login, matter):
    o = say(matter, world.resident_a, SECRET)
    report(login(world.resident_a2), o, "privacy")
    hide(login(world.chair_a), o, "privacy", "")
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == world.resident_a.id, Notification.kind == "opinion_hidden"))
    assert note is not None and "泄露他人隐私" in note.message
    entries = audit.timeline("matter", matter.id)
    hidden = [e for e in entries if e.action == "opinion_hidden"]
    assert hidden and hidden[0].actor_id == world.chair_a.id and hidden[0].reason == "泄露他人隐私"
    assert SECRET not in str(hidden[0].details) + hidden[0].reason
    reports = audit.timeline("opinion", o.id, include_internal=True)
    assert [e.action for e in reports] == ["report"]
    assert db.session.scalar(select(OpinionReport.resolution)) == "hidden"
    assert audit.verify().ok


def test_a_member_cannot_moderate_their_own_opinion(world, login, matter):
    o = say(matter, world.member_a, "委员自己的话")
    report(login(world.resident_a), o)
    member = login(world.member_a)
    assert hide(member, o).status_code == 403
    assert member.post_form(f"/opinions/{o.id}/dismiss").status_code == 403
    assert fresh(Opinion, o.id).visibility == "shown"
    queue = member.get("/opinions/moderation").get_data(as_text=True)
    assert "委员自己的话" in queue and "请由其他委员处理" in queue
    assert f'action="/opinions/{o.id}/hide"' not in queue
    assert hide(login(world.chair_a), o).status_code == 303  # another member may


@pytest.mark.parametrize("who", ["resident_a2", "chair_b", "staff", "council_member"])
def test_only_the_matters_committee_moderates(world, login, matter, who):
    o = say(matter, world.resident_a, SECRET)
    report(login(world.resident_a2), o)
    c = login(getattr(world, who))
    assert hide(c, o).status_code == 403
    assert c.post_form(f"/opinions/{o.id}/dismiss").status_code == 403
    if who != "chair_b":
        assert c.get("/opinions/moderation").status_code == 403
    else:
        assert SECRET not in c.get("/opinions/moderation").get_data(as_text=True)
    assert fresh(Opinion, o.id).visibility == "shown"


def test_the_queue_lists_reported_opinions_with_their_reasons(world, login, client, matter):
    o = say(matter, world.resident_a, SECRET)
    say(matter, world.resident_a, "没人举报的意见")
    report(login(world.resident_a2), o, "abuse")
    report(login(world.member_a), o, "off_topic")
    html = login(world.chair_a).get("/opinions/moderation").get_data(as_text=True)
    assert SECRET in html and "2 人举报" in html and "与议题无关" in html
    assert "没人举报的意见" not in html
    assert client.get("/opinions/moderation").status_code == 302


def test_report_threshold_hides_pending_review(world, login, client, matter):
    o = say(matter, world.resident_a, SECRET)
    people = [world.resident_a2, world.member_a, factories.user(world.a)]
    db.session.commit()
    for n, person in enumerate(people, start=1):
        assert report(login(person), o).status_code == 303
        assert fresh(Opinion, o.id).visibility == ("pending" if n == 3 else "shown")
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert SECRET not in html and "等待居委会审核" in html
    assert services.counts(matter.id)["for"] == 0
    assert "暂时隐藏" in html  # the timeline says so, with the system as actor
    held = [e for e in audit.timeline("matter", matter.id) if e.action == "opinion_held"]
    assert held and held[0].actor_id is None
    # Dismissing the reports shows it again.
    assert login(world.chair_a).post_form(f"/opinions/{o.id}/dismiss").status_code == 303
    assert fresh(Opinion, o.id).visibility == "shown"
    assert SECRET in client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert db.session.scalars(select(OpinionReport.resolution)).all() == ["dismissed"] * 3


def test_threshold_is_configurable(world, login, app, matter):
    app.config["OPINION_REPORT_THRESHOLD"] = 1
    try:
        o = say(matter, world.resident_a, SECRET)
        report(login(world.resident_a2), o)
        assert fresh(Opinion, o.id).visibility == "pending"
    finally:
        del app.config["OPINION_REPORT_THRESHOLD"]


def test_one_report_per_person_and_not_ones_own(world, login, matter):
    o = say(matter, world.resident_a, SECRET)
    a2 = login(world.resident_a2)
    assert report(a2, o).status_code == 303
    assert report(a2, o).status_code == 303  # "already reported", nothing added
    assert report(login(world.resident_a), o).status_code == 409
    assert report(a2, o, "nonsense").status_code == 422
    assert len(db.session.scalars(select(OpinionReport)).all()) == 1


def test_dismissing_without_reports_is_refused(world, login, matter):
    o = say(matter, world.resident_a, "平常的意见")
    assert login(world.chair_a).post_form(f"/opinions/{o.id}/dismiss").status_code == 409


def test_service_refuses_self_moderation(world, matter):
    o = say(matter, world.chair_a, "主任的意见")
    with pytest.raises(services.NotAllowed):
        moderation.hide(o, matter, world.chair_a, reason="abuse")
