"""Admin pages (station staff and admins) for the street's structure.

URL table:
    /admin/                                      admin.index
    /admin/street                                admin.street
    /admin/<kind>/                               admin.listing    kind: communities, categories,
    /admin/<kind>/new                            admin.edit                 bodies, organisations
    /admin/<kind>/<id>/edit                      admin.edit
    /admin/bodies/<id>/members                   admin.body_members
    /admin/bodies/<id>/members/<mid>/remove POST admin.remove_member
    /admin/organisations/<id>/members            admin.org_members
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ...accounts.forms import normalise_phone
from ...accounts.models import User
from ...accounts.permissions import staff_required
from ...accounts.services import find_by_phone
from ...core.pagination import paginate
from ...extensions import db
from .. import forms, services
from ..blueprint import bp
from ..models import Body, Category, Community, Membership, Organisation, Street


@dataclass(frozen=True)
class Entity:
    model: type
    form: type
    title: str
    columns: tuple[tuple[str, str], ...]
    order: str = "id"


ENTITIES = {
    "communities": Entity(Community, forms.CommunityForm, _l("社区 / 村"),
                          (("name", _l("名称")), ("kind_label", _l("类型")))),
    "categories": Entity(Category, forms.CategoryForm, _l("议题分类"),
                         (("name", _l("名称")), ("position", _l("排序")), ("active", _l("启用")))),
    "bodies": Entity(Body, forms.BodyForm, _l("议事主体"),
                     (("name", _l("名称")), ("kind_label", _l("类型")), ("community", _l("社区")))),
    "organisations": Entity(Organisation, forms.OrganisationForm, _l("社会组织、商户与志愿队"),
                            (("name", _l("名称")), ("kind_label", _l("类型")),
                             ("community", _l("社区")))),
}


@bp.before_request
@staff_required
def _staff_only():
    return None


def _entity(kind: str) -> Entity:
    return ENTITIES.get(kind) or abort(404)


def _community_choices(blank: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Community).order_by(Community.id)).all()
    return [(0, blank)] + [(c.id, c.name) for c in rows]


@bp.get("/")
def index():
    return render_template("admin/index.html", entities=ENTITIES)


@bp.route("/street", methods=["GET", "POST"])
def street():
    obj = db.session.scalar(select(Street).order_by(Street.id)) or abort(404)
    form = forms.StreetForm(obj=obj)
    if form.validate_on_submit():
        services.save(obj, current_user.id, {f.name: f.data for f in form if f.name != "csrf_token"})
        flash(_("已保存。"), "success")
        return redirect(url_for("admin.street"))
    return render_template("admin/street.html", form=form), 422 if request.method == "POST" else 200


@bp.get("/<kind>/")
def listing(kind: str):
    entity = _entity(kind)
    query = select(entity.model).order_by(getattr(entity.model, entity.order))
    page = paginate(query, request.args.get("page"), per_page=50)
    return render_template("admin/listing.html", kind=kind, entity=entity, page=page)


@bp.route("/<kind>/new", methods=["GET", "POST"], defaults={"obj_id": None})
@bp.route("/<kind>/<int:obj_id>/edit", methods=["GET", "POST"])
def edit(kind: str, obj_id: int | None):
    entity = _entity(kind)
    obj = db.session.get(entity.model, obj_id) or abort(404) if obj_id else entity.model()
    form = entity.form(obj=obj if obj_id else None)
    if hasattr(form, "community_id"):
        form.community_id.choices = _community_choices(_("（不属于某个社区）"))
        if request.method == "GET" and obj_id:
            form.community_id.data = obj.community_id or 0
    if form.validate_on_submit():
        values = {f.name: f.data for f in form if f.name != "csrf_token"}
        if "community_id" in values:
            values["community_id"] = values["community_id"] or None
        if isinstance(obj, Community) and obj.street_id is None:
            values["street_id"] = db.session.scalar(select(Street.id).order_by(Street.id))
        try:
            services.save(obj, current_user.id, values)
        except services.DirectoryError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("admin.listing", kind=kind))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/edit.html", kind=kind, entity=entity, form=form, obj=obj), status


def _user_by_phone(field) -> User | None:
    user = find_by_phone(normalise_phone(field.data))
    if user is None:
        field.errors.append(_("没有找到这个手机号的账号，请先为其创建账号。"))
    return user


@bp.route("/bodies/<int:body_id>/members", methods=["GET", "POST"])
def body_members(body_id: int):
    body = db.session.get(Body, body_id) or abort(404)
    form = forms.MembershipForm()
    if form.validate_on_submit() and (user := _user_by_phone(form.phone)):
        services.add_member(body, user.id, form.role.data, current_user.id)
        flash(_("已添加 %(name)s。", name=user.display_name), "success")
        return redirect(url_for("admin.body_members", body_id=body.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/body_members.html", body=body, form=form,
                           remove_form=forms.FlaskForm()), status


@bp.post("/bodies/<int:body_id>/members/<int:membership_id>/remove")
def remove_member(body_id: int, membership_id: int):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.body_id != body_id:
        abort(404)
    if not forms.FlaskForm().validate_on_submit():
        abort(400)
    services.remove_member(membership, current_user.id)
    flash(_("已移除。"), "success")
    return redirect(url_for("admin.body_members", body_id=body_id))


@bp.route("/organisations/<int:org_id>/members", methods=["GET", "POST"])
def org_members(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = forms.OrganisationMemberForm()
    if form.validate_on_submit() and (user := _user_by_phone(form.phone)):
        services.add_org_member(org, user.id, current_user.id)
        flash(_("已添加 %(name)s。", name=user.display_name), "success")
        return redirect(url_for("admin.org_members", org_id=org.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/org_members.html", org=org, form=form), status
