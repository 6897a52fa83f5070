"""Quorum and pass thresholds: every preset and the edges (pure functions, no database)."""

from __future__ import annotations

import pytest

from deliberation.meetings import rules
from deliberation.meetings.rules import Bases

COUNCIL = rules.PRESETS["council_majority"]
RESIDENTS = rules.PRESETS["residents_meeting"]
VILLAGE = rules.PRESETS["village_representatives"]
TWO_THIRDS = rules.PRESETS["two_thirds"]


@pytest.mark.parametrize(("rule", "members", "present", "quorate"), [
    # more than half: 10 members need 6; 5 is exactly on the line and fails
    (COUNCIL, 10, 5, False), (COUNCIL, 10, 6, True), (COUNCIL, 9, 5, True), (COUNCIL, 9, 4, False),
    (RESIDENTS, 10, 5, False), (RESIDENTS, 10, 6, True),
    # at least two thirds: 9 members need 6 exactly (on the line passes), 5 fails
    (VILLAGE, 9, 6, True), (VILLAGE, 9, 5, False), (VILLAGE, 10, 7, True), (VILLAGE, 10, 6, False),
    (TWO_THIRDS, 10, 6, True), (TWO_THIRDS, 10, 5, False),
    (COUNCIL, 0, 0, False),
])
def test_quorum_line(rule, members, present, quorate):
    assert rules.has_quorum(rule, Bases(members, present)) is quorate
    assert (present >= rules.quorum_needed(rule, members)) is quorate or members == 0


def test_quorum_needed_numbers():
    assert rules.quorum_needed(COUNCIL, 10) == 6
    assert rules.quorum_needed(COUNCIL, 9) == 5
    assert rules.quorum_needed(VILLAGE, 9) == 6
    assert rules.quorum_needed(VILLAGE, 10) == 7


def test_council_majority_yes_over_no_abstentions_not_counted():
    b = Bases(11, 9)
    assert rules.passes(COUNCIL, b, yes=3, no=2, abstain=4)      # 3 > 2, abstentions ignored
    assert not rules.passes(COUNCIL, b, yes=3, no=3, abstain=3)  # a tie fails
    assert not rules.passes(COUNCIL, b, yes=2, no=3, abstain=4)


def test_all_abstain_fails_under_every_preset():
    b = Bases(10, 8)
    for rule in rules.PRESETS.values():
        assert not rules.passes(rule, b, yes=0, no=0, abstain=8), rule.key


def test_residents_meeting_more_than_half_of_present():
    b = Bases(20, 12)
    assert not rules.passes(RESIDENTS, b, yes=6, no=0, abstain=6)   # exactly half: fails
    assert rules.passes(RESIDENTS, b, yes=7, no=5, abstain=0)
    # abstentions and silent members count against: 6 yes of 12 present is not enough
    assert not rules.passes(RESIDENTS, b, yes=6, no=1, abstain=0)


def test_village_representatives_more_than_half_of_present():
    b = Bases(15, 10)
    assert rules.passes(VILLAGE, b, yes=6, no=4, abstain=0)
    assert not rules.passes(VILLAGE, b, yes=5, no=0, abstain=5)


def test_two_thirds_at_least_of_present():
    b = Bases(12, 9)
    assert rules.passes(TWO_THIRDS, b, yes=6, no=3, abstain=0)      # exactly two thirds passes
    assert not rules.passes(TWO_THIRDS, b, yes=5, no=1, abstain=3)


def test_tie_fails_for_strict_thresholds():
    assert not rules.passes(RESIDENTS, Bases(10, 8), yes=4, no=4, abstain=0)
    assert not rules.passes(COUNCIL, Bases(10, 8), yes=4, no=4, abstain=0)


def test_recusal_changes_both_bases():
    # 7 members, 4 present: quorate (4 > 3.5). Two present members recuse: the item has
    # 5 eligible members and 2 present -> 2 > 2.5 is false: no quorum for this item.
    b = rules.bases(7, 4, recused_members=2, recused_present=2)
    assert b == Bases(5, 2)
    assert rules.has_quorum(COUNCIL, Bases(7, 4))
    assert not rules.has_quorum(COUNCIL, b)
    # residents' meeting: 3 yes of 6 present fails; one present member recuses -> 3 of 5 passes
    assert not rules.passes(RESIDENTS, rules.bases(9, 6), yes=3, no=0, abstain=0)
    assert rules.passes(RESIDENTS, rules.bases(9, 6, 1, 1), yes=3, no=0, abstain=0)


def test_show_of_hands_exceeding_those_present_is_refused():
    b = rules.bases(10, 6, 1, 1)  # 5 eligible present
    rules.check_counts(b, 3, 1, 1)
    with pytest.raises(rules.CountError):
        rules.check_counts(b, 4, 1, 1)
    with pytest.raises(rules.CountError):
        rules.passes(COUNCIL, b, 6, 0, 0)
    with pytest.raises(rules.CountError):
        rules.check_counts(b, -1, 0, 0)


def test_inconsistent_attendance_is_refused():
    with pytest.raises(rules.CountError):
        rules.bases(5, 6)
    with pytest.raises(rules.CountError):
        rules.bases(5, 3, recused_members=1, recused_present=2)


def test_yes_needed_for_screens():
    assert rules.yes_needed(COUNCIL, Bases(10, 8), no=3) == 4
    assert rules.yes_needed(COUNCIL, Bases(10, 8), no=0) == 1
    assert rules.yes_needed(RESIDENTS, Bases(10, 8)) == 5
    assert rules.yes_needed(TWO_THIRDS, Bases(10, 9)) == 6


def test_unknown_preset_falls_back_to_default():
    assert rules.preset("nonsense") is COUNCIL
    assert {k for k, _ in rules.preset_choices()} == set(rules.PRESETS)
