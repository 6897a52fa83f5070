"""Points, the points shop (积分超市), hand-over at the station and adjustments.

URL table:
    /volunteers/points                 GET       volunteers.points     the signed-in person's balance
    /volunteers/shop                   GET       volunteers.shop       everyone (redeeming: residents)
    /volunteers/shop/<i>/redeem        POST      volunteers.redeem     residents, confirmed
    /volunteers/shop/new               GET/POST  volunteers.new_item   staff, organisation members
    /volunteers/handover               GET/POST  volunteers.handover   staff, givers' members
    /volunteers/adjust                 GET/POST  volunteers.adjust     staff, with a reason
    /volunteers/certificate?year=Y     GET       volunteers.certificate the signed-in person's year (print)
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import ConfirmForm
from ...accounts.models import User
from ...core import errors
from ...core.confirmation import ask, is_confirmed
from ...core.inputs import int_arg
from ...core.pagination import paginate
from ...core.time import utcnow
from ...directory.models import Organisation, OrganisationMember, Street
from ...extensions import db
from .. import reports, services
from ..blueprint import bp
from ..forms import AdjustForm, HandOverForm, ItemForm
from ..models import PointsEntry, Redemption, RedemptionState, ShopItem


def _staff() -> None:
    if not current_user.is_staff:
        abort(403)


@bp.get("/volunteers/points")
@login_required
def points():
    history = paginate(select(PointsEntry).where(PointsEntry.user_id == current_user.id)
                       .order_by(PointsEntry.id.desc()), request.args.get("page"))
    redemptions = db.session.scalars(select(Redemption).where(Redemption.user_id == current_user.id)
                                     .order_by(Redemption.id.desc()).limit(20)).all()
    return render_template("volunteers/points.html", balance=services.balance(current_user.id),
                           history=history, redemptions=redemptions, rule=services.street_rule())


@bp.get("/volunteers/certificate")
@login_required
def certificate():
    this_year = to_user_timezone(utcnow()).year
    year = int_arg(request.args.get("year"), default=this_year)
    if not 2000 <= year <= this_year:
        year = this_year
    services_done = reports.year_of(current_user.id, year)
    street = db.session.scalar(select(Street).order_by(Street.id))
    return render_template("volunteers/certificate.html", year=year, this_year=this_year,
                           today=to_user_timezone(utcnow()).date().isoformat(),
                           services=services_done, street=street,
                           hours=round(sum(s.minutes for s in services_done) / 60, 1))


@bp.get("/volunteers/shop")
def shop():
    items = paginate(select(ShopItem).where(ShopItem.active.is_(True))
                     .order_by(ShopItem.points_price, ShopItem.id), request.args.get("page"))
    balance = services.balance(current_user.id) if current_user.is_authenticated else None
    return render_template("volunteers/shop.html", items=items, balance=balance,
                           may_hand_over=services.may_hand_over(current_user),
                           may_give=_givable() != [] or current_user.is_authenticated
                           and current_user.is_staff)


@bp.post("/volunteers/shop/<int:item_id>/redeem")
@login_required
def redeem(item_id: int):
    item = db.session.get(ShopItem, item_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if current_user.is_staff:
        abort(403)
    if not is_confirmed():
        return ask(_("用 %(p)s 积分兑换「%(i)s」吗？兑换后请到%(w)s出示兑换码领取。",
                     p=item.points_price, i=item.name, w=item.collect_at),
                   button=_("确认兑换"), cancel_url=url_for("volunteers.shop"))
    try:
        r = services.redeem(item, current_user)
    except errors.Refused as exc:
        flash(str(exc), "error")
        return redirect(url_for("volunteers.shop"))
    flash(_("兑换成功！兑换码 %(c)s，请到%(w)s出示领取。", c=r.code, w=item.collect_at), "success")
    return redirect(url_for("volunteers.points") + "#redemptions")


def _givable() -> list[tuple[int, str]]:
    if not current_user.is_authenticated:
        return []
    query = select(Organisation).order_by(Organisation.name)
    if not current_user.is_staff:
        query = query.join(OrganisationMember).where(OrganisationMember.user_id == current_user.id)
    return [(o.id, o.name) for o in db.session.scalars(query)]


@bp.route("/volunteers/shop/new", methods=["GET", "POST"])
@login_required
def new_item():
    choices = _givable()
    if not choices:
        abort(403)
    form = ItemForm()
    form.organisation_id.choices = choices
    if form.validate_on_submit():
        try:
            item = services.add_item(current_user, organisation_id=form.organisation_id.data,
                                     name=form.name.data, points_price=form.points_price.data,
                                     stock=form.stock.data, collect_at=form.collect_at.data)
        except errors.Forbidden:
            abort(403)
        except errors.Refused as exc:
            getattr(form, exc.field or "name").errors = [str(exc)]
        else:
            flash(_("「%(i)s」已上架积分超市，谢谢捐赠！", i=item.name), "success")
            return redirect(url_for("volunteers.shop"))
    status = 422 if request.method == "POST" else 200
    return render_template("volunteers/new_item.html", form=form), status


@bp.route("/volunteers/handover", methods=["GET", "POST"])
@login_required
def handover():
    if not services.may_hand_over(current_user):
        abort(403)
    form = HandOverForm()
    status = 200
    if form.validate_on_submit():
        try:
            found = services.find_code(current_user, form.code.data)
            if found.state != RedemptionState.PENDING.value or found.expires_at <= utcnow():
                r = services.hand_over(current_user, found.code)  # refuses, saying why
            elif not is_confirmed():
                return ask(_("核对后交给居民：确定发放吗？"), button=_("确认发放"),
                           cancel_url=url_for("volunteers.handover"),
                           summary=[(_("物品"), found.item.name),
                                    (_("居民"), found.user.display_name),
                                    (_("手机"), found.user.masked_phone),
                                    (_("状态"), str(found.state_enum.label))])
            else:
                r = services.hand_over(current_user, found.code)
        except errors.Refused as exc:
            form.code.errors = [str(exc)]
            status = 422
        else:
            flash(_("已发放「%(i)s」给 %(n)s。", i=r.item.name, n=r.user.display_name), "success")
            return redirect(url_for("volunteers.handover"))
    elif request.method == "POST":
        status = 422
    query = select(Redemption).where(Redemption.state == RedemptionState.HANDED.value)
    if not current_user.is_staff:
        query = query.where(Redemption.handed_by_id == current_user.id)
    recent = db.session.scalars(query.order_by(Redemption.handed_at.desc()).limit(10)).all()
    return render_template("volunteers/handover.html", form=form, recent=recent), status


@bp.route("/volunteers/adjust", methods=["GET", "POST"])
@login_required
def adjust():
    _staff()
    form = AdjustForm()
    status = 200
    if form.validate_on_submit():
        phone = "".join(ch for ch in form.phone.data if ch.isdigit())
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None or user.is_staff:
            form.phone.errors = [_("没有用这个手机号注册的居民。")]
            status = 422
        elif not is_confirmed():
            return ask(_("确定为这位居民调整积分吗？"), button=_("确认调整"),
                       cancel_url=url_for("volunteers.adjust"),
                       summary=[(_("居民"), user.display_name), (_("手机"), user.masked_phone),
                                (_("现有积分"), str(services.balance(user.id))),
                                (_("调整"), f"{form.delta.data:+d}"), (_("原因"), form.reason.data)])
        else:
            try:
                services.adjust(current_user, user, form.delta.data, form.reason.data)
            except errors.Refused as exc:
                getattr(form, exc.field or "delta").errors = [str(exc)]
                status = 422
            else:
                flash(_("已调整 %(n)s 的积分，现有 %(b)s 分。", n=user.display_name,
                        b=services.balance(user.id)), "success")
                return redirect(url_for("volunteers.adjust"))
    elif request.method == "POST":
        status = 422
    return render_template("volunteers/adjust.html", form=form), status
