"""Every state a matter can be in, with its Chinese label and CSS class."""

from __future__ import annotations

from ..core.enums import LabeledEnum


class MatterState(LabeledEnum):
    SUBMITTED = ("submitted", "已提交，待初审", "pending")
    RETURNED = ("returned", "退回补充", "warn")
    ACCEPTED = ("accepted", "已列为议题", "ok")
    MERGED = ("merged", "已合并", "muted")
    REFERRED = ("referred", "已转办", "muted")
    REJECTED = ("rejected", "不予受理", "bad")
    WITHDRAWN = ("withdrawn", "已撤回", "muted")
    SCHEDULED = ("scheduled", "已列入议程", "ok")
    ADOPTED = ("adopted", "表决通过", "ok")
    NOT_ADOPTED = ("not_adopted", "未通过", "bad")
    DEFERRED = ("deferred", "搁置", "warn")
    IN_NOTICE = ("in_notice", "决议公示中", "ok")
    IN_PROGRESS = ("in_progress", "实施中", "ok")
    IN_EVALUATION = ("in_evaluation", "评议中", "ok")
    RECTIFYING = ("rectifying", "整改中", "warn")
    CLOSED = ("closed", "已销号", "done")


# States in which residents may still co-sign: until the committee has decided and scheduled it.
COSIGN_OPEN = frozenset({MatterState.SUBMITTED, MatterState.RETURNED, MatterState.ACCEPTED})
# States that end a matter's life for good.
TERMINAL = frozenset({
    MatterState.MERGED, MatterState.REFERRED, MatterState.REJECTED, MatterState.WITHDRAWN,
    MatterState.NOT_ADOPTED, MatterState.CLOSED,
})
# States reached only through a meeting's vote, and every state after adoption: the database
# requires such a matter to reference the agenda item whose vote decided it.
DECIDED = frozenset({
    MatterState.ADOPTED, MatterState.NOT_ADOPTED, MatterState.IN_NOTICE, MatterState.IN_PROGRESS,
    MatterState.IN_EVALUATION, MatterState.RECTIFYING, MatterState.CLOSED,
})
# States counted as "answered" by the committee (the first-answer target no longer applies).
UNANSWERED = frozenset({MatterState.SUBMITTED})
