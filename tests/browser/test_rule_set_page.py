"""Staff set a custom rule set for a body at phone size: a wrong fraction is explained, then saved."""

from __future__ import annotations

import pytest

from deliberation.extensions import db
from tests.browser.conftest import login, shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_sets_a_custom_rule_on_a_phone(phone_page, world, commit_db):
    body_id, staff_phone = world.committee_a.id, world.staff.phone
    commit_db()
    page = phone_page()
    login(page, staff_phone, PASSWORD)
    page.goto(f"/meetings/rules/{body_id}")
    page.get_by_text("自定义规则", exact=True).click()
    page.get_by_label("到会人数须占全体成员的比例").fill("2/0")
    page.locator("#quorum_strict-field").get_by_text("达到（正好等于也算）").click()
    page.get_by_text("全体成员人数（弃权、缺席都算作不赞成）").click()
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("分母须大于 0。").is_visible()
    assert page.get_by_label("到会人数须占全体成员的比例").input_value() == "2/0"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "rules-custom-error-phone")
    page.get_by_label("到会人数须占全体成员的比例").fill("2/3")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("表决规则已保存").is_visible()
    sentence = "到会成员不少于全体成员的三分之二；赞成票超过全体成员的二分之一即通过"
    assert page.get_by_text(sentence).is_visible()
    shot(page, "rules-custom-saved-phone")
    db.session.expire_all()
    assert world.committee_a.rule_params["quorum_ratio"] == "2/3"
