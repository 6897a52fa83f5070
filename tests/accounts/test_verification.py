"""Verified residents (核实): who may verify, and the street's choice to count only them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deliberation.accounts.models import User
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters.models import Cosign
from deliberation.matters.states import MatterState
from deliberation.meetings.models import Objection
from deliberation.tracking.models import Rating
from tests.tracking.conftest import put_in


def _verified_only(world, on: bool = True):
    world.street.verified_only = on
    db.session.commit()


def _user(uid: int) -> User:
    db.session.expire_all()
    return db.session.get(User, uid)


# --- verifying ------------------------------------------------------------------------------

def test_the_committee_verifies_a_resident_of_its_community_audited(world, login):
    chair = login(world.chair_a)
    page = chair.get("/residents/verify").get_data(as_text=True)
    assert world.resident_a.display_name in page and world.resident_b.display_name not in page
    r = chair.post_form(f"/residents/{world.resident_a.id}/verify", follow_redirects=True)
    assert r.status_code == 200 and "已核实" in r.get_data(as_text=True)
    resident = _user(world.resident_a.id)
    assert resident.is_verified and resident.verified_by_id == world.chair_a.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "verify_resident"))
    assert entry.actor_id == world.chair_a.id and entry.subject_id == world.resident_a.id
    assert entry.public is False
    # and undo, audited too
    chair.post_form(f"/residents/{world.resident_a.id}/verify", {"verified": "0"})
    assert not _user(world.resident_a.id).is_verified
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unverify_resident"))


def test_staff_verify_residents_of_any_community(world, login):
    staff = login(world.staff)
    assert world.resident_b.display_name in staff.get("/residents/verify").get_data(as_text=True)
    assert staff.post_form(f"/residents/{world.resident_b.id}/verify").status_code == 302
    assert _user(world.resident_b.id).is_verified


@pytest.mark.parametrize("who", ["chair_b", "resident_a2", "council_member", "shop_owner"])
def test_nobody_else_verifies_a_resident_of_community_a(world, login, who):
    """Another community's committee (IDOR by id), residents, other bodies: 403, nothing kept."""
    c = login(getattr(world, who))
    assert c.post_form(f"/residents/{world.resident_a.id}/verify").status_code == 403
    assert not _user(world.resident_a.id).is_verified
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "verify_resident"))


def test_the_list_shows_only_the_committees_own_community(world, login):
    chair_b = login(world.chair_b)
    html = chair_b.get(f"/residents/verify?community={world.a.id}").get_data(as_text=True)
    assert world.resident_a.display_name not in html
    assert world.resident_b.display_name in chair_b.get("/residents/verify").get_data(as_text=True)
    assert login(world.resident_a).get("/residents/verify").status_code == 403


def test_nobody_verifies_themself_or_staff(world, login):
    chair = login(world.chair_a)
    assert chair.post_form(f"/residents/{world.chair_a.id}/verify").status_code == 403
    assert login(world.staff).post_form(f"/residents/{world.admin.id}/verify").status_code == 403


def test_the_street_setting_is_saved_from_the_form(world, login):
    staff = login(world.staff)
    data = {"name": world.street.name, "first_answer_days": "10", "notice_days": "5",
            "evaluation_days": "7", "no_report_days": "14", "verified_only": "y"}
    assert staff.post_form("/admin/street", data).status_code == 302
    db.session.expire_all()
    assert world.street.verified_only is True
    data.pop("verified_only")
    staff.post_form("/admin/street", data)
    db.session.expire_all()
    assert world.street.verified_only is False


# --- co-signs ---------------------------------------------------------------------------------

def test_cosigns_come_only_from_the_matters_community(world, login):
    m = world.matter()
    outsider = login(world.resident_b)
    assert "只有幸福社区的居民可以附议" in outsider.get(f"/matters/{m.id}").get_data(as_text=True)
    outsider.post_form(f"/matters/{m.id}/cosign")
    assert db.session.scalar(select(Cosign).where(Cosign.matter_id == m.id)) is None
    login(world.resident_a2).post_form(f"/matters/{m.id}/cosign")
    assert db.session.scalar(select(Cosign).where(Cosign.matter_id == m.id)).user_id == world.resident_a2.id


def test_with_verified_only_an_unverified_resident_is_told_why_and_cannot_cosign(world, login):
    m = world.matter()
    _verified_only(world)
    c = login(world.resident_a2)
    page = c.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "只有经居委会核实的居民才能附议" in page and "我也关心这件事，附议" not in page
    r = c.post_form(f"/matters/{m.id}/cosign", follow_redirects=True)
    assert "只有经居委会核实的居民才能附议" in r.get_data(as_text=True)
    assert db.session.scalar(select(Cosign)) is None
    login(world.chair_a).post_form(f"/residents/{world.resident_a2.id}/verify")
    c.post_form(f"/matters/{m.id}/cosign")
    assert db.session.scalar(select(Cosign)).user_id == world.resident_a2.id


def test_without_the_setting_unverified_residents_cosign(world, login):
    m = world.matter()
    login(world.resident_a2).post_form(f"/matters/{m.id}/cosign")
    assert db.session.scalar(select(Cosign)) is not None


# --- ratings and objections ------------------------------------------------------------------

def test_with_verified_only_an_unverified_resident_cannot_rate(world, login):
    m = put_in(world.matter(), MatterState.IN_EVALUATION, window_days=7)
    _verified_only(world)
    c = login(world.resident_a2)
    page = c.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "只有经居委会核实的居民才能评议" in page and "提交评议" not in page
    r = c.post_form(f"/tracking/{m.id}/rate", {"choice": "satisfied"})
    assert r.status_code >= 400 and db.session.scalar(select(Rating)) is None
    assert "只有经居委会核实的居民才能评议" in r.get_data(as_text=True)
    login(world.staff).post_form(f"/residents/{world.resident_a2.id}/verify")
    assert c.post_form(f"/tracking/{m.id}/rate", {"choice": "satisfied"}).status_code == 302
    assert db.session.scalar(select(Rating)).user_id == world.resident_a2.id


def test_with_verified_only_an_unverified_resident_cannot_object(world, login):
    m = put_in(world.matter(), MatterState.IN_NOTICE, window_days=5)
    _verified_only(world)
    c = login(world.resident_a2)
    page = c.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "只有经居委会核实的居民才能提出异议" in page and 'id="objection-text"' not in page
    r = c.post_form(f"/meetings/matters/{m.id}/objections", {"text": "费用没有说清楚。"})
    assert r.status_code == 403 and db.session.scalar(select(Objection)) is None
    login(world.chair_a).post_form(f"/residents/{world.resident_a2.id}/verify")
    assert 'id="objection-text"' in c.get(f"/matters/{m.id}").get_data(as_text=True)
    r = c.post_form(f"/meetings/matters/{m.id}/objections", {"text": "费用没有说清楚。"})
    assert r.status_code == 302 and db.session.scalar(select(Objection)).filer_id == world.resident_a2.id
