"""The tracking blueprint and what it gives every template (the matter page's section)."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import current_user

bp = Blueprint("tracking", __name__)


def tracking_section(matter):
    """The matter page's implementation section (see templates/tracking/_matter_section.html)."""
    from .services import ADOPTED_STATES, section

    if matter.status not in ADOPTED_STATES:
        return None  # nothing to carry out yet: spare the queries
    return section(matter, current_user)


@bp.app_template_global()
def tracking_rate_form():
    from .forms import RateForm

    return RateForm()


@bp.app_template_filter("yuan")
def yuan(cents: int | None) -> str:
    """12345 → '123.45'; whole yuan without decimals."""
    cents = int(cents or 0)
    whole, part = divmod(cents, 100)
    return f"{whole:,}" if part == 0 else f"{whole:,}.{part:02d}"


def register(app: Flask) -> None:
    from .views import lists, work  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
