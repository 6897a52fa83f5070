"""Quorum and pass thresholds (表决规则) as pure functions over plain numbers.

A rule set says:
- quorum: how many of the item's eligible members must be present (always "of all members",
  a ratio, and whether the count must be *more than* or *at least* that share);
- pass threshold: yes votes measured against a base (votes cast excluding abstentions, the
  eligible members present, or all eligible members), a ratio, strict or not.
A tie under a strict threshold fails; when every voter abstains the "cast" base is empty and the
motion fails. Recused members (回避) leave both bases before anything is computed.

Besides the presets, a body may have a custom rule set: its parameters are stored as JSON
(`params_of`, ratios as exact "n/d" strings), checked by `custom`, and said in one plain
sentence by `describe` (the only part here that needs a request's language).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class PassBase(enum.StrEnum):
    CAST = "cast"          # yes + no (abstentions not counted)
    PRESENT = "present"    # eligible members present
    MEMBERS = "members"    # all eligible members


@dataclass(frozen=True)
class RuleSet:
    key: str
    label: str = field(compare=False)
    quorum_ratio: Fraction
    quorum_strict: bool        # True: more than ratio x members; False: at least
    pass_base: PassBase
    pass_ratio: Fraction
    pass_strict: bool          # True: more than ratio x base; False: at least
    description: str = field(default="", compare=False)


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


# --- custom rule sets: parameters, validation, a sentence that says them ------------------------

CUSTOM = "custom"
MAX_DENOMINATOR = 1000
COMMON_FRACTIONS = ("1/2", "2/3", "3/4", "3/5", "4/5", "1/3")


class RuleError(ValueError):
    """A rule parameter that cannot be right; the message is for the user."""


def parse_ratio(text: str | None) -> Fraction:
    """A share typed as "2/3" (full-width slash and spaces allowed) or as a decimal "0.6"."""
    raw = (text or "").replace("／", "/").replace(" ", "").replace("\u3000", "")
    if not raw:
        raise RuleError(_("请填写比例，例如 1/2 或 2/3。"))
    num, slash, den = raw.partition("/")
    try:
        parts = (int(num), int(den)) if slash else None
        ratio = Fraction(raw) if parts is None else None
    except ValueError:
        raise RuleError(_("比例请写成“分子/分母”，例如 2/3。")) from None
    if parts is not None:
        if parts[1] <= 0:
            raise RuleError(_("分母须大于 0。"))
        ratio = Fraction(*parts)
    check_ratio(ratio)
    return ratio


def check_ratio(ratio: Fraction) -> None:
    if not 0 < ratio < 1:
        raise RuleError(_("比例须大于 0 且小于 1。"))
    if ratio.denominator > MAX_DENOMINATOR:
        raise RuleError(_("分母不能大于 %(n)d。", n=MAX_DENOMINATOR))


def ratio_text(ratio: Fraction) -> str:
    return f"{ratio.numerator}/{ratio.denominator}"


def params_of(rule: RuleSet) -> dict[str, Any]:
    """The parameters as stored (JSON) and audited; ratios as exact "n/d" strings."""
    return {"quorum_ratio": ratio_text(rule.quorum_ratio), "quorum_strict": rule.quorum_strict,
            "pass_base": rule.pass_base.value, "pass_ratio": ratio_text(rule.pass_ratio),
            "pass_strict": rule.pass_strict}


def custom(quorum_ratio: Fraction, quorum_strict: bool, pass_base: PassBase | str,
           pass_ratio: Fraction, pass_strict: bool, key: str = CUSTOM) -> RuleSet:
    """A rule set from its parameters, checked; its description is generated from them."""
    check_ratio(quorum_ratio)
    check_ratio(pass_ratio)
    try:
        base = PassBase(pass_base)
    except ValueError:
        raise RuleError(_("请选择计算通过比例的基数。")) from None
    args = (Fraction(quorum_ratio), bool(quorum_strict), base, Fraction(pass_ratio), bool(pass_strict))
    return RuleSet(key, _l("自定义规则"), *args, description=LazyString(describe, *args))


def from_params(params: dict[str, Any], key: str = CUSTOM) -> RuleSet:
    try:
        return custom(parse_ratio(params["quorum_ratio"]), params["quorum_strict"],
                      params["pass_base"], parse_ratio(params["pass_ratio"]), params["pass_strict"],
                      key=key)
    except (KeyError, TypeError):
        raise RuleError(_("表决规则的参数不完整。")) from None


def resolve(key: str | None, params: dict[str, Any] | None) -> RuleSet:
    """The rule a body or meeting stores: a preset by key, or parameters. Parameters that are
    exactly a preset's keep its name and wording; any other parameters are a custom rule."""
    if not params:
        return preset(key)
    known = PRESETS.get(key or "")
    if known is not None and params_of(known) == params:
        return known
    return from_params(params, key=CUSTOM)


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(n)


def ratio_words(ratio: Fraction) -> str:
    """"三分之二" in Chinese, "2/3" in other languages."""
    locale = get_locale()
    if locale is not None and locale.language != "zh":
        return ratio_text(ratio)
    if ratio.denominator == 100:
        return "百分之" + _chinese_number(ratio.numerator)
    return _chinese_number(ratio.denominator) + "分之" + _chinese_number(ratio.numerator)


def describe(quorum_ratio: Fraction, quorum_strict: bool, pass_base: PassBase, pass_ratio: Fraction,
             pass_strict: bool) -> str:
    """The rule in one plain sentence, like the presets' descriptions."""
    q, p = ratio_words(quorum_ratio), ratio_words(pass_ratio)
    quorum = (_("到会成员超过全体成员的%(q)s", q=q) if quorum_strict
              else _("到会成员不少于全体成员的%(q)s", q=q))
    if pass_base == PassBase.CAST and pass_strict and pass_ratio == Fraction(1, 2):
        clauses = [_("赞成票多于反对票即通过"), _("弃权不计")]
    elif pass_base == PassBase.CAST:
        clauses = [_("赞成票超过赞成票与反对票之和的%(p)s即通过", p=p) if pass_strict
                   else _("赞成票达到赞成票与反对票之和的%(p)s即通过", p=p), _("弃权不计")]
    elif pass_base == PassBase.PRESENT:
        clauses = [_("赞成票超过到会成员的%(p)s即通过", p=p) if pass_strict
                   else _("赞成票达到到会成员的%(p)s即通过", p=p), _("弃权和未投票都算作不赞成")]
    else:
        clauses = [_("赞成票超过全体成员的%(p)s即通过", p=p) if pass_strict
                   else _("赞成票达到全体成员的%(p)s即通过", p=p), _("弃权、未投票和缺席都算作不赞成")]
    if pass_strict:
        clauses.append(_("平票不通过") if pass_ratio == Fraction(1, 2)
                       else _("恰好等于%(p)s不通过", p=p))
    clauses.append(_("回避的成员不计入基数"))
    return _("%(quorum)s；%(rest)s。", quorum=quorum, rest=_("，").join(clauses))


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
