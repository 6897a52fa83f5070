"""Volunteer figures: hours and people by month on the statistics page (SVG and table agree),
the matter page and the problem-resolution list, a person's yearly certificate, the staff
export, and open data with counts only."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.volunteers import services
from tests.volunteers.conftest import open_task, residents


def _served(world, people, minutes):
    """A task two days ago whose hours were confirmed for `people` (minutes each)."""
    clock.freeze(clock.utcnow() - timedelta(days=3))
    task = open_task(world, capacity=len(people) + 1)
    for u in people:
        services.sign_up(task, u)
    db.session.commit()
    clock.freeze(task.starts_at + timedelta(minutes=5))
    for s in list(task.signups):
        services.mark_by_hand(task, world.extra["worker"], s)
    clock.freeze(task.ends_at)
    for s, m in zip(task.signups, minutes, strict=True):
        services.confirm_hours(task, world.extra["worker"], s, m)
    db.session.commit()
    clock.freeze(None)
    return task


def _figure(html: str, chart_id: str) -> str:
    start = html.index(f'id="chart-{chart_id}"')
    return html[start:html.index("</figure>", start)]


def _bars(html: str, chart_id: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<g class="bar" data-label="([^"]*)" data-series="([^"]*)" data-value="([^"]*)"',
                      _figure(html, chart_id))


def _cells(html: str, chart_id: str) -> list[str]:
    return re.findall(r'<td data-series="[^"]*" data-value="([^"]*)"', _figure(html, chart_id))


def test_the_statistics_page_shows_hours_and_people_by_month(vworld, client):
    people = residents(vworld, 3)
    task = _served(vworld, people, [60, 90, 120])
    month = (task.ends_at + timedelta(hours=8)).strftime("%Y-%m")
    html = client.get("/stats?period=all").get_data(as_text=True)
    assert _bars(html, "volunteer-hours") == [(month, "小时", "4.5")]
    assert _cells(html, "volunteer-hours") == ["4.5"]  # the table says what the picture shows
    assert _bars(html, "volunteer-people") == [(month, "人数", "3")]
    other = client.get(f"/c/{vworld.b.id}/stats?period=all").get_data(as_text=True)
    assert "志愿服务时长" not in other  # community B's matters had no volunteers


def test_the_problem_list_and_the_matter_page_show_the_hours(vworld, client):
    _served(vworld, residents(vworld, 2), [60, 30])
    matter = vworld.extra["matter"]
    listing = client.get("/progress").get_data(as_text=True)
    assert re.findall(r'<dd class="volunteer-hours">([^<]*)</dd>', listing) == ["1.5 小时"]
    assert "已确认 2 人次志愿服务，共 1.5 小时" in client.get(f"/matters/{matter.id}").get_data(as_text=True)


def test_a_volunteer_prints_the_certificate_of_a_year(vworld, login):
    volunteer, other = residents(vworld, 2)
    task = _served(vworld, [volunteer, other], [120, 60])
    year = (task.ends_at + timedelta(hours=8)).year
    page = login(volunteer).get(f"/volunteers/certificate?year={year}").get_data(as_text=True)
    assert f"兹证明 {volunteer.display_name} 于 {year} 年参加社区志愿服务 1 次" in page
    assert "共 2.0 小时" in page and task.title in page and other.display_name not in page
    empty = login(volunteer).get(f"/volunteers/certificate?year={year - 1}").get_data(as_text=True)
    assert f"{year - 1} 年还没有经确认的志愿服务" in empty
    assert login(volunteer).get("/volunteers/certificate?year=abc").status_code == 200


def test_staff_export_names_without_phones_and_open_data_counts_without_names(vworld, login, client):
    volunteer, other = residents(vworld, 2)
    _served(vworld, [volunteer, other], [60, 90])
    body = login(vworld.staff).get("/exports/volunteers.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["确认时间", "议题编号", "议题", "任务", "志愿者", "小时"]
    assert sorted((r[4], r[5]) for r in rows[1:]) == sorted([(volunteer.display_name, "1.0"),
                                                             (other.display_name, "1.5")])
    assert volunteer.phone not in body and volunteer.phone[-4:] not in body
    assert login(volunteer).get("/exports/volunteers.csv").status_code == 403
    data = json.loads(client.get("/open/volunteers.json").get_data(as_text=True))
    [month] = data["months"]
    assert (month["hours"], month["volunteers"], month["community"]) == (2.5, 2, vworld.a.name)
    text = json.dumps(data, ensure_ascii=False)
    assert volunteer.display_name not in text and other.display_name not in text
