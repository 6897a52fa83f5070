"""Labels of audit actions (and notification kinds), filled by each package at app start.

The audit trail, the bell and the exports show an action's label without knowing which package
wrote it: the spine registers its transitions, each stage registers its own events.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext

_LABELS: dict[str, str] = {}


def register(labels: Mapping[str, str]) -> None:
    """Add labels (Chinese msgids); the same action may not be given two different labels."""
    for action, label in labels.items():
        known = _LABELS.setdefault(action, label)
        if known != label:
            raise RuntimeError(f"action {action!r} labelled twice: {known!r} and {label!r}")


def action_label(action: str):
    """The action's label in the reader's language (the action itself when nobody named it)."""
    label = _LABELS.get(action)
    return lazy_gettext(label) if label else action


def known(action: str) -> bool:
    return action in _LABELS
