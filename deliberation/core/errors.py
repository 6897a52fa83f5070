"""One error vocabulary for every package, and friendly error pages in Chinese.

A service refuses an action by raising `Forbidden` (the user may not: 403) or `Refused` (the
state or the input does not allow it: 409, or 422 when a typed `field` is wrong). `str(error)` is
the message for the user in their language. Raising either marks the request as refused, so the
commit hook rolls back even when the view catches the error and redirects: no view rolls back by
hand. A view that can re-render its form with what was typed catches the error and does so; one
that does not gets the app-level page with the message.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from .htmx import is_htmx


class ActionError(Exception):
    """An action a service refused; `str(error)` is the user's message."""

    status = 409

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if has_request_context():
            g.refused = True  # the commit hook never commits a refused request


class Forbidden(ActionError):
    """This user may not do this (403)."""

    status = 403


class Refused(ActionError):
    """The state or the input does not allow it now (409; 422 with the field that is wrong)."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        if field is not None:
            self.status = 422


def refused() -> bool:
    """Did a service refuse something during this request?"""
    return bool(g.get("refused"))


def init_app(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        template = "errors/_error.html" if is_htmx() else "errors/error.html"
        return render_template(template, code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(e):
        if isinstance(e, SecurityError):
            # A Host outside TRUSTED_HOSTS: no URLs can be built for it, so no page either.
            return _("请求有误"), 400, {"Content-Type": "text/plain; charset=utf-8"}
        return page(400, _("请求有误"), _("提交的内容不完整或格式不对，请返回重试。"))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return page(400, _("页面已过期"), _("页面已过期或来源不明，请刷新页面后重新提交。"))

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, _("没有权限"), _("您没有权限查看或操作这个页面。如有疑问，请联系社工站。"))

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, _("找不到页面"), _("您要找的页面不存在或已被移除。"))

    @app.errorhandler(413)
    def too_large(_e):
        return page(413, _("文件太大"), _("上传的文件太大，请缩小后重试。"))

    @app.errorhandler(429)
    def too_many(_e):
        if request.endpoint == "accounts.login":
            return page(429, _("操作太频繁"), _(
                "这个账号（或这个网络）登录失败的次数太多，暂时不能登录。请稍后再试；"
                "忘记密码请联系社工站重置。"))
        return page(429, _("操作太频繁"), _("尝试次数过多，请稍等几分钟再试。"))

    @app.errorhandler(ActionError)
    def action_refused(e: ActionError):
        if e.status == 403:
            return page(403, _("没有权限"), str(e) or _("您没有权限执行这个操作。"))
        return page(e.status, _("不能执行这个操作"), str(e))

    @app.errorhandler(500)
    def server_error(_e):
        # A failed statement leaves the session unusable until rolled back: the page (the
        # signed-in user in the header, the bell) reads the database too.
        from ..extensions import db

        db.session.rollback()
        return page(500, _("服务器出错了"), _("系统暂时出了问题，我们会尽快修复。请稍后再试。"))
