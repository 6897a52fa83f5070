"""Staff exports come as XLSX beside CSV: a valid workbook with the CSV's exact rows."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_sheet(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} <= names
        for name in names:
            ElementTree.fromstring(z.read(name))  # noqa: S314  (our own file: well-formed XML)
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.iterfind(".//m:row", NS):
        cells = []
        for c in row.iterfind("m:c", NS):
            if c.get("t") == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iterfind(".//m:t", NS)))
            else:
                cells.append(c.find("m:v", NS).text)
        rows.append(cells)
    return rows


def test_matters_xlsx_holds_the_csv_rows(world, login):
    world.matter(title="=1+1 楼道灯坏了")  # text, never a formula
    world.matter(world.resident_a2, title="小区\x07垃圾桶太少", hide_name=True)
    c = login(world.staff)
    page = c.get("/exports").get_data(as_text=True)
    assert 'href="/exports/matters.xlsx"' in page
    r = c.get("/exports/matters.xlsx")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.match(r'attachment; filename="matters-\d{8}\.xlsx"', r.headers["Content-Disposition"])
    rows = read_sheet(r.data)
    text = c.get("/exports/matters.csv").get_data(as_text=True).lstrip("\ufeff")
    expected = list(csv.reader(io.StringIO(text)))
    expected = [[v[1:] if v.startswith("'=") else v for v in row] for row in expected]
    assert rows[0][:3] == ["编号", "标题", "社区"]
    assert rows == [[v.replace("\x07", "") for v in row] for row in expected]
    assert rows[1][1] == "=1+1 楼道灯坏了" and "匿名居民" in rows[2]
    assert not any("李大爷" in v for row in rows for v in row)


def test_xlsx_is_for_staff_only(world, login, client):
    assert login(world.resident_a).get("/exports/matters.xlsx").status_code == 403
    assert client.get("/exports/matters.xlsx").status_code == 302
    assert login(world.staff).get("/exports/nope.xlsx").status_code == 404


def test_opinions_xlsx_beside_the_public_csv(world, client):
    from deliberation.extensions import db
    from deliberation.matters import workflow
    from deliberation.opinions import services as opinions

    m = world.matter(title="5 栋楼道灯坏了")
    workflow.accept(m, world.chair_a)
    opinions.post(m, world.resident_a2, text="同意，尽快修。", stance="for")
    db.session.commit()
    page = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert f'href="/matters/{m.id}/opinions.xlsx"' in page
    r = client.get(f"/matters/{m.id}/opinions.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = read_sheet(r.data)
    text = client.get(f"/matters/{m.id}/opinions.csv").get_data(as_text=True).lstrip("\ufeff")
    assert rows == list(csv.reader(io.StringIO(text)))
    assert rows[1][3] == "李**" and rows[1][6] == "同意，尽快修。"
