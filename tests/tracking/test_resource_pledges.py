"""The resource list (辖区资源清单) shows pledges: what, by whom, for which matter, and state."""

from __future__ import annotations

import re

from deliberation.matters.states import MatterState

from .conftest import put_in


def _pledge_items(html: str) -> list[str]:
    section = html.split('id="pledges"', 1)[1]
    return [re.sub(r"\s+", " ", li) for li in re.findall(r"<li>(.*?)</li>", section, re.S)]


def test_a_pledge_appears_on_the_resource_list_then_shows_as_delivered(tworld, login, client):
    matter = put_in(tworld.matter(title="5 栋楼道灯坏了"), MatterState.IN_PROGRESS)
    shop = login(tworld.shop_owner)
    r = shop.post_form(f"/tracking/{matter.id}/pledge", {
        "kind": "materials", "description": "LED 灯泡 20 个", "quantity": "20 个",
        "organisation_id": tworld.shop.id})
    assert r.status_code == 302, r.get_data(as_text=True)

    items = _pledge_items(client.get("/resources").get_data(as_text=True))
    assert len(items) == 1
    item = items[0]
    assert "LED 灯泡 20 个" in item and "物资" in item and "（20 个）" in item
    assert tworld.shop.name in item
    assert f'href="/matters/{matter.id}#pledges"' in item and "5 栋楼道灯坏了" in item
    assert "已认捐" in item and "已到位" not in item

    from deliberation.extensions import db
    from deliberation.tracking.models import Pledge

    pledge = db.session.scalar(db.select(Pledge))
    assert login(tworld.staff).post_form(f"/tracking/pledges/{pledge.id}/fulfil").status_code == 302
    item = _pledge_items(client.get("/resources").get_data(as_text=True))[0]
    assert "已到位" in item and "已认捐" not in item


def test_a_personal_pledge_names_the_member(tworld, login, client):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    r = login(tworld.shop_owner).post_form(f"/tracking/{matter.id}/pledge", {
        "kind": "money", "description": "维修款", "amount": "300", "organisation_id": "0"})
    assert r.status_code == 302, r.get_data(as_text=True)
    item = _pledge_items(client.get("/resources").get_data(as_text=True))[0]
    assert tworld.shop_owner.display_name in item and "¥300" in item and "资金" in item
