"""Co-sign, follow and photos of a matter (routes on the `matters` blueprint).

URL table:
    /matters/<id>/cosign            POST  matters.cosign     a resident supports it (附议)
    /matters/<id>/follow            POST  matters.follow     hear about every step
    /matters/<id>/unfollow          POST  matters.unfollow
    /matters/<id>/photos/<key>.jpg        matters.photo      a photo (or `<key>_t` thumbnail),
                                                             as visible as the matter itself
    /matters/new/photos/<key>.jpg         matters.pending_photo  a kept photo, to its uploader
The htmx answer of the POSTs is `matters/_support.html`; without JavaScript they redirect.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import ConfirmForm
from ...core import photos
from ...core.htmx import is_htmx, render
from ...extensions import db
from .. import filing, follows, support
from ..blueprint import bp
from ..models import Matter, MatterPhoto
from ..pages import detail_context, visible_matter

PHOTO_MAX_AGE = 3600


def _answer(matter: Matter, message: str, *, status: int = 200, error: bool = False):
    if is_htmx() or status >= 400:
        return render("matters/detail.html", "matters/_support.html", status=status,
                      **detail_context(matter, support_message=message, support_error=error))
    flash(message, "error" if error else "success")
    return redirect(url_for("matters.detail", matter_id=matter.id), 303)


def _checked_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/<int:matter_id>/cosign")
@login_required
def cosign(matter_id: int):
    matter = visible_matter(matter_id)
    _checked_form()
    try:
        added = support.cosign(matter, current_user)
    except support.CosignRefused as exc:
        return _answer(matter, str(exc), status=409, error=True)
    message = (_("附议成功！您会收到这个议题的办理进展。") if added
               else _("您已经附议过这个议题了。"))
    return _answer(matter, message)


@bp.post("/<int:matter_id>/follow", endpoint="follow", defaults={"on": True})
@bp.post("/<int:matter_id>/unfollow", endpoint="unfollow", defaults={"on": False})
@login_required
def follow_or_unfollow(matter_id: int, on: bool):
    matter = visible_matter(matter_id)
    _checked_form()
    if on:
        follows.follow(matter, current_user.id)
        return _answer(matter, _("已关注。议题有进展时会通知您。"))
    follows.unfollow(matter, current_user.id)
    return _answer(matter, _("已取消关注。"))


def _split(name: str) -> tuple[str, bool]:
    key, thumb = (name[:-2], True) if name.endswith("_t") else (name, False)
    if not key.isalnum() or len(key) > 64:
        abort(404)
    return key, thumb


def _send(key: str, thumb: bool):
    return photos.send(key, thumb=thumb, max_age=PHOTO_MAX_AGE)


@bp.get("/<int:matter_id>/photos/<name>.jpg")
def photo(matter_id: int, name: str):
    matter = visible_matter(matter_id)
    key, thumb = _split(name)
    found = db.session.scalar(select(MatterPhoto.id).where(
        MatterPhoto.matter_id == matter.id, MatterPhoto.file_key == key))
    if found is None:
        abort(404)
    return _send(key, thumb)


@bp.get("/new/photos/<name>.jpg")
@login_required
def pending_photo(name: str):
    key, thumb = _split(name)
    kept = filing.pending_photos(request.args.get("t"), current_user.id)
    if key not in {p.key for p in kept}:
        abort(404)
    return _send(key, thumb)
