"""The committee's opinion summary (意见汇总) and the residents' stance counts per agenda item.

They come from the opinions package when it is installed: the agenda and the minutes ask
`for_items` once per page (a constant number of queries however long the agenda), and show
nothing when the package is absent, so meetings work without it (the same way
`public/more_exports.py` registers only what the installed packages provide).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from .models import AgendaItem


def _opinions() -> ModuleType | None:
    try:
        module = importlib.import_module("..opinions.services", __package__)
    except ImportError:
        return None
    return module if hasattr(module, "digests") else None


def for_items(items: Iterable[AgendaItem]) -> dict[int, Any]:
    """matter id -> the opinions package's Digest (text, counts, stances, written_by/_at);
    an empty dict without the package. Only shown opinions are counted."""
    opinions = _opinions()
    if opinions is None:
        return {}
    return opinions.digests([i.matter_id for i in items])
