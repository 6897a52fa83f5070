"""Volunteers and the points shop (志愿服务 + 积分超市): labour on matters being carried out,
hours that earn points, and prizes that local businesses give."""

from __future__ import annotations

from flask import Flask

LABELS = {
    "volunteer_task": "发布志愿任务",
    "volunteer_signup": "报名志愿任务",
    "volunteer_cancel": "取消报名",
    "volunteer_place": "候补转正",
    "volunteer_check_in": "志愿者签到",
    "volunteer_check_out": "志愿者签退",
    "points_earned": "志愿服务积分",
    "points_adjusted": "调整积分",
    "points_spent": "积分兑换",
    "points_refunded": "兑换过期退回积分",
    "shop_item": "捐赠兑换物品",
    "redemption_handed": "兑换物品已领取",
    "redemption_expired": "兑换逾期未领取",
}


def init_app(app: Flask) -> None:
    """Plug the stage into the spine: who may volunteer or open tasks on a matter, its section
    of the matter page, and the clock's expiry of uncollected redemptions."""
    from ..core import clock, labels
    from ..matters import spine
    from ..matters.models import Matter
    from . import reports, services

    Matter.register_ability("volunteer", services.may_volunteer)
    Matter.register_ability("open_volunteer_task", services.may_open_task)
    spine.register_fact("volunteer_minutes", reports.minutes_by_matter)
    spine.register_fact("shop_prizes", services.prizes_on_offer)
    labels.register(LABELS)
    spine.register_section(spine.Section("volunteers", 35, "volunteers/_matter_section.html",
                                         _section))
    clock.register(clock.Job("redemptions_expire", 60, services.expire,
                             "{n} uncollected redemption(s) refunded."))


def _section(matter, page: dict):
    from .blueprint import matter_section

    return matter_section(matter)
