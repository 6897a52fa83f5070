"""The public lists and the station's supervision board.

URL table:
    /progress                          GET       tracking.problems       问题解决清单 (public)
    /resources                         GET       tracking.resources      辖区资源清单 (public)
    /resources/new                     GET/POST  tracking.new_offer      organisation members, staff
    /resources/<offer>/withdraw        POST      tracking.withdraw_offer the offering organisation
    /supervision                       GET       tracking.supervision    督办 (staff)
    /tracking/photos/<key>             GET       tracking.photo          report photos and receipts
    /tracking/photos/<key>/thumb       GET       tracking.thumb
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import ConfirmForm
from ...accounts.models import Role, User
from ...core import errors, photos
from ...core.pagination import paginate_list
from ...directory.models import Organisation, OrganisationMember
from ...extensions import db
from ...matters import spine
from ...matters.pages import visible_matter
from .. import reports, resources, services, supervision
from ..blueprint import bp
from ..forms import OfferForm, SuperviseForm
from ..models import Offer


def organisation_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name + _("（%(s)s）", s=o.kind_label)) for o in db.session.scalars(
        select(Organisation).order_by(Organisation.name))]


def lead_choices() -> list[tuple[int, str]]:
    """Staff and every organisation member, labelled with their organisation."""
    rows = db.session.execute(
        select(User, Organisation.name).join(OrganisationMember, OrganisationMember.user_id == User.id)
        .join(Organisation).order_by(Organisation.name, User.display_name)).all()
    staff = db.session.scalars(select(User).where(User.role.in_([Role.STAFF.value]))
                               .order_by(User.display_name)).all()
    return ([(u.id, u.display_name + _("（%(s)s）", s=org)) for u, org in rows]
            + [(u.id, u.display_name + _("（%(s)s）", s=_("社工站"))) for u in staff])


@bp.get("/progress")
def problems():
    filters = services.Filters.from_args(request.args)
    page = services.problem_list(filters, request.args.get("page"),
                                 per_page=current_app.config["PAGE_SIZE"])
    volunteer_minutes = spine.fact("volunteer_minutes")([row.matter.id for row in page.items])
    return render_template("tracking/problems.html", page=page, filters=filters,
                           choices=services.filter_choices(), volunteer_minutes=volunteer_minutes)


@bp.get("/resources")
def resources_list():
    offers = resources.active_offers()
    pledges = resources.pledge_list(request.args.get("page"),
                                    per_page=current_app.config["PAGE_SIZE"])
    return render_template("tracking/resources.html", offers=offers, pledges=pledges,
                           prizes=spine.fact("shop_prizes")(),
                           can_offer=resources.may_give(current_user) or (
                               current_user.is_authenticated and current_user.is_staff),
                           confirm_form=ConfirmForm())


@bp.route("/resources/new", methods=["GET", "POST"])
@login_required
def new_offer():
    if current_user.is_staff:
        choices = organisation_choices()
    else:
        choices = [(o.id, o.name) for o in resources.organisations_of(current_user)]
    if not choices:
        abort(403)
    form = OfferForm()
    form.organisation_id.choices = choices
    if form.validate_on_submit():
        try:
            resources.add_offer(current_user, organisation_id=form.organisation_id.data,
                                kind=form.kind.data, description=form.description.data,
                                quantity=form.quantity.data or "")
        except errors.Forbidden:
            abort(403)
        flash(_("资源已登记到资源清单。"), "success")
        return redirect(url_for("tracking.resources_list"))
    status = 422 if request.method == "POST" else 200
    return render_template("tracking/new_offer.html", form=form), status


@bp.post("/resources/<int:offer_id>/withdraw")
@login_required
def withdraw_offer(offer_id: int):
    offer = db.session.get(Offer, offer_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        resources.withdraw_offer(offer, current_user)
    except errors.Forbidden:
        abort(403)
    flash(_("已从资源清单撤下。"), "success")
    return redirect(url_for("tracking.resources_list"))


@bp.get("/supervision")
@login_required
def supervision_board():
    if not current_user.is_staff:
        abort(403)
    risks = paginate_list(supervision.board(), request.args.get("page"), per_page=30)
    return render_template("tracking/supervision.html", risks=risks,
                           limit=supervision.no_report_days(), form=SuperviseForm())


def _photo(key: str, thumb: bool):
    if not key.isalnum() or len(key) > 64:
        abort(404)
    matter = reports.matter_of_photo(key)
    if matter is None:
        abort(404)
    visible_matter(matter.id)  # 404 unless the current user may see the matter
    return photos.send(key, thumb=thumb, max_age=3600)


@bp.get("/tracking/photos/<key>")
def photo(key: str):
    return _photo(key, thumb=False)


@bp.get("/tracking/photos/<key>/thumb")
def thumb(key: str):
    return _photo(key, thumb=True)
