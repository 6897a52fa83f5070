"""Issue 9: the agenda (会前公示) and the minutes show, for each item, the committee's opinion
summary and the residents' stance counts, counting only visible opinions, at a constant
number of queries however long the agenda."""

from __future__ import annotations

import re

from deliberation.extensions import db
from deliberation.meetings import debate, services, voting
from deliberation.opinions import moderation
from deliberation.opinions import services as opinions
from tests.querycount import count_queries

from .conftest import accepted_matter


def counts_in(html: str, item_id: int) -> dict[str, int]:
    block = html.split(f'id="digest-{item_id}"', 1)[1].split("</div>", 1)[0]
    return {k: int(v) for k, v in re.findall(r'data-stance="(\w+)">[^<]*<strong>(\d+)</strong>', block)}


def _with_opinions(world, title: str):
    matter = accepted_matter(world, title=title)
    opinions.post(matter, world.resident_a, text=f"{title}：早该办了", stance="for")
    opinions.post(matter, world.resident_a2, text=f"{title}：先算清费用", stance="against")
    rude = opinions.post(matter, world.member_a, text=f"{title}：不该公开的话", stance="for")
    moderation.hide(rude, matter, world.chair_a, reason="abuse")
    db.session.commit()
    return matter


def test_agenda_and_minutes_show_the_summary_and_visible_counts(world, login, client, meeting_of):
    lamp = _with_opinions(world, "5 栋楼道灯坏了")
    quiet = accepted_matter(world, title="东门乱停车")
    meeting = meeting_of(lamp, quiet, present=[world.member_a, world.recorder_a])
    committee = login(world.chair_a)
    r = committee.post_form(f"/matters/{lamp.id}/opinions/summary",
                            {"text": "多数居民支持尽快修复，少数关心费用分摊。"})
    assert r.status_code == 303
    first, second = meeting.items

    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/minutes"):
        html = client.get(url).get_data(as_text=True)
        assert "多数居民支持尽快修复，少数关心费用分摊。" in html, url
        assert counts_in(html, first.id) == {"for": 1, "against": 1, "suggestion": 0}, url
        assert counts_in(html, second.id) == {"for": 0, "against": 0, "suggestion": 0}, url
        assert "不该公开的话" not in html and "早该办了" not in html  # counts, never texts

    # the summary stays in the minutes after the vote has closed the opinions
    debate.open_debate(first, world.chair_a)
    voting.open_vote(first, world.chair_a)
    voting.cast(first.id, world.member_a, "yes")
    voting.close_vote(first, world.chair_a)
    services.end(meeting, world.chair_a)
    db.session.commit()
    minutes = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "多数居民支持尽快修复" in minutes and "居委会意见汇总" in minutes


def _held(world, meeting_of, n: int):
    """A meeting with n items, each with opinions and a summary, a speaker and a recusal."""
    matters = [_with_opinions(world, f"议题{n}-{i}") for i in range(n)]
    meeting = meeting_of(*matters, present=[world.member_a, world.recorder_a])
    for item in meeting.items:
        opinions.write_summary(item.matter, world.chair_a, f"汇总{item.matter.title}")
        debate.open_debate(item, world.chair_a)
        turn = debate.request_to_speak(item, world.member_a, "for")
        debate.give_floor(turn, world.chair_a)
        debate.end_speech(turn, world.chair_a)
        debate.recuse(item, world.recorder_a, "亲属住 5 栋")
        voting.defer_item(item, world.chair_a)
    services.end(meeting, world.chair_a)
    db.session.commit()
    return meeting


def test_agenda_and_minutes_queries_do_not_grow_with_items(world, login, client, meeting_of):
    small, large = _held(world, meeting_of, 2), _held(world, meeting_of, 7)
    viewers = {"anonymous": client, "chair": login(world.chair_a)}
    for name, c in viewers.items():
        for page in ("", "/minutes"):
            counts = []
            for meeting in (small, large):
                url = f"/meetings/{meeting.id}{page}"
                c.get(url)  # warm
                with count_queries() as q:
                    html = c.get(url).get_data(as_text=True)
                assert html.count("居委会意见汇总") == len(meeting.items), (name, url)
                counts.append(q)
            assert counts[0].count == counts[1].count, f"{name} {page}: " + counts[1].diff(counts[0])
