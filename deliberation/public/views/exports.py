"""CSV and Excel exports for station staff (the registry is `public/exports.py`).

URL table:
    /exports                 public.exports        the list (staff)
    /exports/<name>.csv      public.export_csv     one export (staff)
    /exports/<name>.xlsx     public.export_xlsx    the same rows as an Excel workbook (staff)
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from ...core import xlsx
from ...core.time import utcnow
from ..blueprint import bp
from ..exports import REGISTRY, lines


def _staff_only() -> None:
    if not current_user.is_staff:
        abort(403)


@bp.get("/exports")
@login_required
def exports():
    _staff_only()
    return render_template("public/exports.html", exports=list(REGISTRY.values()))


@bp.get("/exports/<name>.csv")
@login_required
def export_csv(name: str):
    _staff_only()
    export = REGISTRY.get(name)
    if export is None:
        abort(404)
    stamp = utcnow().strftime("%Y%m%d")
    # Built whole inside the request: a failure is a 500, never a silently truncated file.
    response = Response("".join(lines(export)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<name>.xlsx")
@login_required
def export_xlsx(name: str):
    """The CSV's rows in a workbook: LibreOffice opens it right without an import dialog."""
    _staff_only()
    export = REGISTRY.get(name)
    if export is None:
        abort(404)
    stamp = utcnow().strftime("%Y%m%d")
    response = Response(xlsx.workbook(str(export.label), export.header, export.rows()),
                        mimetype=xlsx.MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


