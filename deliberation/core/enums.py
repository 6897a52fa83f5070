"""Enums whose members carry their Chinese label (translatable) and a CSS class."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext


class LabeledEnum(str, enum.Enum):  # noqa: UP042  (StrEnum would lose the tuple constructor)
    """`Member = ("value", "中文标签", "css-class")`; stored in the database by value."""

    def __new__(cls, value: str, label: str = "", css: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        obj.css = css or value.replace("_", "-")
        return obj

    @property
    def label(self) -> str:
        return lazy_gettext(self._label) if self._label else self.value

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def check_sql(cls, column: str) -> str:
        """A CHECK constraint body restricting `column` to the enum's values."""
        quoted = ", ".join(f"'{m.value}'" for m in cls)
        return f"{column} IN ({quoted})"
