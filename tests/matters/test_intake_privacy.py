"""Hidden names stay hidden; residents cannot touch others' matters; photos follow visibility."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from deliberation.core import audit
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import MatterPhoto
from deliberation.matters.states import MatterState
from deliberation.notifications.models import Notification
from tests.test_photos import jpeg_with_gps

NAME = "王阿姨"  # world.resident_a


@pytest.fixture
def hidden(world, login):
    """A hidden-name matter by 王阿姨 with a photo, an edit, a co-sign and a timeline."""
    c = login(world.resident_a)
    html = c.get("/matters/new").get_data(as_text=True)
    import re

    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html).group(1)
    c.post_form("/matters/new", {
        "title": "楼下噪音扰民", "description": "晚上十点后还有广场舞。",
        "category_id": str(world.categories[1].id), "place": "3 栋", "hide_name": "y",
        "submit_token": token, "photos": [(io.BytesIO(jpeg_with_gps(200, 100)), "n.jpg")],
    }, content_type="multipart/form-data")
    from deliberation.matters.models import Matter

    m = db.session.scalar(select(Matter))
    c.post_form(f"/matters/{m.id}/edit", {"title": "楼下噪音扰民（晚上）", "description": "十点后。",
                                          "category_id": str(world.categories[1].id),
                                          "place": "3 栋", "hide_name": "y"})
    login(world.resident_a2).post_form(f"/matters/{m.id}/cosign")
    return m


def pages(world, m, client) -> dict[str, str]:
    urls = {"detail": f"/matters/{m.id}", "needs": "/matters/", "search": "/matters/?q=噪音扰民",
            "home": "/", "support": f"/matters/{m.id}"}
    out = {k: client.get(u).get_data(as_text=True) for k, u in urls.items()}
    out["partial"] = client.get(f"/matters/{m.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    out["list-partial"] = client.get("/matters/", headers={"HX-Request": "true"}).get_data(as_text=True)
    return out


@pytest.mark.parametrize("viewer", ["anonymous", "resident_a2", "resident_b", "council_member"])
def test_hidden_name_never_reaches_the_public(world, hidden, client, login, viewer):
    c = client if viewer == "anonymous" else login(getattr(world, viewer))
    for name, html in pages(world, hidden, c).items():
        assert NAME not in html, name
        assert world.resident_a.phone not in html, name
    detail = c.get(f"/matters/{hidden.id}").get_data(as_text=True)
    assert "匿名居民" in detail
    # the timeline has the filing and the proposer's edit, both credited anonymously
    assert detail.count("匿名居民") >= 3


def test_committee_and_staff_still_see_who_filed_it(world, hidden, login):
    for user in (world.chair_a, world.staff):
        assert NAME in login(user).get(f"/matters/{hidden.id}").get_data(as_text=True)


def test_a_merged_hidden_proposer_stays_anonymous_in_the_cosign_list(world, hidden, login, client):
    target = world.matter(world.resident_a2, title="噪音问题（更早）")
    target.created_at = hidden.created_at.replace(year=hidden.created_at.year - 1)
    db.session.commit()
    hidden_m = db.session.get(type(hidden), hidden.id)
    workflow.merge(hidden_m, world.chair_a, target=target, reason="同一件事")
    db.session.commit()
    html = client.get(f"/matters/{target.id}").get_data(as_text=True)
    assert NAME not in html and "王**" not in html
    assert "匿名居民" in html
    assert "王阿姨" in login(world.staff).get(f"/matters/{target.id}").get_data(as_text=True)


def test_cosigners_are_masked_for_the_public(world, hidden, client, login):
    html = client.get(f"/matters/{hidden.id}").get_data(as_text=True)
    assert "李**" in html and "李大爷" not in html
    assert "李大爷" in login(world.chair_a).get(f"/matters/{hidden.id}").get_data(as_text=True)


def test_a_resident_cannot_edit_or_withdraw_anothers_matter(world, login):
    m = world.matter()
    other = login(world.resident_a2)
    assert other.get(f"/matters/{m.id}/edit").status_code == 403
    assert other.post_form(f"/matters/{m.id}/edit", {"title": "改掉", "description": "x",
                                                     "category_id": str(world.categories[0].id)}
                           ).status_code == 403
    assert other.get(f"/matters/{m.id}/withdraw").status_code == 403
    assert other.post_form(f"/matters/{m.id}/withdraw").status_code == 403
    db.session.expire_all()
    assert m.title == "5 栋楼道灯坏了" and m.state == MatterState.SUBMITTED.value


def test_the_proposer_edits_until_screening_and_withdraws(world, login):
    m = world.matter()
    c = login(world.resident_a)
    assert c.get(f"/matters/{m.id}/edit").status_code == 200
    assert c.post_form(f"/matters/{m.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert m.state == MatterState.WITHDRAWN.value
    assert [e.action for e in audit.timeline("matter", m.id)] == ["file", "withdraw"]


def test_photos_follow_the_matters_visibility(world, hidden, client, login):
    key = db.session.scalar(select(MatterPhoto.file_key))
    url = f"/matters/{hidden.id}/photos/{key}.jpg"
    assert client.get(url).status_code == 200
    other = world.matter(title="另一件")
    assert client.get(f"/matters/{other.id}/photos/{key}.jpg").status_code == 404  # wrong matter
    assert client.get(f"/matters/{hidden.id}/photos/..%2Fsecret.jpg").status_code == 404
    hidden.state = MatterState.WITHDRAWN.value
    db.session.commit()
    assert client.get(url).status_code == 404
    assert login(world.resident_a2).get(url).status_code == 404
    assert login(world.resident_a).get(url).status_code == 200  # the proposer still can
    assert login(world.chair_a).get(url).status_code == 200


def test_bell_counts_unread_and_marks_read(world, hidden, login):
    c = login(world.resident_a)
    html = c.get("/").get_data(as_text=True)
    assert '<span class="badge">1</span>' in html  # the co-sign
    page = c.get("/notifications/").get_data(as_text=True)
    assert "有居民附议了您的议题" in page and "共 1 人附议" in page
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.resident_a.id))
    assert login(world.resident_a2).post_form(f"/notifications/{note.id}/open").status_code == 404
    opened = c.post_form(f"/notifications/{note.id}/open")
    assert opened.headers["Location"].endswith(f"/matters/{hidden.id}")
    assert '<span class="badge">' not in c.get("/").get_data(as_text=True)
    world.matter(title="再来一件")
    login(world.resident_a2).post_form(f"/matters/{hidden.id + 1}/cosign")  # same community (was resident_b)
    assert '<span class="badge">1</span>' in c.get("/").get_data(as_text=True)
    c.post_form("/notifications/read")
    assert '<span class="badge">' not in c.get("/").get_data(as_text=True)


def test_an_objecting_residents_name_is_masked_for_the_public(world, login, client):
    """The timeline shows a resident's objection under a masked name, as for co-signers; the
    committee, the station and the resident themselves see the name in full."""
    m = world.matter(title="决议公示中的事")
    audit.record(actor_id=world.resident_a2.id, subject_type="matter", subject_id=m.id,
                 action="objection", reason="费用没有说清楚。")
    db.session.commit()
    public = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "费用没有说清楚" in public and "李大爷" not in public and "李**" in public
    for viewer in (world.member_a, world.staff, world.resident_a2):
        assert "李大爷" in login(viewer).get(f"/matters/{m.id}").get_data(as_text=True)
    assert "李大爷" not in login(world.resident_b).get(f"/matters/{m.id}").get_data(as_text=True)
