"""Nothing hidden leaks into any export, feed or public board page.

The data holds a proposer who asked to stay anonymous, everybody's phone number, an internal
(non-public) note, and a decision entry carrying things beyond the public count (a stand-in
for a secret ballot's individual choices). Every registered export is rendered, so an export
added later is checked too.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from deliberation.accounts.models import User
from deliberation.core import audit
from deliberation.directory.models import Organisation
from deliberation.extensions import db
from deliberation.public.exports import REGISTRY
from tests import factories

from .conftest import decide

T0 = datetime(2024, 3, 1, 2, 0)
NOTE = "内部备注：该户与物业有纠纷，勿外传"
SECRET = "秘密选择-陈主任-反对"


@pytest.fixture
def leaky(world, seed):
    shy = factories.user(world.a, name="隐名张三丰")
    world.shop.contact_phone = "13900001111"
    matters = [
        seed(world, created=T0, state=state, proposer=shy, hide_name=True, answer=1,
             decided=5 if state != "accepted" else None, closed=20 if state == "closed" else None,
             window_days=30, title=f"匿名的事 {state}", reason="公开的结果说明")
        for state in ("accepted", "in_notice", "in_progress", "closed")
    ]
    for m in matters:
        audit.record(actor_id=world.staff.id, subject_type="matter", subject_id=m.id,
                     action="note", reason=NOTE, public=False)
        decide(m, counts={"yes": 5, "no": 1, "abstain": 0, "ballots": {SECRET: "no"}})
    db.session.commit()
    return {"shy": shy, "matters": matters}


def forbidden(world) -> list[str]:
    phones = list(db.session.scalars(db.select(User.phone)))
    phones += [p for p in db.session.scalars(db.select(Organisation.contact_phone)) if p]
    assert len(phones) > 10 and "13900001111" in phones
    return ["隐名张三丰", NOTE, SECRET, *phones]


def assert_clean(text: str, where: str, world) -> None:
    for secret in forbidden(world):
        assert secret not in text, f"{secret!r} leaked into {where}"


def test_no_export_reveals_anything_hidden(login, world, leaky):
    staff = login(world.staff)
    assert "matters" in REGISTRY
    for name in REGISTRY:
        response = staff.get(f"/exports/{name}.csv")
        assert response.status_code == 200, name
        text = response.data.decode("utf-8-sig")
        assert_clean(text, f"export {name}", world)
    matters_csv = staff.get("/exports/matters.csv").data.decode("utf-8-sig")
    assert "匿名居民" in matters_csv and "匿名的事 closed" in matters_csv  # the rows are there


def test_open_data_and_feed_reveal_nothing_hidden(client, world, leaky):
    raw = client.get("/open/matters.json").get_data(as_text=True)
    matters_json = raw + json.dumps(json.loads(raw), ensure_ascii=False)  # escaped or not
    assert "匿名的事 closed" in matters_json and "匿名居民" in matters_json
    assert_clean(matters_json, "matters.json", world)
    feed = client.get("/open/decisions.atom").get_data(as_text=True)
    assert "匿名的事 closed" in feed
    assert_clean(feed, "decisions.atom", world)


def test_public_pages_reveal_nothing_hidden(client, world, leaky):
    pages = ["/", f"/c/{world.a.id}", "/stats?period=all", f"/c/{world.a.id}/stats?period=all"]
    pages += [f"/notices/{m.id}/print" for m in leaky["matters"] if m.state in ("in_notice", "closed")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.get_data(as_text=True), url, world)
