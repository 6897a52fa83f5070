"""Quorum and pass thresholds (表决规则) as pure functions over plain numbers.

A rule set says:
- quorum: how many of the item's eligible members must be present (always "of all members",
  a ratio, and whether the count must be *more than* or *at least* that share);
- pass threshold: yes votes measured against a base (votes cast excluding abstentions, the
  eligible members present, or all eligible members), a ratio, strict or not.
A tie under a strict threshold fails; when every voter abstains the "cast" base is empty and the
motion fails. Recused members (回避) leave both bases before anything is computed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import lazy_gettext as _l


class PassBase(enum.StrEnum):
    CAST = "cast"          # yes + no (abstentions not counted)
    PRESENT = "present"    # eligible members present
    MEMBERS = "members"    # all eligible members


@dataclass(frozen=True)
class RuleSet:
    key: str
    label: str
    quorum_ratio: Fraction
    quorum_strict: bool        # True: more than ratio x members; False: at least
    pass_base: PassBase
    pass_ratio: Fraction
    pass_strict: bool          # True: more than ratio x base; False: at least
    description: str = ""


PRESETS: dict[str, RuleSet] = {r.key: r for r in (
    RuleSet("council_majority", _l("议事会过半数（南塘规则）"), Fraction(1, 2), True,
            PassBase.CAST, Fraction(1, 2), True,
            _l("过半数成员到会；赞成票多于反对票即通过，弃权不计，平票不通过。")),
    RuleSet("residents_meeting", _l("居民会议"), Fraction(1, 2), True,
            PassBase.PRESENT, Fraction(1, 2), True,
            _l("过半数成员到会；赞成票超过到会人数的一半即通过。")),
    RuleSet("village_representatives", _l("村民代表会议"), Fraction(2, 3), False,
            PassBase.PRESENT, Fraction(1, 2), True,
            _l("三分之二以上成员到会；赞成票超过到会人数的一半即通过。")),
    RuleSet("two_thirds", _l("三分之二多数"), Fraction(1, 2), True,
            PassBase.PRESENT, Fraction(2, 3), False,
            _l("过半数成员到会；赞成票达到到会人数的三分之二即通过。")),
)}
DEFAULT_PRESET = "council_majority"


def preset(key: str | None) -> RuleSet:
    return PRESETS.get(key or "", PRESETS[DEFAULT_PRESET])


def preset_choices() -> list[tuple[str, str]]:
    return [(r.key, r.label) for r in PRESETS.values()]


class CountError(ValueError):
    """Counts that cannot be right (more hands than people present, negative numbers)."""


@dataclass(frozen=True)
class Bases:
    members: int   # eligible members: expected minus recused
    present: int   # eligible members present: present minus recused who are present


def bases(members: int, present: int, recused_members: int = 0, recused_present: int = 0) -> Bases:
    """The item's bases once recused members have stepped out."""
    if min(members, present, recused_members, recused_present) < 0:
        raise CountError("negative count")
    if present > members or recused_present > recused_members or recused_present > present:
        raise CountError("inconsistent attendance")
    return Bases(members - recused_members, present - recused_present)


def _meets(value: int, ratio: Fraction, base: int, strict: bool) -> bool:
    needed = ratio * base
    return value > needed if strict else value >= needed


def quorum_needed(rule: RuleSet, members: int) -> int:
    """The smallest number present that makes the quorum."""
    needed = rule.quorum_ratio * members
    if rule.quorum_strict:
        return int(needed) + 1
    return -(-needed.numerator // needed.denominator)  # ceiling


def has_quorum(rule: RuleSet, b: Bases) -> bool:
    return b.members > 0 and _meets(b.present, rule.quorum_ratio, b.members, rule.quorum_strict)


def check_counts(b: Bases, yes: int, no: int, abstain: int) -> None:
    """Refuse counts that cannot come from the room: negative, or more votes than present."""
    if min(yes, no, abstain) < 0:
        raise CountError("negative count")
    if yes + no + abstain > b.present:
        raise CountError("more votes than eligible members present")


def pass_base_size(rule: RuleSet, b: Bases, yes: int, no: int) -> int:
    return {PassBase.CAST: yes + no, PassBase.PRESENT: b.present,
            PassBase.MEMBERS: b.members}[rule.pass_base]


def passes(rule: RuleSet, b: Bases, yes: int, no: int, abstain: int) -> bool:
    """Does the motion pass? A strict threshold fails on a tie; an empty base fails."""
    check_counts(b, yes, no, abstain)
    base = pass_base_size(rule, b, yes, no)
    if base == 0:
        return False
    return _meets(yes, rule.pass_ratio, base, rule.pass_strict)


def yes_needed(rule: RuleSet, b: Bases, no: int = 0) -> int:
    """How many yes votes pass the motion (for the screens), given the no votes so far."""
    if rule.pass_base == PassBase.CAST:
        # yes > ratio*(yes+no)  <=>  yes*(1-ratio) > ratio*no
        r = rule.pass_ratio
        bound = r * no / (1 - r) if r < 1 else Fraction(10**9)
        n = int(bound) + 1 if rule.pass_strict or bound != int(bound) else int(bound)
        return max(1, n)
    base = pass_base_size(rule, b, 0, no)
    needed = rule.pass_ratio * base
    if rule.pass_strict:
        return int(needed) + 1
    return max(1, -(-needed.numerator // needed.denominator))
