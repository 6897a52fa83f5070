"""Who may do what: a role x route matrix, and the evaluation's rules (residents, once, window)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from deliberation.core import time as clock
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.tracking import evaluation, reports, resources
from deliberation.tracking.models import Evaluation, Offer, Pledge, ProgressReport, Rating
from tests.parallel import post_together

from .conftest import assign, put_in

ROLES = ("anonymous", "resident", "committee", "council", "business", "staff", "admin",
         "implementer", "outsider")


def users(w) -> dict:
    return {**w.roles(), "implementer": w.extra["worker"], "outsider": w.extra["outsider"]}


def client_for(login, client, user):
    return client if user is None else login(user)


@pytest.fixture
def working(tworld):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld)
    return matter


ALL = dict.fromkeys(ROLES, 200)
STAFF_ONLY = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "staff": 200, "admin": 200}
IMPLEMENTER = {**STAFF_ONLY, "implementer": 200}
GIVERS = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "business": 200, "implementer": 200,
          "outsider": 200}
# Everyone living in community A (the matter's); staff and admin have no community.
RESIDENTS_A = {**dict.fromkeys(ROLES, 200), "anonymous": 302, "staff": 403, "admin": 403}

GET_MATRIX = [
    ("/progress", ALL),
    ("/resources", ALL),
    ("/resources/new", {**GIVERS, "staff": 200, "admin": 200}),
    ("/supervision", STAFF_ONLY),
    ("/tracking/{m}/assign", STAFF_ONLY),
    ("/tracking/{m}/pledge", GIVERS),
    ("/tracking/{m}/report", IMPLEMENTER),
    ("/tracking/{m}/spending", IMPLEMENTER),
    ("/tracking/{m}/done", IMPLEMENTER),
    ("/tracking/{m}/ledger", ALL),
    ("/tracking/{m}/rate", RESIDENTS_A),
    ("/tracking/{m}/close", STAFF_ONLY),
]


@pytest.mark.parametrize("url,expected", GET_MATRIX, ids=[u for u, _ in GET_MATRIX])
def test_get_routes_by_role(tworld, working, login, client, url, expected):
    for role, user in users(tworld).items():
        r = client_for(login, client, user).get(url.format(m=working.id))
        assert r.status_code == expected[role], (role, url, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"]


def test_posts_refused_to_the_wrong_people(tworld, working, login):
    w = tworld
    phase = working and reports.assignment_of(working.id).phases[0]
    p = resources.pledge(working, w.shop_owner, kind="materials", description="灯泡")
    offer = resources.add_offer(w.shop_owner, organisation_id=w.shop.id, kind="venue",
                                description="店门口空地")
    db.session.commit()
    m = working.id
    refused = [
        (w.resident_a, f"/tracking/{m}/assign", {}),
        (w.extra["outsider"], f"/tracking/{m}/phases/{phase.id}/done", {}),
        (w.resident_a, f"/tracking/{m}/phases/{phase.id}/done", {}),
        (w.shop_owner, f"/tracking/pledges/{p.id}/fulfil", {}),
        (w.extra["worker"], f"/tracking/{m}/supervise", {"message": "快点"}),
        (w.extra["worker"], f"/tracking/{m}/close", {"summary": "好了"}),
        (w.extra["outsider"], f"/resources/{offer.id}/withdraw", {}),
        (w.resident_b, f"/tracking/{m}/rate", {"choice": "satisfied"}),
        (w.staff, f"/tracking/{m}/pledge", {"kind": "money", "description": "x", "amount": "5"}),
    ]
    for user, url, data in refused:
        assert login(user).post_form(url, data).status_code == 403, (user.display_name, url)
    db.session.expire_all()
    assert db.session.get(Pledge, p.id).status == "pledged"
    assert db.session.get(Offer, offer.id).active
    assert reports.assignment_of(m).phases[0].done_at is None


@pytest.mark.parametrize("role,allowed", [
    ("implementer", True), ("staff", True), ("admin", True), ("outsider", False),
    ("resident", False), ("business", False), ("committee", False)])
def test_only_the_assigned_implementer_or_staff_report_progress(tworld, working, login, role,
                                                                allowed):
    user = users(tworld)[role]
    r = login(user).post_form(f"/tracking/{working.id}/report", {"body": "进展", "percent": "10"})
    assert r.status_code == (302 if allowed else 403)
    count = db.session.scalar(db.select(db.func.count()).select_from(ProgressReport))
    assert count == (1 if allowed else 0)
    assert working.can("report_progress", user) is allowed


def test_no_progress_reports_before_assignment_or_after_done(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assert login(tworld.staff).get(f"/tracking/{matter.id}/report").status_code == 403
    assign(matter, tworld)
    put_in(matter, MatterState.IN_EVALUATION, window_days=7)
    r = login(tworld.extra["worker"]).post_form(f"/tracking/{matter.id}/report",
                                                {"body": "x", "percent": "5"})
    assert r.status_code == 403


@pytest.fixture
def evaluating(tworld):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld)
    reports.report_done(matter, tworld.extra["worker"], summary="完成")
    db.session.commit()
    return matter


def ratings() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Rating))


def test_only_residents_of_the_community_rate_and_only_once(tworld, evaluating, login):
    m = evaluating.id
    assert login(tworld.resident_b).post_form(f"/tracking/{m}/rate",
                                              {"choice": "satisfied"}).status_code == 403
    assert login(tworld.staff).post_form(f"/tracking/{m}/rate",
                                         {"choice": "satisfied"}).status_code == 403
    resident = login(tworld.resident_a)
    assert resident.post_form(f"/tracking/{m}/rate", {"choice": "satisfied"}).status_code == 302
    again = resident.post_form(f"/tracking/{m}/rate", {"choice": "not_satisfied"})
    assert again.status_code == 409
    assert ratings() == 1
    assert db.session.scalar(db.select(Rating.choice)) == "satisfied"
    assert "您的评议：满意" in resident.get(f"/matters/{m}").get_data(as_text=True)


def test_nobody_rates_outside_the_window(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    resident = login(tworld.resident_a)
    assert resident.post_form(f"/tracking/{matter.id}/rate",
                              {"choice": "satisfied"}).status_code == 409  # not yet
    assign(matter, tworld)
    reports.report_done(matter, tworld.extra["worker"], summary="完成")
    db.session.commit()
    clock.freeze(utcnow() + timedelta(days=7, seconds=1))
    r = resident.post_form(f"/tracking/{matter.id}/rate", {"choice": "satisfied"})
    assert r.status_code == 409  # over
    assert "不在评议期内" in r.get_data(as_text=True)
    assert ratings() == 0


def test_one_rating_per_resident_is_a_database_rule(tworld, evaluating):
    ev = evaluation.open_round(evaluating)
    db.session.add(Rating(evaluation_id=ev.id, user_id=tworld.resident_a.id, choice="satisfied"))
    db.session.commit()
    db.session.add(Rating(evaluation_id=ev.id, user_id=tworld.resident_a.id, choice="satisfied"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_parallel_ratings_by_one_resident_leave_one(tworld, evaluating, login):
    clients = [login(tworld.resident_a) for _ in range(4)]
    codes = post_together(clients, f"/tracking/{evaluating.id}/rate", {"choice": "satisfied"})
    assert sorted(codes).count(302) == 1 and len(codes) == 4
    assert set(codes) <= {302, 409}
    assert ratings() == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Evaluation)) == 1


def test_outcome_rule():
    o = evaluation.outcome_of
    assert o(3, 0, 2).value == "satisfied"
    assert o(2, 0, 2).value == "not_satisfied"          # exactly half is not more than half
    assert o(2, 1, 2).value == "basically_satisfied"
    assert o(1, 1, 2).value == "not_satisfied"
    assert o(0, 0, 0).value == "not_satisfied"          # nobody rated
    assert o(1, 0, 0).value == "satisfied"
