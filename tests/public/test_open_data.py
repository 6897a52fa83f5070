"""Staff CSV exports and the public open data (JSON listing, Atom feed of decisions)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from deliberation.public.exports import REGISTRY

from .conftest import decide

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2024, 3, 1, 2, 0)


def read_csv(response) -> list[list[str]]:
    raw = response.data
    assert raw.startswith("\ufeff".encode()), "UTF-8 BOM so Excel reads the Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def data(world, seed):
    adopted = seed(world, created=T0, state="in_progress", answer=1, decided=5,
                   title="加装电梯 <b>3 栋</b>")
    decide(adopted, counts={"yes": 8, "no": 1, "abstain": 0, "present": 9, "secret": "x"})
    rejected = seed(world, created=T0, state="not_adopted", answer=1, decided=5, title="建停车楼")
    decide(rejected, adopted=False, counts={"yes": 2, "no": 6, "abstain": 1})
    withdrawn = seed(world, created=T0, state="withdrawn", title="撤回的事")
    formula = seed(world, created=T0, state="submitted", title="=HYPERLINK(\"http://x\")")
    return {"adopted": adopted, "rejected": rejected, "withdrawn": withdrawn, "formula": formula}


def test_staff_export_matters_as_csv(login, world, data):
    staff = login(world.staff)
    assert "议题（需求清单）（CSV）" in staff.get("/exports").get_data(as_text=True)
    response = staff.get("/exports/matters.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["编号", "标题", "社区"]
    titles = {r[1] for r in rows[1:]}
    assert "加装电梯 <b>3 栋</b>" in titles and "撤回的事" not in titles
    assert "'=HYPERLINK(\"http://x\")" in titles  # a formula is written as text
    by_title = {r[1]: r for r in rows[1:]}
    assert by_title["建停车楼"][5] == "未通过"


def test_exports_speak_the_chosen_language(login, world, data):
    staff = login(world.staff)
    staff.set_cookie("lang", "en")
    assert "Matters (needs list)" in staff.get("/exports").get_data(as_text=True)
    for name in REGISTRY:
        header = read_csv(staff.get(f"/exports/{name}.csv"))[0]
        assert not any("\u4e00" <= ch <= "\u9fff" for h in header for ch in h), (name, header)
    rows = read_csv(staff.get("/exports/matters.csv"))
    assert rows[0][:3] == ["No.", "Title", "Community"]
    by_title = {r[1]: r for r in rows[1:]}
    assert by_title["建停车楼"][5] != "未通过"  # the state label follows the language too


@pytest.mark.parametrize("role", ["resident", "committee", "council", "business"])
def test_exports_are_for_staff_only(login, world, data, role):
    c = login(world.roles()[role])
    assert c.get("/exports").status_code == 403
    for name in REGISTRY:
        assert c.get(f"/exports/{name}.csv").status_code == 403


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get("/exports/matters.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_export_is_404(login, world):
    assert login(world.staff).get("/exports/nothing.csv").status_code == 404


def test_matters_json_lists_public_matters_with_their_decisions(client, data):
    response = client.get("/open/matters.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    by_id = {m["id"]: m for m in body["matters"]}
    assert body["total"] == 3 and data["withdrawn"].id not in by_id
    adopted = by_id[data["adopted"].id]
    assert adopted["decision"] == {"outcome": "adopted", "at": adopted["decision"]["at"],
                                   "counts": {"yes": 8, "no": 1, "abstain": 0, "present": 9}}
    assert adopted["state"] == "in_progress" and adopted["filed_at"] == "2024-03-01T02:00:00Z"
    assert by_id[data["rejected"].id]["decision"]["outcome"] == "not_adopted"
    assert by_id[data["formula"].id]["decision"] is None
    assert body["next"] is None


def test_matters_json_pages(client, data, monkeypatch):
    from deliberation.public.views import opendata

    monkeypatch.setattr(opendata, "PER_PAGE", 2)
    first = json.loads(client.get("/open/matters.json").get_data(as_text=True))
    assert len(first["matters"]) == 2 and first["next"].endswith("page=2")
    second = json.loads(client.get("/open/matters.json?page=2").get_data(as_text=True))
    assert len(second["matters"]) == 1 and second["next"] is None
    assert client.get("/open/matters.json?page=x").status_code == 400
    assert client.get("/open/matters.json?page=0").status_code == 400


def test_decisions_feed_is_valid_atom(client, data):
    response = client.get("/open/decisions.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 (our own output; it parses only if escaped)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "未通过：建停车楼", "表决通过：加装电梯 <b>3 栋</b>"]
    assert "同意 8，反对 1，弃权 0" in entries[1].find(f"{ATOM}summary").text
    assert len({e.find(f"{ATOM}id").text for e in entries}) == 2
    assert 'rel="alternate" type="application/atom+xml"' in client.get("/").get_data(as_text=True)


def test_empty_feed_is_still_valid(client, world):
    feed = ET.fromstring(client.get("/open/decisions.atom").data)  # noqa: S314
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.find(f"{ATOM}updated").text
