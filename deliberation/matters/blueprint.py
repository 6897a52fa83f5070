"""The matters package's blueprints; their routes are in `views/` (each module's docstring
holds its URL table):

    /matters/...     matters      views/intake.py (file, list, read, edit, resubmit, withdraw),
                                  views/support.py (co-sign, follow, photos)
    /screening/...   screening    views/screening.py (the committee's 初审)
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("matters", __name__, url_prefix="/matters")
screening_bp = Blueprint("screening", __name__, url_prefix="/screening")


def register(app: Flask) -> None:
    from .views import intake, screening, support  # noqa: F401  (their routes join the blueprints)

    app.register_blueprint(bp)
    app.register_blueprint(screening_bp)
