"""The polled live partials mark what the user is entering with `hx-preserve` and an id that
stays the same from one poll to the next, so htmx keeps it when it swaps in the fresh partial.
(The browser proves the keeping: tests/browser/test_meeting_live_input.py.)"""

from __future__ import annotations

import re

from deliberation.meetings import debate, services

from .conftest import accepted_matter

HX = {"HX-Request": "true"}


def _preserved(html: str) -> list[str]:
    return re.findall(r'<(\w+)[^>]*\bid="([\w-]+)"[^>]*\bhx-preserve\b', html)


def test_chair_choice_and_member_recusal_panel_are_kept_across_polls(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world), present=[world.chair_a, world.member_a])
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    chair, member = login(world.chair_a), login(world.member_a)

    before = chair.get(f"/meetings/{meeting.id}/live/chair?since=old", headers=HX).get_data(as_text=True)
    phone = member.get(f"/meetings/{meeting.id}/live/phone?since=old", headers=HX).get_data(as_text=True)
    services.check_in(meeting, world.recorder_a)  # the meeting changes: the next poll gets a new partial
    since = re.search(r"since=([^\"&]+)", before).group(1)
    after = chair.get(f"/meetings/{meeting.id}/live/chair?since={since}", headers=HX)
    assert after.status_code == 200  # not 204: there is something new to show

    kept = [("fieldset", f"ballot-choice-{item.id}"), ("fieldset", f"method-choice-{item.id}")]
    assert _preserved(before) == kept == _preserved(after.get_data(as_text=True))
    assert _preserved(phone) == [("details", f"recuse-{item.id}")]
    # The radios and the reason box sit inside what is kept.
    for name in ("ballot", "method"):
        block = re.search(rf'id="{name}-choice-{item.id}".*?</fieldset>', before, re.S).group(0)
        assert f'name="{name}"' in block
    assert re.search(rf'id="recuse-{item.id}".*?name="reason".*?</details>', phone, re.S)
