"""Agreeing with an opinion: once per resident, also when two taps arrive at once."""

from __future__ import annotations

from sqlalchemy import func, select

from deliberation.extensions import db
from deliberation.opinions.models import Opinion, OpinionAgree
from tests.parallel import post_together

from .conftest import fresh, say, set_state


def agrees(opinion) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OpinionAgree)
                             .where(OpinionAgree.opinion_id == opinion.id))


def test_one_agree_per_resident(world, login, matter):
    o = say(matter, world.resident_a)
    a2 = login(world.resident_a2)
    assert a2.post_form(f"/opinions/{o.id}/agree").status_code == 303
    assert a2.post_form(f"/opinions/{o.id}/agree").status_code == 303
    assert login(world.member_a).post_form(f"/opinions/{o.id}/agree").status_code == 303
    assert (agrees(o), fresh(Opinion, o.id).agree_count) == (2, 2)


def test_two_parallel_agrees_leave_one_row_and_count_one(world, login, matter):
    """Real threads, each with its own session and connection, against the same database."""
    o = say(matter, world.resident_a)
    codes = post_together([login(world.resident_a2) for _ in range(2)], f"/opinions/{o.id}/agree")
    assert codes == [303, 303]
    assert (agrees(o), fresh(Opinion, o.id).agree_count) == (1, 1)


def test_many_residents_in_parallel_count_exactly(world, login, matter):
    from tests import factories

    o = say(matter, world.resident_a)
    people = [factories.user(world.a) for _ in range(5)]
    db.session.commit()
    codes = post_together([login(p) for p in people], f"/opinions/{o.id}/agree")
    assert codes == [303] * 5
    assert (agrees(o), fresh(Opinion, o.id).agree_count) == (5, 5)


def test_the_database_refuses_a_second_agree(world, matter):
    import pytest
    from sqlalchemy.exc import IntegrityError

    o = say(matter, world.resident_a)
    db.session.add(OpinionAgree(opinion_id=o.id, user_id=world.resident_a2.id))
    db.session.commit()
    db.session.add(OpinionAgree(opinion_id=o.id, user_id=world.resident_a2.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_who_cannot_agree(world, login, client, matter):
    o = say(matter, world.resident_a)
    assert login(world.resident_a).post_form(f"/opinions/{o.id}/agree").status_code == 409  # own
    assert login(world.resident_b).post_form(f"/opinions/{o.id}/agree").status_code == 403
    assert login(world.staff).post_form(f"/opinions/{o.id}/agree").status_code == 403
    assert client.post_form(f"/opinions/{o.id}/agree").status_code == 302  # to the login page
    reply = say(matter, world.resident_a2, "回复", parent=o)
    assert login(world.member_a).post_form(f"/opinions/{reply.id}/agree").status_code == 409
    set_state(matter, "adopted")
    assert login(world.member_a).post_form(f"/opinions/{o.id}/agree").status_code == 409
    assert agrees(o) == 0


def test_htmx_agree_answers_with_the_button_partial(world, login, matter):
    o = say(matter, world.resident_a)
    a2 = login(world.resident_a2)
    response = a2.post(f"/opinions/{o.id}/agree", headers={"HX-Request": "true"},
                       data={"csrf_token": a2.csrf_token()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith("{#") is False and f'id="agree-{o.id}"' in html
    assert "已赞同" in html and '<span class="agree-count">1</span>' in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
