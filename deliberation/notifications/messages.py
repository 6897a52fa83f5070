"""Notification text as message keys and parameters, rendered in the reader's language.

A notice is written while the *actor's* language is active, but read by someone else, maybe in
another language; so it is stored as parts (JSON) and translated when the bell shows it:

    {"key": msgid, "params": {...}}                    gettext(msgid) % params
    {"key": singular, "plural": plural, "n": n, ...}   ngettext
    {"text": "..."}                                    what a person typed: never translated

A parameter may itself be a label to translate ({"label": msgid}), e.g. a meeting's mode.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext, ngettext

Part = dict[str, Any]
Message = str | Part | list[Part]


def N_(msgid: str, **params: Any) -> Part:
    """A translatable part (the msgid is what gettext would take)."""
    return {"key": msgid, "params": params}


def N_plural(singular: str, plural: str, n: int, **params: Any) -> Part:
    return {"key": singular, "plural": plural, "n": n, "params": params}


def label(msgid: str) -> dict[str, str]:
    """A parameter translated at read time (a state or mode label)."""
    return {"label": msgid}


def text(value: str) -> Part:
    return {"text": value}


def as_parts(message: Message) -> list[Part]:
    """A plain string is typed text (a reason, a summary): it stays as written."""
    if isinstance(message, str):
        return [text(message)] if message else []
    if isinstance(message, dict):
        return [message]
    return [p for p in message if p]


def render(parts: list[Part]) -> str:
    """The parts in the active locale, one per line."""
    return "\n".join(_render_part(p) for p in parts)


def render_default(parts: list[Part]) -> str:
    """The text in the default language, kept in `message` for readers without the keys."""
    with force_locale("zh_CN"):
        return render(parts)


def _render_part(part: Part) -> str:
    if "text" in part:
        return str(part["text"])
    params = {k: gettext(v["label"]) if isinstance(v, dict) and "label" in v else v
              for k, v in (part.get("params") or {}).items()}
    if "plural" in part:
        return ngettext(part["key"], part["plural"], part["n"], **params)
    return gettext(part["key"], **params)
