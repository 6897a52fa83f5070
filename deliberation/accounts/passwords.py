"""Password rules: at least 8 characters, not a common password, not a trivial pattern."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

from flask_babel import gettext

MIN_LENGTH = 8
_LIST = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str, *, phone: str = "") -> str | None:
    """A Chinese message saying what is wrong with the password, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return gettext("密码至少需要 %(n)d 位。", n=MIN_LENGTH)
    if len(password) > 128:
        return gettext("密码太长了，请不要超过 128 位。")
    lowered = password.lower()
    if lowered in common_passwords() or _trivial(lowered) or (phone and phone in password):
        return gettext("这个密码太常见或太容易被猜到，请换一个（不要用连续数字、重复字符或手机号）。")
    if contains_date(password):
        return gettext("密码里不要有生日之类的日期（例如 19800101），别人很容易猜到，请换一个。")
    return None


_EIGHT_DIGITS = re.compile(r"(?=(\d{8}))")


def contains_date(password: str) -> bool:
    """Eight digits in a row that read as a date: 19800101, 01011980 (day or month first)."""
    for (run,) in (m.groups() for m in _EIGHT_DIGITS.finditer(password)):
        for y, m, d in ((run[:4], run[4:6], run[6:]), (run[4:], run[2:4], run[:2]),
                        (run[4:], run[:2], run[2:4])):
            if 1900 <= int(y) <= 2099 and _is_date(int(y), int(m), int(d)):
                return True
    return False


def _is_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _trivial(password: str) -> bool:
    if len(set(password)) <= 2:
        return True
    digits = "01234567890123456789"
    letters = "abcdefghijklmnopqrstuvwxyz"
    keyboard = "qwertyuiopasdfghjklzxcvbnm"
    for run in (digits, digits[::-1], letters, keyboard):
        if password in run:
            return True
    # A short block repeated: abcabcabc, 12121212, woaiwoai
    return bool(re.fullmatch(r"(.{1,4})\1+", password))
