"""The committee's opinion summary (意见汇总) and the residents' stance counts per agenda item.

The opinions stage answers them (the spine's "opinion_digests" fact): the agenda and the
minutes ask `for_items` once per page, a constant number of queries however long the agenda.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..matters import spine
from .models import AgendaItem


def for_items(items: Iterable[AgendaItem]) -> dict[int, Any]:
    """matter id -> the opinions stage's Digest (text, counts, stances, written_by/_at).
    Only shown opinions are counted."""
    return spine.fact("opinion_digests")([i.matter_id for i in items])
