"""Object-level checks (IDOR): a valid login never reaches another community's or another
resident's objects by changing an id in the URL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberation.core.audit import AuditEntry
from deliberation.directory.models import Membership
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.matters.states import MatterState

OK = {"confirmed": "1"}  # past the no-JavaScript confirmation page (issue 15 item 22)


def _state(matter_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Matter, matter_id).state


def _entries(matter_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.subject_id == matter_id))


def test_committee_of_b_cannot_screen_a_matter_of_a(world, login):
    m = world.matter(world.resident_a)
    before = _entries(m.id)
    c = login(world.chair_b)
    assert c.get(f"/screening/{m.id}").status_code == 403
    for decision in ("accept", "reject", "return", "refer"):
        r = c.post_form(f"/screening/{m.id}",
                        {**OK, "decision": decision, "reason": "越权", "department": "x"})
        assert r.status_code == 403, decision
    assert c.post_form(f"/screening/{m.id}/note", {"note": "越权备注"}).status_code == 403
    assert _state(m.id) == MatterState.SUBMITTED.value
    assert _entries(m.id) == before
    # The queue of B does not list A's matter either.
    assert f"/matters/{m.id}" not in c.get("/screening/").get_data(as_text=True)


@pytest.mark.parametrize("intruder", ["resident_a2", "resident_b", "chair_a", "council_member"])
def test_residents_cannot_edit_or_withdraw_another_residents_matter(world, login, intruder):
    m = world.matter(world.resident_a, title="原标题")
    c = login(getattr(world, intruder))
    assert c.get(f"/matters/{m.id}/edit").status_code == 403
    r = c.post_form(f"/matters/{m.id}/edit", {"title": "被篡改", "description": "x",
                                              "category_id": world.categories[0].id})
    assert r.status_code == 403
    assert c.post_form(f"/matters/{m.id}/withdraw", {"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Matter, m.id).title == "原标题"
    assert _state(m.id) == MatterState.SUBMITTED.value


def test_resubmit_belongs_to_the_proposer(world, login):
    m = world.matter(world.resident_a)
    m.state = MatterState.RETURNED.value  # test set-up: a returned matter
    db.session.commit()
    assert login(world.resident_a2).post_form(f"/matters/{m.id}/resubmit").status_code == 403
    assert _state(m.id) == MatterState.RETURNED.value
    assert login(world.resident_a).post_form(f"/matters/{m.id}/resubmit").status_code == 302
    assert _state(m.id) == MatterState.SUBMITTED.value


def test_a_withdrawn_matter_is_hidden_from_outsiders(world, login):
    m = world.matter(world.resident_a)
    m.state = MatterState.WITHDRAWN.value
    db.session.commit()
    for who in (world.resident_b, world.resident_a2, world.chair_b):
        assert login(who).get(f"/matters/{m.id}").status_code == 404
    assert login(world.resident_a).get(f"/matters/{m.id}").status_code == 200


def test_membership_ids_are_checked_against_their_body(world, login):
    """Removing a member through another body's URL is refused and removes nothing."""
    membership = db.session.scalar(select(Membership).where(Membership.body_id == world.committee_b.id))
    c = login(world.staff)
    r = c.post_form(f"/admin/bodies/{world.committee_a.id}/members/{membership.id}/remove")
    assert r.status_code == 404
    assert db.session.get(Membership, membership.id) is not None


def test_staff_cannot_reset_staff_or_admin_passwords(world, login):
    c = login(world.staff)
    for target in (world.admin, world.staff):
        assert c.get(f"/staff/residents/{target.id}/reset").status_code == 403
        assert c.post_form(f"/staff/residents/{target.id}/reset").status_code == 403
    assert c.get("/staff/residents/99999/reset").status_code == 404
    assert c.get("/admin/users/").status_code == 404  # only the declared kinds are editable
    assert c.get("/admin/communities/99999/edit").status_code == 404


def _photo_rules(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if "photo" in r.rule and "GET" in r.methods}


def test_photos_of_a_hidden_matter_are_not_served_to_outsiders(app, world, login):
    """Every photo route answers outsiders 404 for a withdrawn matter's photos (the files exist,
    and the proposer still gets them, so the 404 is the access check, not a missing file)."""
    from tests.security.access_table import make_objects

    objs = make_objects(world)
    for m in (objs["matter"], objs["accepted"], objs["working"]):
        m.state = MatterState.WITHDRAWN.value
    db.session.commit()
    opinion = objs["opinion"]
    urls = {
        "/matters/<int:matter_id>/photos/<name>.jpg":
            f"/matters/{objs['matter'].id}/photos/{objs['matter_photo']}.jpg",
        "/opinions/<int:opinion_id>/photo/<name>.jpg":
            f"/opinions/{opinion.id}/photo/{opinion.photo_key}.jpg",
        "/tracking/photos/<key>": f"/tracking/photos/{objs['report_photo']}",
        "/tracking/photos/<key>/thumb": f"/tracking/photos/{objs['report_photo']}/thumb",
    }
    # The upload preview serves only the uploader's own pending photos (see the route matrix).
    assert _photo_rules(app) - {"/matters/new/photos/<name>.jpg"} == set(urls), \
        "a new photo route: add it here"
    for url in urls.values():
        assert login(world.resident_a).get(url).status_code == 200, url
        for who in (None, world.resident_b, world.chair_b, world.resident_a2):
            c = login(who) if who else app.test_client()
            assert c.get(url).status_code == 404, (url, who)
