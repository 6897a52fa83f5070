"""Opinions: residents' comments on a matter, moderation and the committee's summary."""

from __future__ import annotations

from flask import Flask

# The last two name notifications only.
LABELS = {
    "opinion_summary": "居委会撰写意见汇总",
    "opinion_held": "一条意见被多人举报，暂时隐藏待审核",
    "opinion_hidden": "居委会隐藏了一条意见",
    "opinion_reports_dismissed": "居委会驳回了对一条意见的举报",
    "opinions_new": "议题有新的居民意见",
    "opinion_restored": "意见恢复显示",
}


def init_app(app: Flask) -> None:
    from . import abilities

    abilities.register()
    from ..core import labels
    from ..matters import spine
    from . import services
    labels.register(LABELS)
    spine.register_fact("opinion_digests", services.digests)
    spine.register_section(spine.Section("opinions", 10, "opinions/_matter_section.html", _section))


def _section(matter, page: dict):
    from .views.opinions import opinions_section

    return opinions_section(matter, page.get("opinion_form"), page.get("opinion_message", ""),
                            page.get("opinion_error", False), page.get("opinion_reply"))
