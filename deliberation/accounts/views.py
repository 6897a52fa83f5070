"""Register, log in and out, change password; staff create residents' accounts and reset passwords.

URL table:
    /register                          accounts.register
    /login                             accounts.login
    /logout                  POST      accounts.logout
    /account/password                  accounts.change_password
    /staff/residents                   accounts.residents        (staff)
    /staff/residents/new               accounts.create_resident  (staff)
    /staff/residents/<id>/reset        accounts.reset_password   (staff; GET confirms)
    /prefs/text              POST      accounts.toggle_text
    /prefs/lang              POST      accounts.set_lang
Verifying residents (核实): `accounts/verify_views.py` (same blueprint).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..core.pagination import paginate
from ..directory.models import Community
from ..extensions import db, limiter
from . import services
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    RegisterForm,
    StaffCreateResidentForm,
    normalise_phone,
)
from .models import Role, User
from .permissions import staff_required

bp = Blueprint("accounts", __name__)


def _community_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Community).order_by(Community.id)).all()
    return [(0, _("请选择"))] + [(c.id, c.name) for c in rows]


def _safe_next(target: str | None) -> str:
    """A path on this site, or home. Control characters (CR/LF would make the Location header
    invalid: a 500) and backslashes (browsers read `/\\host` as `//host`) are never a path here."""
    if target and any(ord(ch) < 32 or ch in "\x7f\\" for ch in target):
        return url_for("public.home")
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("public.home")


def _failed(response) -> bool:
    """Only failed attempts count: a room of members logging in one after another is fine."""
    return response.status_code != 302


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _account_key() -> str:
    """Failures counted against the number typed, from whatever address they come."""
    return "login-account:" + normalise_phone(request.form.get("phone"))[:20]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def register():
    """Throttled like login: its duplicate-phone message would otherwise enumerate numbers."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterForm()
    form.community_id.choices = _community_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                phone=form.phone.data, display_name=form.display_name.data,
                password=form.password.data, community_id=form.community_id.data,
                household=form.household.data)
        except services.DuplicatePhone:
            form.phone.errors.append(_("这个手机号已经注册过了，请直接登录；忘记密码请联系社工站。"))
        else:
            session.clear()
            login_user(user)
            flash(_("注册成功，欢迎您，%(name)s！", name=user.display_name), "success")
            return redirect(url_for("public.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    """Failed logins are limited per account (guessing one password) and, more loosely, per
    client address (trying many accounts); successful logins never count."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(normalise_phone(form.phone.data), form.password.data)
        if user:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session at login: nothing from before carries over
            login_user(user)
            return redirect(next_url)
        form.password.errors.append(_("手机号或密码不正确。"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Ends the account's sessions everywhere: a copied cookie is worthless afterwards."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("已退出登录。"), "success")
    return redirect(url_for("public.home"))


# What an account with a staff-issued temporary password may still reach.
_BEFORE_NEW_PASSWORD = {"accounts.change_password", "accounts.logout", "accounts.toggle_text",
                        "accounts.set_lang", "static"}


@bp.before_app_request
def _temporary_password_first():
    if request.endpoint in _BEFORE_NEW_PASSWORD or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.account_phone = current_user.phone
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确。"))
        else:
            services.change_password(current_user, form.password.data)
            session.clear()
            login_user(current_user)
            flash(_("密码已修改。其他设备上的登录已退出。"), "success")
            return redirect(url_for("public.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.get("/staff/residents")
@staff_required
def residents():
    q = (request.args.get("q") or "").strip()[:40]
    query = select(User).options(selectinload(User.community)).order_by(User.id.desc())
    if q:
        # The search text is text: % and _ match themselves, not everyone.
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.display_name.like(like, escape="\\"),
                                User.phone.like(like, escape="\\"),
                                User.household.like(like, escape="\\")))
    page = paginate(query, request.args.get("page"), per_page=current_app.config["PAGE_SIZE"])
    return render_template("accounts/residents.html", page=page, q=q)


@bp.route("/staff/residents/new", methods=["GET", "POST"])
@staff_required
def create_resident():
    form = StaffCreateResidentForm()
    form.community_id.choices = _community_choices()
    if form.validate_on_submit():
        password = services.temporary_password()
        try:
            user = services.create_user(
                phone=form.phone.data, display_name=form.display_name.data, password=password,
                community_id=form.community_id.data, household=form.household.data,
                created_by=current_user, temporary=True)
        except services.DuplicatePhone:
            form.phone.errors.append(_("这个手机号已经有账号了，可在居民列表中为其重置密码。"))
        else:
            return render_template("accounts/temporary_password.html", user=user,
                                   password=password, created=True)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/create_resident.html", form=form), status


@bp.route("/staff/residents/<int:user_id>/reset", methods=["GET", "POST"])
@staff_required
def reset_password(user_id: int):
    """GET asks for confirmation (works without JavaScript); POST resets."""
    user = db.session.get(User, user_id) or abort(404)
    if user.role != Role.RESIDENT.value and not current_user.is_admin:
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            abort(400)
        return render_template("accounts/confirm_reset.html", user=user, form=form)
    password = services.reset_password(user, by=current_user)
    return render_template("accounts/temporary_password.html", user=user, password=password,
                           created=False)


def _back() -> str:
    return _safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path)


def _secure_cookies() -> bool:
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


@bp.post("/prefs/text")
def toggle_text():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    response = redirect(_back())
    large = request.cookies.get("text") != "large"
    response.set_cookie("text", "large" if large else "normal", max_age=365 * 86400,
                        samesite="Lax", httponly=True, secure=_secure_cookies())
    return response


@bp.post("/prefs/lang")
def set_lang():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lang = request.form.get("lang")
    response = redirect(_back())
    if lang in ("zh_CN", "en"):
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=_secure_cookies())
        if current_user.is_authenticated:
            # Saved on the account too, so it follows the user to a new phone or browser.
            services.save_locale(current_user, lang)
    return response


from . import code_views, verify_views  # noqa: E402,F401  (their routes join this blueprint)
