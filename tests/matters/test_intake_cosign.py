"""Co-signing (附议) and following a matter."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberation.extensions import db
from deliberation.matters.models import Cosign, Follow, Matter
from deliberation.matters.states import COSIGN_OPEN, MatterState
from deliberation.notifications.models import Notification
from tests import factories
from tests.parallel import post_together


def cosigns(matter: Matter) -> int:
    return db.session.scalar(select(func.count()).select_from(Cosign)
                             .where(Cosign.matter_id == matter.id))


def fresh(matter: Matter) -> Matter:
    db.session.expire_all()
    return db.session.get(Matter, matter.id)


def test_a_resident_cosigns_once_and_follows(world, login):
    m = world.matter()
    c = login(world.resident_a2)
    first = c.post_form(f"/matters/{m.id}/cosign")
    assert first.status_code == 303
    page = c.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "附议成功" in page and '<strong id="cosign-count">1</strong>' in page
    assert "您已附议这个议题" in page
    second = c.post_form(f"/matters/{m.id}/cosign")
    assert "您已经附议过" in c.get(second.headers["Location"]).get_data(as_text=True)
    assert (cosigns(m), fresh(m).cosign_count) == (1, 1)
    assert db.session.scalar(select(Follow.id).where(Follow.matter_id == m.id,
                                                     Follow.user_id == world.resident_a2.id))
    # the proposer hears about it
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.resident_a.id,
                                                        Notification.kind == "cosign"))
    assert note is not None and "共 1 人附议" in note.message


def test_htmx_cosign_answers_with_the_support_partial(world, login):
    m = world.matter()
    c = login(world.resident_a2)
    response = c.post_form(f"/matters/{m.id}/cosign", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card support" id="support"')
    assert '<strong id="cosign-count">1</strong>' in html and "附议成功" in html
    assert "HX-Request" in response.headers["Vary"]


def test_cannot_cosign_ones_own_matter(world, login):
    m = world.matter()
    c = login(world.resident_a)
    assert "这是您自己提的议题" in c.get(f"/matters/{m.id}").get_data(as_text=True)
    response = c.post_form(f"/matters/{m.id}/cosign")
    assert response.status_code == 409
    assert "这是您自己提的议题" in response.get_data(as_text=True)
    assert (cosigns(m), fresh(m).cosign_count) == (0, 0)


@pytest.mark.parametrize("state", [s for s in MatterState if s not in COSIGN_OPEN
                                   and s != MatterState.WITHDRAWN and s != MatterState.MERGED])
def test_only_while_open(world, login, state):
    m = world.matter()
    factories.reach(m, state)  # test set-up only: app code changes states through the workflow
    db.session.commit()
    response = login(world.resident_a2).post_form(f"/matters/{m.id}/cosign")
    assert response.status_code == 409
    assert "已不再接受附议" in response.get_data(as_text=True)
    assert cosigns(m) == 0


@pytest.mark.parametrize("state", sorted(COSIGN_OPEN, key=lambda s: s.value))
def test_open_states_accept_cosigns(world, login, state):
    m = world.matter()
    m.state = state.value
    db.session.commit()
    assert login(world.resident_a2).post_form(f"/matters/{m.id}/cosign").status_code == 303
    assert fresh(m).cosign_count == 1


def test_staff_without_a_community_and_anonymous_cannot_cosign(world, login, client):
    m = world.matter()
    assert login(world.staff).post_form(f"/matters/{m.id}/cosign").status_code == 409
    anon = client.post_form(f"/matters/{m.id}/cosign")
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    assert "登录后附议" in client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert cosigns(m) == 0


def test_cosign_without_csrf_is_refused(world, login):
    m = world.matter()
    assert login(world.resident_a2).post(f"/matters/{m.id}/cosign").status_code == 400
    assert cosigns(m) == 0


def test_withdrawn_matter_cannot_be_cosigned_by_the_public(world, login):
    m = world.matter()
    m.state = MatterState.WITHDRAWN.value
    db.session.commit()
    assert login(world.resident_a2).post_form(f"/matters/{m.id}/cosign").status_code == 404


def test_two_parallel_cosigns_leave_one_row_and_count_one(world, login):
    """Real threads, each with its own session and connection, against the same database."""
    m = world.matter()
    codes = post_together([login(world.resident_a2) for _ in range(2)], f"/matters/{m.id}/cosign")
    assert codes == [303, 303]
    assert (cosigns(m), fresh(m).cosign_count) == (1, 1)


def test_many_residents_in_parallel_count_exactly(world, login):
    from tests import factories

    m = world.matter()
    residents = [factories.user(world.a) for _ in range(6)]
    db.session.commit()
    codes = post_together([login(u) for u in residents], f"/matters/{m.id}/cosign")
    assert codes == [303] * 6
    assert (cosigns(m), fresh(m).cosign_count) == (6, 6)


def test_follow_and_unfollow(world, login):
    m = world.matter()
    c = login(world.resident_b)
    assert "关注进展" in c.get(f"/matters/{m.id}").get_data(as_text=True)
    c.post_form(f"/matters/{m.id}/follow")
    c.post_form(f"/matters/{m.id}/follow")  # twice is harmless
    assert db.session.scalar(select(func.count()).select_from(Follow).where(
        Follow.matter_id == m.id, Follow.user_id == world.resident_b.id)) == 1
    html = c.post_form(f"/matters/{m.id}/unfollow", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "已取消关注" in html and "关注进展" in html
    assert db.session.scalar(select(Follow.id).where(Follow.user_id == world.resident_b.id)) is None


def test_follow_needs_login(world, client):
    m = world.matter()
    assert client.post_form(f"/matters/{m.id}/follow").status_code == 302


def test_my_matters_shows_filed_and_cosigned(world, login):
    mine = world.matter(title="我提的：小区路灯")
    theirs = world.matter(world.resident_a2, title="别人提的：加装电梯")
    other = world.matter(world.resident_a2, title="与我无关：垃圾分类")
    c = login(world.resident_a)
    c.post_form(f"/matters/{theirs.id}/cosign")
    html = c.get("/matters/mine").get_data(as_text=True)
    filed, signed = html.split('id="cosigned"')
    assert mine.title in filed and theirs.title not in filed
    assert theirs.title in signed and "已提交，待初审" in signed
    assert other.title not in html


def test_my_matters_pages_each_list_on_its_own(world, login):
    for i in range(23):
        world.matter(title=f"我的第{i:02d}件")
    c = login(world.resident_a)
    first = c.get("/matters/mine").get_data(as_text=True)
    assert first.count("我的第") == 20 and "我的第22件" in first and "我的第02件" not in first
    assert "第 1 / 2 页" in first
    assert 'href="/matters/mine?signed_page=1&amp;filed_page=2#filed"' in first
    second = c.get("/matters/mine?filed_page=2&signed_page=1").get_data(as_text=True)
    assert second.count("我的第") == 3 and "我的第00件" in second and "我的第22件" not in second
    assert c.get("/matters/mine?filed_page=abc").status_code == 200  # a bad number is page 1
