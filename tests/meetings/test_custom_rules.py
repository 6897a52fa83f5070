"""A body's custom rule set through the page: saved, checked, audited, used by a vote, and
snapshotted by the meeting so a later change of the body's rule leaves the meeting alone."""

from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.meetings import rules, services
from deliberation.meetings.models import Meeting
from deliberation.meetings.rules import Bases, PassBase

from .conftest import accepted_matter

# Committee A has three members (chair, recorder, member). The default preset (council
# majority) needs 2 present and passes 1 yes against 0 no; these custom rules differ.
PASS_OF_ALL_MEMBERS = {"rule_preset": "custom", "quorum_ratio": "1/2", "quorum_strict": "more",
                       "pass_base": "members", "pass_ratio": "1/2", "pass_strict": "more"}
QUORUM_ABOVE_TWO_THIRDS = {**PASS_OF_ALL_MEMBERS, "quorum_ratio": "2/3", "pass_base": "cast"}


def _checked(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons called `name` on the page."""
    tags = re.findall(r"<input[^>]*>", page)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags
            if f'name="{name}"' in t and re.search(r"\bchecked\b", t)]


def _rules_url(world):
    return f"/meetings/rules/{world.committee_a.id}"


def _save(world, login, data):
    r = login(world.staff).post_form(_rules_url(world), data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    db.session.expire_all()


@pytest.mark.parametrize(("custom", "state"), [(None, "in_notice"), (PASS_OF_ALL_MEMBERS, "not_adopted")])
def test_a_custom_rule_saved_on_the_page_decides_the_vote(world, login, run_item, custom, state):
    if custom:
        _save(world, login, custom)
        assert world.committee_a.rule_preset == "custom"
        assert world.committee_a.rule_params["pass_base"] == "members"
    # 1 yes, 0 no, 2 of 3 present: a majority of votes cast, but not more than half of all members
    assert run_item().one_yes(world.member_a) == state


def test_a_custom_quorum_refuses_to_open_the_vote(world, login, run_item):
    _save(world, login, QUORUM_ABOVE_TWO_THIRDS)
    run = run_item()
    r = run.open_vote(follow_redirects=True)
    # more than 2/3 of 3 members needs all 3; the default (more than half) would open with 2
    assert "未达到法定人数：本项应到 3 人，需到会 3 人，实到 2 人" in r.get_data(as_text=True)
    assert run.fresh().state == "debate"


def test_the_rule_page_shows_the_sentence_and_the_meeting_and_minutes_repeat_it(world, login, meeting_of):
    _save(world, login, PASS_OF_ALL_MEMBERS)
    staff = login(world.staff)
    sentence = "赞成票超过全体成员的二分之一即通过"
    page = staff.get(_rules_url(world)).get_data(as_text=True)
    assert "到会成员超过全体成员的二分之一" in page and sentence in page
    assert _checked(page, "rule_preset") == ["custom"] and _checked(page, "pass_base") == ["members"]
    meeting = meeting_of(accepted_matter(world), start=False)
    assert sentence in staff.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert sentence in staff.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)


@pytest.mark.parametrize(("quorum", "pass_ratio", "messages"), [
    ("3/0", "1/2", ["分母须大于 0"]),
    ("2/3", "abc", ["比例请写成“分子/分母”"]),
    ("3/2", "0", ["比例须大于 0 且小于 1", "比例须大于 0 且小于 1"]),
    ("", "1/1", ["请填写比例", "比例须大于 0 且小于 1"]),
])
def test_invalid_ratios_are_refused_in_chinese_and_what_was_typed_stays(world, login, quorum,
                                                                        pass_ratio, messages):
    data = {**PASS_OF_ALL_MEMBERS, "quorum_ratio": quorum, "pass_ratio": pass_ratio,
            "pass_base": "present", "pass_strict": "least"}
    r = login(world.staff).post_form(_rules_url(world), data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    for m in messages:
        assert m in page
    assert page.count("比例须大于 0 且小于 1") == messages.count("比例须大于 0 且小于 1")
    assert f'value="{quorum}"' in page and f'value="{pass_ratio}"' in page
    assert _checked(page, "rule_preset") == ["custom"] and _checked(page, "pass_base") == ["present"]
    assert _checked(page, "quorum_strict") == ["more"] and _checked(page, "pass_strict") == ["least"]
    db.session.expire_all()
    assert world.committee_a.rule_preset == "council_majority" and world.committee_a.rule_params is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rule_preset")) is None


@pytest.mark.parametrize("who", ["chair_a", "recorder_a", "member_a", "resident_a", "council_member"])
def test_only_staff_may_change_a_body_rule(world, login, who):
    c = login(getattr(world, who))
    assert c.get(_rules_url(world)).status_code == 403
    assert c.post_form(_rules_url(world), PASS_OF_ALL_MEMBERS).status_code == 403
    db.session.expire_all()
    assert world.committee_a.rule_preset == "council_majority"


def test_changing_the_body_rule_is_audited_with_old_and_new_parameters(world, login):
    _save(world, login, PASS_OF_ALL_MEMBERS)
    _save(world, login, {"rule_preset": "village_representatives"})
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rule_preset",
                                                               AuditEntry.subject_id == world.committee_a.id)
                                      .order_by(AuditEntry.seq)))
    assert [e.actor_id for e in entries] == [world.staff.id] * 2
    first, second = (e.details for e in entries)
    assert first["from"] == {"key": "council_majority", "quorum_ratio": "1/2", "quorum_strict": True,
                             "pass_base": "cast", "pass_ratio": "1/2", "pass_strict": True}
    assert first["to"] == {"key": "custom", "quorum_ratio": "1/2", "quorum_strict": True,
                           "pass_base": "members", "pass_ratio": "1/2", "pass_strict": True}
    assert second["from"] == first["to"]
    assert second["to"]["key"] == "village_representatives" and second["to"]["quorum_ratio"] == "2/3"
    assert second["to"]["quorum_strict"] is False
    assert world.committee_a.rule_params is None  # a preset is stored by its key only


def test_a_meeting_keeps_the_rule_it_was_called_under(world, login, meeting_of, run_item):
    _save(world, login, PASS_OF_ALL_MEMBERS)
    meeting = meeting_of(accepted_matter(world), present=[world.member_a, world.recorder_a])
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "meeting",
                                                         AuditEntry.subject_id == meeting.id,
                                                         AuditEntry.action == "create"))
    assert created.details["rule"]["key"] == "custom"
    assert created.details["rule"]["pass_base"] == "members"
    # The body moves back to the default; the meeting still counts under its snapshot.
    _save(world, login, {"rule_preset": "council_majority"})
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.rule_preset == "custom" and meeting.rule_params["pass_base"] == "members"
    assert services.rule_of(meeting).pass_base == PassBase.MEMBERS
    assert run_item(meeting=meeting).one_yes(world.member_a) == "not_adopted"
    closed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "not_adopt"))
    assert closed.details["counts"]["rule"] == "custom"
    assert closed.details["counts"]["rule_params"]["pass_base"] == "members"
    # ...and a meeting called under a preset keeps it when the body turns custom.
    later = meeting_of(accepted_matter(world, title="广场路灯"), start=False)
    _save(world, login, PASS_OF_ALL_MEMBERS)
    later = db.session.get(Meeting, later.id)
    assert later.rule_preset == "council_majority"
    assert services.rule_of(later) is rules.PRESETS["council_majority"]


def _new_meeting_form(world, **extra):
    return {"body_ids": str(world.committee_a.id), "title": "六月议事会", "starts_at": "2026-06-01T19:30",
            "minutes_planned": "90", "place": "活动中心", "mode": "in_person",
            "chair_id": str(world.chair_a.id), "recorder_id": str(world.recorder_a.id),
            "speaker_seconds": "120", "max_turns": "2", **extra}


def test_only_staff_call_a_meeting_under_another_rule(world, login):
    chair = login(world.chair_a)
    assert 'name="rule_preset"' not in chair.get("/meetings/new").get_data(as_text=True)
    # a chair's choice is ignored by the form (the field is not theirs): the body's rule applies
    r = chair.post_form("/meetings/new", _new_meeting_form(world, rule_preset="two_thirds"))
    assert r.status_code == 302
    assert db.session.scalar(select(Meeting)).rule_preset == "council_majority"
    with pytest.raises(services.Forbidden):
        services.create_meeting(world.chair_a, body_ids=[world.committee_a.id], title="x",
                                starts_at=datetime(2026, 6, 1), place="", mode="in_person",
                                chair_id=world.chair_a.id, recorder_id=world.recorder_a.id,
                                rule_preset="two_thirds")
    db.session.rollback()
    staff = login(world.staff)
    assert 'name="rule_preset"' in staff.get("/meetings/new").get_data(as_text=True)
    r = staff.post_form("/meetings/new",
                        _new_meeting_form(world, title="七月议事会", rule_preset="two_thirds"))
    assert r.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "七月议事会"))
    assert meeting.rule_preset == "two_thirds" and meeting.rule_params["pass_ratio"] == "2/3"
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "meeting",
                                                         AuditEntry.subject_id == meeting.id,
                                                         AuditEntry.action == "create"))
    assert created.details["rule"]["key"] == "two_thirds" and created.details["rule_chosen"] is True


# --- the pure functions behind the page ---------------------------------------------------------

@pytest.mark.parametrize(("text", "ratio"), [("2/3", Fraction(2, 3)), (" 3／5 ", Fraction(3, 5)),
                                             ("0.6", Fraction(3, 5)), ("2/4", Fraction(1, 2))])
def test_parse_ratio_accepts(app, text, ratio):
    assert rules.parse_ratio(text) == ratio


@pytest.mark.parametrize("text", ["", "abc", "1/0", "-1/2", "1", "3/2", "1/2/3", "1/1001", "nan", "inf"])
def test_parse_ratio_refuses(app, text):
    with app.test_request_context():
        with pytest.raises(rules.RuleError):
            rules.parse_ratio(text)


def test_stored_parameters_of_a_preset_give_back_the_preset(app):
    for preset in rules.PRESETS.values():
        assert rules.resolve(preset.key, rules.params_of(preset)) is preset
        same = rules.from_params(rules.params_of(preset))
        assert same == rules.custom(preset.quorum_ratio, preset.quorum_strict, preset.pass_base,
                                    preset.pass_ratio, preset.pass_strict)
    assert rules.resolve("two_thirds", None) is rules.PRESETS["two_thirds"]
    changed = {**rules.params_of(rules.PRESETS["two_thirds"]), "pass_ratio": "3/4"}
    assert rules.resolve("two_thirds", changed).key == "custom"


def test_at_least_two_thirds_of_all_members_counts_abstentions_against(app):
    rule = rules.custom(Fraction(2, 3), False, "members", Fraction(2, 3), False)
    b = Bases(9, 7)
    assert rules.has_quorum(rule, Bases(9, 6)) and not rules.has_quorum(rule, Bases(9, 5))
    assert rules.passes(rule, b, yes=6, no=0, abstain=1)        # exactly 2/3 of 9: at least
    assert not rules.passes(rule, b, yes=5, no=0, abstain=2)
    with app.test_request_context():
        text = str(rule.description)
    assert text == ("到会成员不少于全体成员的三分之二；赞成票达到全体成员的三分之二即通过，"
                    "弃权、未投票和缺席都算作不赞成，回避的成员不计入基数。")


def test_the_sentence_says_a_tie_fails_and_speaks_english(app):
    rule = rules.custom(Fraction(1, 2), True, "cast", Fraction(1, 2), True)
    with app.test_request_context():
        assert str(rule.description) == ("到会成员超过全体成员的二分之一；赞成票多于反对票即通过，"
                                         "弃权不计，平票不通过，回避的成员不计入基数。")
    with app.test_request_context(), force_locale("en"):
        english = str(rules.custom(Fraction(3, 5), True, "present", Fraction(3, 5), True).description)
    assert "3/5" in english and not any("\u4e00" <= ch <= "\u9fff" for ch in english), english
