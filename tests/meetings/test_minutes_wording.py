"""Minutes name each item once, and the minutes and the matter page label planned and actual
start times the same way."""

from __future__ import annotations

import re
from datetime import datetime

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import workflow
from tests.meetings.conftest import accepted_matter


def test_minutes_print_each_title_once(world, client, meeting_of):
    m = accepted_matter(world, title="5 栋楼道灯坏了")
    meeting = meeting_of(m)
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    minutes = re.search(r'<article class="minutes".*?</article>', html, re.S).group(0)
    assert minutes.count("5 栋楼道灯坏了") == 1


def test_minutes_keep_the_motions_scope_under_the_title(world, client, meeting_of):
    m = world.matter(title="小区停车难")
    workflow.accept(m, world.chair_a, scope="只讨论 3 号门口的临时车位")
    db.session.commit()
    meeting = meeting_of(m)
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert html.count("小区停车难") == 1  # the item heading only
    assert '<p class="description">只讨论 3 号门口的临时车位</p>' in html


def test_planned_and_actual_start_are_labelled_on_minutes_and_matter_page(world, client, meeting_of):
    m = accepted_matter(world)
    clock.freeze(datetime(2026, 6, 1, 1, 20))  # started 20 minutes after the planned 09:00
    meeting = meeting_of(m)
    minutes = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert re.search(r"计划开始</dt><dd[^>]*><time[^>]*>2026-06-01 09:00<", minutes)
    assert re.search(r"实际开始</dt><dd[^>]*><time[^>]*>2026-06-01 09:20<", minutes)
    page = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "计划开始 2026-06-01 09:00 · 实际开始 2026-06-01 09:20" in page


def test_a_meeting_not_started_shows_only_the_plan(world, client, meeting_of):
    m = accepted_matter(world)
    meeting_of(m, start=False)
    page = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "计划开始 2026-06-01 09:00" in page and "实际开始" not in page
