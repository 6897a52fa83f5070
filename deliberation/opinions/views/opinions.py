"""Opinions on a matter before its meeting (线上议事).

URL table:
    /matters/<id>/opinions                GET       opinions.index    every opinion, keyset pages
                                                                      (htmx: opinions/_page.html)
    /matters/<id>/opinions                POST      opinions.post     an opinion or a reply
                                                                      (htmx: _matter_section.html)
    /matters/<id>/opinions.csv            GET       opinions.export   CSV; hidden ones: reason only
    /matters/<id>/opinions.xlsx           GET       opinions.export_xlsx  the same rows as XLSX
    /matters/<id>/opinions/summary        GET/POST  opinions.summary  committee: 意见汇总
    /opinions/<id>/edit                   GET/POST  opinions.edit     author, within the window
    /opinions/<id>/agree                  POST      opinions.agree    resident, once (htmx: _agree)
    /opinions/<id>/report                 GET/POST  opinions.report   signed in, once
    /opinions/<id>/photo/<key>.jpg        GET       opinions.photo    as visible as the opinion
    /opinions/moderation                  GET       opinions.queue    committee: reported opinions
    /opinions/<id>/hide                   POST      opinions.hide     committee, not the author
    /opinions/<id>/dismiss                POST      opinions.dismiss  committee, not the author
The matter page's section is `opinions_section`, registered with the spine.
"""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import ConfirmForm
from ...core import photos, xlsx
from ...core.htmx import is_htmx, render
from ...core.inputs import int_arg
from ...core.spreadsheet import cell
from ...core.time import localtime
from ...extensions import db
from ...matters.models import Matter
from ...matters.pages import detail_context, visible_matter
from .. import listing, moderation, services
from ..blueprint import bp
from ..forms import EditForm, HideForm, OpinionForm, ReplyForm, ReportForm, SummaryForm
from ..models import Opinion, ReportReason, Stance


def opinions_section(matter: Matter, form: OpinionForm | None = None, message: str = "",
                     error: bool = False, reply: ReplyForm | None = None) -> dict | None:
    """What `templates/opinions/_matter_section.html` shows; None before the matter is accepted.
    `reply`: a reply that was refused, shown again (open, with its text) under its opinion."""
    if matter.status not in services.SHOWN_STATES:
        return None
    sort = request.args.get("sort", "new")
    return {
        "page": listing.page(matter, current_user, sort=sort),
        "counts": services.counts(matter.id),
        "stances": list(Stance),
        "digest": services.summary_for(matter.id),
        "problem": services.post_problem(matter, current_user),
        "can_summarise": services.summary_problem(matter, current_user) is None,
        "moderator": moderation.is_moderator(matter, current_user),
        "form": form or OpinionForm(formdata=None),
        "reply_form": reply or ReplyForm(formdata=None),
        "message": message, "error": error,
    }


def _opinion(opinion_id: int) -> tuple[Opinion, Matter]:
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None:
        abort(404)
    return opinion, visible_matter(opinion.matter_id)


def _back(matter: Matter, anchor: str = "opinions"):
    return redirect(url_for("matters.detail", matter_id=matter.id, _anchor=anchor), 303)


def _section_answer(matter: Matter, *, form: OpinionForm | ReplyForm | None = None,
                    message: str = "", status: int = 200):
    """htmx: the section; without JavaScript: the whole matter page (errors) or a redirect.
    A refused reply comes back under its opinion, a refused opinion in the posting form."""
    if is_htmx() or status >= 400:
        reply = form if isinstance(form, ReplyForm) else None
        return render("matters/detail.html", "opinions/_matter_section.html", status=status,
                      **detail_context(matter, opinion_form=None if reply else form,
                                       opinion_reply=reply, opinion_message=message,
                                       opinion_error=status >= 400))
    flash(message, "success")
    return _back(matter)


@bp.get("/matters/<int:matter_id>/opinions")
def index(matter_id: int):
    matter = visible_matter(matter_id)
    try:
        page = listing.page(matter, current_user, sort=request.args.get("sort", "new"),
                            after=request.args.get("after"))
    except listing.BadCursor:
        abort(400)
    # `render()` takes `page` as its own argument, hence the two calls here.
    template = "opinions/_page.html" if is_htmx() else "opinions/index.html"
    response = make_response(render_template(
        template, matter=matter, page=page, counts=services.counts(matter.id),
        stances=list(Stance), reply_form=ReplyForm(formdata=None)))
    response.headers.add("Vary", "HX-Request")
    return response


@bp.post("/matters/<int:matter_id>/opinions")
@login_required
def post(matter_id: int):
    matter = visible_matter(matter_id)
    parent = None
    if request.form.get("parent_id"):
        form = ReplyForm()
        parent_id = int_arg(form.parent_id.data)
        if parent_id is None:
            abort(400)
        parent = db.session.get(Opinion, parent_id)
        if parent is None or parent.matter_id != matter.id:
            abort(404)
    else:
        form = OpinionForm()
    if not current_user.lives_in(matter.community):
        abort(403)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        message = _("请按提示修改后再提交。") if parent is None else form.text.errors[0]
        return _section_answer(matter, form=form, message=message, status=422)
    key = None
    upload = request.files.get("photo") if parent is None else None
    try:
        if upload and upload.filename:
            key = photos.store_all([(upload.stream, upload.filename)], limit=1)[0].key
        services.post(matter, current_user, text=form.text.data,
                      stance=getattr(form, "stance", None) and form.stance.data,
                      parent=parent, photo_key=key)
    except photos.PhotoError as exc:
        form.photo.errors = [str(exc)]
        return _section_answer(matter, form=form, message=str(exc), status=422)
    except services.NotAllowed:
        if key:
            photos.discard(key)
        abort(403)
    except services.Refused as exc:
        if key:
            photos.discard(key)
        return _section_answer(matter, form=form, message=str(exc), status=409)
    return _section_answer(matter, message=_("回复已发表。") if parent else _("意见已发表，谢谢您！"))


@bp.route("/opinions/<int:opinion_id>/edit", methods=["GET", "POST"])
@login_required
def edit(opinion_id: int):
    opinion, matter = _opinion(opinion_id)
    if current_user.id != opinion.author_id:
        abort(403)
    form = EditForm(obj=opinion)
    if opinion.is_reply:
        del form.stance
    error = None if services.can_edit(opinion, matter, current_user) else _(
        "发表 %(n)d 分钟后不能再修改。", n=services.setting("OPINION_EDIT_MINUTES"))
    if request.method == "POST" and error:
        return render_template("opinions/edit.html", form=form, opinion=opinion, matter=matter,
                               error=error), 409
    if form.validate_on_submit():
        try:
            services.edit(opinion, matter, current_user, text=form.text.data,
                          stance=form.stance.data if not opinion.is_reply else None)
        except services.Refused as exc:
            return render_template("opinions/edit.html", form=form, opinion=opinion,
                                   matter=matter, error=str(exc)), 409
        flash(_("修改已保存。"), "success")
        return _back(matter, f"opinion-{opinion.id}")
    status = 422 if request.method == "POST" else 200
    return render_template("opinions/edit.html", form=form, opinion=opinion, matter=matter,
                           error=error), status


@bp.post("/opinions/<int:opinion_id>/agree")
@login_required
def agree(opinion_id: int):
    opinion, matter = _opinion(opinion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message, status = "", 200
    try:
        added = services.agree(opinion, matter, current_user)
        message = _("已赞同。") if added else _("您已经赞同过了。")
    except services.NotAllowed:
        abort(403)
    except services.Refused as exc:
        message, status = str(exc), 409
    if is_htmx():
        return render("opinions/_agree.html", "opinions/_agree.html", status=status,
                      entry=listing.one(opinion, matter, current_user), message=message,
                      matter=matter)
    if status >= 400:
        return render_template("errors/error.html", code=status, title=_("无法赞同"),
                               message=message), status
    flash(message, "success")
    return _back(matter, f"opinion-{opinion.id}")


@bp.route("/opinions/<int:opinion_id>/report", methods=["GET", "POST"])
@login_required
def report(opinion_id: int):
    opinion, matter = _opinion(opinion_id)
    form = ReportForm()
    problem = moderation.report_problem(opinion, current_user)
    if form.validate_on_submit() and not problem:
        added = moderation.report(opinion, matter, current_user, form.reason.data)
        flash(_("已收到您的举报，居委会会尽快处理。") if added else _("您已经举报过这条意见了。"),
              "success")
        return _back(matter, f"opinion-{opinion.id}")
    status = 200 if request.method == "GET" else (409 if problem else 422)
    entry = listing.one(opinion, matter, current_user)
    return render_template("opinions/report.html", form=form, entry=entry, matter=matter,
                           problem=problem), status


@bp.get("/opinions/<int:opinion_id>/photo/<name>.jpg")
def photo(opinion_id: int, name: str):
    opinion, matter = _opinion(opinion_id)
    key, thumb = (name[:-2], True) if name.endswith("_t") else (name, False)
    if not opinion.photo_key or key != opinion.photo_key:
        abort(404)
    if not listing.may_see_text(opinion, current_user, matter):
        abort(404)
    return photos.send(key, thumb=thumb, max_age=600)


def _export_rows(matter: Matter) -> tuple[list[str], list[list]]:
    header = [_("编号"), _("回复给"), _("态度"), _("发言人"), _("身份"), _("时间"), _("内容"), _("赞同")]
    rows = []
    for entry in listing.everything(matter, current_user):
        for e in [entry, *entry.replies]:
            o = e.opinion
            role = _("、").join(x for x, on in ((_("提议人"), e.proposer), (_("居委会"), e.committee))
                            if on)
            rows.append([o.id, o.parent_id or "", o.stance_enum.label if o.stance else "", e.author,
                         role, localtime(o.created_at), e.public_text,
                         o.agree_count if not o.is_reply else ""])
    return header, rows


@bp.get("/matters/<int:matter_id>/opinions.csv")
def export(matter_id: int):
    matter = visible_matter(matter_id)
    header, rows = _export_rows(matter)
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the UTF-8 Chinese
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=opinions-{matter.id}.csv"
    return response


@bp.get("/matters/<int:matter_id>/opinions.xlsx")
def export_xlsx(matter_id: int):
    matter = visible_matter(matter_id)
    header, rows = _export_rows(matter)
    response = Response(xlsx.workbook(_("居民意见"), header, rows), mimetype=xlsx.MIME)
    response.headers["Content-Disposition"] = f"attachment; filename=opinions-{matter.id}.xlsx"
    return response


@bp.route("/matters/<int:matter_id>/opinions/summary", methods=["GET", "POST"])
@login_required
def summary(matter_id: int):
    matter = visible_matter(matter_id)
    if not moderation.is_moderator(matter, current_user):
        abort(403)
    digest = services.summary_for(matter.id)
    form = SummaryForm(data={"text": digest.text} if request.method == "GET" else None)
    problem = services.summary_problem(matter, current_user)
    if form.validate_on_submit() and not problem:
        try:
            services.write_summary(matter, current_user, form.text.data)
        except services.Refused as exc:
            problem = str(exc)
        else:
            flash(_("意见汇总已保存，会随会议议程公布。"), "success")
            return _back(matter)
    status = 200 if request.method == "GET" else (409 if problem else 422)
    return render_template("opinions/summary.html", form=form, matter=matter, digest=digest,
                           problem=problem, stances=list(Stance)), status


@bp.get("/opinions/moderation")
@login_required
def queue():
    if not current_user.is_committee_member:
        abort(403)
    return render_template("opinions/queue.html", items=moderation.queue(current_user),
                           form=HideForm(formdata=None),
                           reasons=dict(ReportReason.choices()))


def _moderate(opinion_id: int, action: str):
    opinion, matter = _opinion(opinion_id)
    if not moderation.is_moderator(matter, current_user):
        abort(403)
    form = HideForm() if action == "hide" else ConfirmForm()
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors or (action == "dismiss" and not valid):
        abort(400)
    try:
        if action == "hide":
            if not valid:
                flash(_("请选择隐藏的理由。"), "error")
                return redirect(url_for("opinions.queue"), 303)
            moderation.hide(opinion, matter, current_user, reason=form.reason.data,
                            note=form.note.data or "")
            flash(_("已隐藏，发言人会收到通知。"), "success")
        else:
            moderation.dismiss(opinion, matter, current_user)
            flash(_("举报已驳回。"), "success")
    except services.NotAllowed:
        abort(403)
    except services.Refused as exc:
        return render_template("errors/error.html", code=409, title=_("无法处理"),
                               message=str(exc)), 409
    return redirect(url_for("opinions.queue"), 303)


@bp.post("/opinions/<int:opinion_id>/hide")
@login_required
def hide(opinion_id: int):
    return _moderate(opinion_id, "hide")


@bp.post("/opinions/<int:opinion_id>/dismiss")
@login_required
def dismiss(opinion_id: int):
    return _moderate(opinion_id, "dismiss")
