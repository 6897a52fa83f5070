"""A button is shown exactly when its POST is not refused.

For each role x each state x each action button on the matter page, the screening queue and
the meeting chair screen: render the page as that role, see whether a form (or the link to the
action's form) is there, then POST the action with valid input as the same role.

- shown  => the POST is not refused with 403 and it takes effect;
- hidden => the POST takes no effect: 403 when the role may not, or a refusal that names the
  state (409 / 422, or a message on the page it redirects to) when the state does not allow it.

Station staff never screen (DOMAIN.md, the transition table): every screening POST of theirs
is a 403, and neither their nav nor their queue offers one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from deliberation.core.audit import AuditEntry
from deliberation.core.time import utcnow
from deliberation.directory import services as directory
from deliberation.directory.models import BodyRole, Organisation, OrganisationKind
from deliberation.extensions import db
from deliberation.matters.models import Cosign, Matter
from deliberation.matters.states import MatterState
from deliberation.meetings import services as meetings
from deliberation.meetings.models import Meeting, MeetingState, Objection
from deliberation.tracking import assignment
from deliberation.tracking.models import PhaseKey, Pledge, ProgressReport, Rating
from tests import factories

ROLES = ("resident", "proposer", "committee_here", "committee_elsewhere", "council_chair",
         "staff", "implementer")
S = MatterState
# States in which the work has been assigned to the implementing organisation.
ASSIGNED = (S.IN_PROGRESS, S.RECTIFYING, S.IN_EVALUATION, S.CLOSED)
# States with a running window (notice, evaluation): it ends in the future, so viewing the
# matter does not move it on by the clock.
WINDOWED = (S.IN_NOTICE, S.IN_EVALUATION)


def _cast(world) -> dict[str, object]:
    extra = world.extra
    if "cast" not in extra:
        council_chair = factories.user(world.a, name="社联会长")
        directory.add_member(world.federation, council_chair.id, BodyRole.CHAIR.value,
                             world.admin.id)
        org = directory.save(Organisation(), world.admin.id,
                             {"name": "暖阳为老服务中心", "kind": OrganisationKind.SOCIAL.value})
        worker = factories.user(world.b, name="刘社工")  # lives elsewhere: only the org counts
        directory.add_org_member(org, worker.id, world.admin.id)
        db.session.commit()
        extra["org"], extra["cast"] = org, {
            "resident": world.resident_a2, "proposer": world.resident_a,
            "committee_here": world.member_a, "committee_elsewhere": world.chair_b,
            "council_chair": council_chair, "staff": world.staff, "implementer": worker,
        }
    return extra["cast"]


def _matter_in(world, state: MatterState) -> Matter:
    """A matter of community A filed by `proposer`, put straight into `state` (test code only:
    the app changes state through the workflow), assigned to the organisation once adopted."""
    earlier = world.matter(title="更早的同类议题")
    m = world.matter(proposer=world.resident_a)
    if state in ASSIGNED:
        factories.reach(m, S.IN_PROGRESS)
        db.session.commit()
        today = utcnow().date()
        due = today + timedelta(days=30)
        assignment.assign(m, world.staff, organisation_id=world.extra["org"].id,
                          lead_id=world.staff.id, budget_cents=10_000, due_on=due,
                          phase_dues=assignment.default_phase_dates(today, due))
    now = utcnow()
    m.merged_into_id = earlier.id if state == S.MERGED else None
    factories.reach(m, state)
    db.session.commit()
    db.session.execute(update(Matter).where(Matter.id == m.id).values(
        merged_into_id=earlier.id if state == S.MERGED else None,
        state_changed_at=now - timedelta(days=1), decided_at=now - timedelta(days=2),
        window_ends_at=now + timedelta(days=3) if state in WINDOWED else None))
    db.session.commit()
    db.session.refresh(m)
    return m


def _effect(matter_id: int | None = None, meeting_id: int | None = None) -> tuple:
    """Everything an action can change: a different fingerprint after the POST = it took effect."""
    db.session.expire_all()
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (AuditEntry, Cosign, Rating, Objection, ProgressReport, Pledge))
    m = db.session.get(Matter, matter_id) if matter_id else None
    mt = db.session.get(Meeting, meeting_id) if meeting_id else None
    return (*counts, m and (m.state, m.title), mt and mt.state)


def _in_days(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


def _local_in(days: int, hour: int) -> str:
    """A street-time moment for a datetime-local field."""
    return f"{(utcnow().date() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


@dataclass(frozen=True)
class Button:
    name: str
    url: Callable[[Matter], str]
    data: Callable[[object], dict]


MATTER_BUTTONS = (
    Button("resubmit", lambda m: f"/matters/{m.id}/resubmit", lambda w: {}),
    Button("withdraw", lambda m: f"/matters/{m.id}/withdraw", lambda w: {"reason": "不需要了"}),
    Button("edit", lambda m: f"/matters/{m.id}/edit",
           lambda w: {"title": "改过的标题", "description": "补充了楼层的说明。",
                      "category_id": str(w.categories[0].id), "place": "5 栋"}),
    Button("screen", lambda m: f"/screening/{m.id}",
           lambda w: {"decision": "accept", "reason": "", "confirmed": "1"}),
    Button("cosign", lambda m: f"/matters/{m.id}/cosign", lambda w: {}),
    Button("assign", lambda m: f"/tracking/{m.id}/assign",
           lambda w: {"organisation_id": str(w.extra["org"].id), "lead_id": str(w.staff.id),
                      "budget": "100", "due_on": _in_days(20),
                      f"phase_{PhaseKey.ORGANISE.value}": _in_days(10)}),
    Button("report_progress", lambda m: f"/tracking/{m.id}/report",
           lambda w: {"body": "已经装好两盏灯。", "percent": "40"}),
    Button("report_done", lambda m: f"/tracking/{m.id}/done",
           lambda w: {"summary": "五盏灯都换好了。"}),
    Button("resume", lambda m: f"/tracking/{m.id}/resume",
           lambda w: {"plan": "补装四楼的灯，一周内完成。"}),
    Button("pledge", lambda m: f"/tracking/{m.id}/pledge",
           lambda w: {"kind": "labour", "description": "周末来帮忙", "organisation_id": "0"}),
    Button("rate", lambda m: f"/tracking/{m.id}/rate", lambda w: {"choice": "satisfied"}),
    Button("object", lambda m: f"/meetings/matters/{m.id}/objections",
           lambda w: {"text": "表决时我们楼没有代表参加。"}),
    Button("open_volunteer_task", lambda m: f"/volunteers/matters/{m.id}/tasks/new",
           lambda w: {"title": "搬运楼道杂物", "place": "5 栋门口", "starts_at": _local_in(2, 9),
                      "ends_at": _local_in(2, 11), "capacity": "4", "cutoff_hours": "2",
                      "phase_id": "0", "details": ""}),
)


def _shown(html: str, url: str) -> bool:
    """A form posting to `url`, or a button-link to the page holding that form."""
    return re.search(rf'(?:action|href|hx-post)="{re.escape(url)}"', html) is not None


@pytest.mark.parametrize("button", MATTER_BUTTONS, ids=lambda b: b.name)
@pytest.mark.parametrize("role", ROLES)
def test_matter_page_buttons_match_their_posts(world, login, role, button):
    user = _cast(world)[role]
    client = login(user)
    failures = []
    for state in MatterState:
        matter = _matter_in(world, state)
        url = button.url(matter)
        page = client.get(f"/matters/{matter.id}")
        shown = _shown(page.get_data(as_text=True), url)
        # A withdrawn matter is gone for outsiders: no page, and its actions answer 404.
        refusals = (302, 303, 403, 409, 422) + ((404,) if page.status_code == 404 else ())
        before = _effect(matter.id)
        r = client.post_form(url, button.data(world))
        took_effect = _effect(matter.id) != before
        if shown and (r.status_code == 403 or not took_effect):
            failures.append(f"{state.value}: shown, but POST answered {r.status_code}"
                            f"{'' if took_effect else ' and changed nothing'}")
        elif not shown and took_effect:
            failures.append(f"{state.value}: hidden, but POST ({r.status_code}) took effect")
        elif not shown and r.status_code not in refusals:
            failures.append(f"{state.value}: hidden, POST answered {r.status_code}")
    assert not failures, f"{button.name} as {role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_screening_queue_offers_only_what_its_posts_allow(world, login, role):
    """The queue's links, the nav link and the screening POST agree for every role."""
    user = _cast(world)[role]
    client = login(user)
    matters = {state: _matter_in(world, state) for state in MatterState}
    home = client.get("/").get_data(as_text=True)
    queue = client.get("/screening/")
    listed = set(map(int, re.findall(r'href="/screening/(\d+)"', queue.get_data(as_text=True))))
    assert _shown(home, "/screening/") == user.is_committee_member, role
    if not user.is_committee_member and not user.is_staff:
        assert queue.status_code == 403
    for state, matter in matters.items():
        before = _effect(matter.id)
        r = client.post_form(f"/screening/{matter.id}",
                             {"decision": "accept", "reason": "", "confirmed": "1"})
        took_effect = _effect(matter.id) != before
        assert (matter.id in listed) == took_effect, (role, state.value, r.status_code)
        assert (r.status_code == 403) == (not user.sits_on_committee_of(matter.community_id)), \
            (role, state.value, r.status_code)
        if not took_effect:
            assert r.status_code in (403, 422), (role, state.value, r.status_code)
    if role == "staff":
        assert not listed and "社工站工作人员不做初审" in queue.get_data(as_text=True)


def test_staff_who_also_sit_on_a_committee_screen_that_community_only(world, login):
    directory.add_member(world.committee_a, world.staff.id, BodyRole.MEMBER.value, world.admin.id)
    db.session.commit()
    here, there = world.matter(), world.matter(proposer=world.resident_b)
    client = login(world.staff)
    listed = client.get("/screening/").get_data(as_text=True)
    assert f'href="/screening/{here.id}"' in listed
    assert f'href="/screening/{there.id}"' not in listed
    assert client.post_form(f"/screening/{there.id}", {"decision": "accept", "reason": "",
                                                        "confirmed": "1"}).status_code == 403
    assert client.post_form(f"/screening/{here.id}", {"decision": "accept", "reason": "",
                                                       "confirmed": "1"}).status_code == 302


CHAIR_BUTTONS = (("start", "/meetings/{id}/start"), ("end", "/meetings/{id}/end"))


@pytest.mark.parametrize("name,url", CHAIR_BUTTONS, ids=[b[0] for b in CHAIR_BUTTONS])
@pytest.mark.parametrize("role", ROLES)
def test_chair_screen_buttons_match_their_posts(world, login, role, name, url):
    cast = _cast(world)
    user = cast[role]
    client = login(user)
    failures = []
    for state in MeetingState:
        meeting = meetings.create_meeting(
            cast["council_chair"], body_ids=[world.federation.id], title="社联会理事会",
            starts_at=datetime(2026, 6, 1, 1, 0), place="活动中心", mode="in_person",
            chair_id=cast["council_chair"].id, recorder_id=cast["council_chair"].id)
        meeting.state = state.value
        db.session.commit()
        target = url.format(id=meeting.id)
        page = client.get(f"/meetings/{meeting.id}/chair")
        shown = page.status_code == 200 and _shown(page.get_data(as_text=True), target)
        before = _effect(meeting_id=meeting.id)
        r = client.post_form(target, {"confirmed": "1"})
        took_effect = _effect(meeting_id=meeting.id) != before
        if shown != took_effect or (shown and r.status_code == 403):
            failures.append(f"{state.value}: shown={shown}, POST {r.status_code}, "
                            f"took effect={took_effect}")
        elif not shown and not meeting.can_chair(user) and r.status_code != (
                403 if page.status_code != 404 else 404):  # a draft is the organisers' only
            failures.append(f"{state.value}: not the chair, POST answered {r.status_code}")
    assert not failures, f"{name} as {role}:\n" + "\n".join(failures)
