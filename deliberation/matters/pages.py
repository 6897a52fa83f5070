"""What every page about a matter needs, for the views of any package: find the matter (404
when the reader may not see it) and the matter page's context, with the stages' sections."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..core import audit
from ..extensions import db
from . import spine, support
from .models import Matter


def get_matter(matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    return matter


def visible_matter(matter_id: int) -> Matter:
    """The matter if the current user may see it: public matters to all, the rest to insiders."""
    matter = get_matter(matter_id)
    if not matter.is_public and not _insider(matter):
        abort(404)
    return matter


def _insider(matter: Matter) -> bool:
    u = current_user
    return matter.is_overseen_by(u) or (
        u.is_authenticated and u.id in (matter.proposer_id, matter.filed_by_id))


def support_context(matter: Matter) -> dict:
    """What the co-sign box, the photos and the supporters list need."""
    insider = matter.is_overseen_by(current_user)
    hidden = support.anonymous_supporters(matter) if not insider else set()
    names = []
    for cosign, user in support.cosigners(matter):
        if user.id in hidden:
            names.append((_("匿名居民"), cosign.created_at))
        else:
            names.append((user.display_name if insider else support.public_name(user.display_name),
                          cosign.created_at))
    return {
        "cosign_problem": support.cosign_problem(matter, current_user),
        "has_cosigned": support.has_cosigned(matter, current_user),
        "following": support.is_following(matter, current_user),
        "cosigners": names,
        "support_form": ConfirmForm(),
    }


def detail_context(matter: Matter, **extra) -> dict:
    """The matter page's context. `extra` carries what a refused form kept (shown again);
    each stage's section gets it too, and answers None when it has nothing to show."""
    entries = audit.timeline("matter", matter.id, include_internal=matter.is_overseen_by(current_user))
    context = {"matter": matter, "entries": entries, "confirm_form": ConfirmForm(),
               **support_context(matter), **extra}
    data = {s.name: d for s in spine.sections() if (d := s.context(matter, context)) is not None}
    context["section_data"] = data  # each stage's partial reads its own entry
    context["sections"] = [s.template for s in spine.sections() if s.name in data]
    return context
