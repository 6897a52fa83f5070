"""What the meetings views share: find a meeting the reader may see, run a service turning its
refusals into a message (or a 403), and check a confirmation form."""

from __future__ import annotations

from flask import abort, flash
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..core import errors
from ..extensions import db
from .models import Meeting


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.can_see(current_user):
        abort(404)
    return meeting


def run(action, *args, **kwargs):
    """Call a service; refusals become a flash message, permission refusals a 403."""
    try:
        return True, action(*args, **kwargs)
    except errors.Forbidden:
        abort(403)
    except errors.ActionError as exc:
        flash(str(exc), "error")
        return False, None


def confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)
