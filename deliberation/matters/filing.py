"""The filing form's photo handling and form set-up, kept out of the views.

Photos go through `core.photos.store_each` (content-checked, re-encoded, EXIF stripped, with no
write transaction open) as soon as they arrive, before the matter is written. When the form has
an error elsewhere, the photos already accepted are not lost: their generated keys travel back
in a hidden field, signed with the user's id, and are attached when the form finally succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..core import photos
from ..directory.models import Community
from ..extensions import db
from .forms import FilingForm, MatterForm
from .models import MatterPhoto
from .services import MAX_PHOTOS

CHECKED_FIELDS = ("title", "description", "category_id", "place")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="matters.pending-photos")


def pending_token(user_id: int, stored: list[photos.StoredPhoto]) -> str:
    return _serializer().dumps({"u": user_id, "p": [[p.key, p.width, p.height] for p in stored]})


def pending_photos(token: str | None, user_id: int) -> list[photos.StoredPhoto]:
    """Photos from a signed token that belong to `user_id`, exist, and are not attached yet."""
    if not token:
        return []
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return []
    if not isinstance(data, dict) or data.get("u") != user_id:
        return []
    found = [photos.StoredPhoto(k, w, h) for k, w, h in data.get("p", [])[:MAX_PHOTOS]
             if isinstance(k, str) and photos.exists(k)]
    if not found:
        return []
    taken = set(db.session.scalars(
        select(MatterPhoto.file_key).where(MatterPhoto.file_key.in_([p.key for p in found]))))
    return [p for p in found if p.key not in taken]


@dataclass
class Upload:
    kept: list[photos.StoredPhoto] = field(default_factory=list)
    new: list[photos.StoredPhoto] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[photos.StoredPhoto]:
        return self.kept + self.new

    def discard_new(self) -> None:
        for p in self.new:
            photos.discard(p.key)
        self.new = []


def receive_photos(form: FilingForm, user_id: int) -> Upload:
    """Keep the earlier photos the user left ticked and store this request's new ones."""
    ticked = set(request.form.getlist("keep_photo"))
    upload = Upload(kept=[p for p in pending_photos(form.pending_photos.data, user_id)
                          if p.key in ticked])
    files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    if len(upload.kept) + len(files) > MAX_PHOTOS:
        upload.errors.append(gettext("最多上传 %(n)d 张照片，这次选了 %(m)d 张，请少选几张。",
                                     n=MAX_PHOTOS, m=len(upload.kept) + len(files)))
        return upload
    upload.new, errors = photos.store_each([(f.stream, f.filename or "") for f in files])
    upload.errors.extend(errors)
    return upload


def categories() -> list[tuple[int, str]]:
    from ..directory.models import Category

    rows = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.id))
    return [(c.id, c.name) for c in rows]


def prepare(form: MatterForm, *, check: bool = False) -> None:
    """Choices from the database and, for filing, htmx inline validation on each field."""
    form.category_id.choices = categories()
    if hasattr(form, "channel") and hasattr(form.community_id, "choices"):
        communities = db.session.scalars(select(Community).order_by(Community.id))
        form.community_id.choices = [(0, gettext("— 请选择社区 —"))] + [
            (c.id, c.name) for c in communities]
    if check:
        for name in ("title", "description", "place"):
            f = form[name]
            f.render_kw = {**(f.render_kw or {}), **check_attributes(name, f.id)}


def check_attributes(name: str, field_id: str) -> dict[str, str]:
    return {"hx-post": url_for("matters.check", name=name), "hx-trigger": "change",
            "hx-target": f"#{field_id}-field", "hx-swap": "outerHTML"}
