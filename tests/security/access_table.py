"""Who may open which page: the expected status of every GET route for every role.

`test_route_matrix.py` fails when a GET route in the URL map has no row here, so whoever adds
a route declares its access in the same change. Keys are Flask rule strings; the value is
(url builder, expected statuses). A builder gets the `tests.factories.World` and `objs`, a dict
of ready-made objects (see `make_objects`): `objs["matter"]` is a submitted matter filed by
world.resident_a in community A. Add objects there when your routes need them.

Roles (world.roles()): anonymous, resident (resident_a, the matter's proposer), committee
(chair_a of A's committee), council (federation member), business (shop owner), staff, admin.
"""

from __future__ import annotations

ROLES = ("anonymous", "resident", "committee", "council", "business", "staff", "admin")


def _statuses(anonymous, resident, committee, council, business, staff, admin) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, resident, committee, council, business, staff, admin),
                    strict=True))


PUBLIC = _statuses(200, 200, 200, 200, 200, 200, 200)
LOGGED_IN = _statuses(302, 200, 200, 200, 200, 200, 200)
GUESTS = _statuses(200, 302, 302, 302, 302, 302, 302)  # login/register send members home
STAFF = _statuses(302, 403, 403, 403, 403, 200, 200)
PROPOSER = _statuses(302, 200, 403, 403, 403, 403, 403)
PROPOSER_OR_STAFF = _statuses(302, 200, 403, 403, 403, 200, 200)  # staff file for residents too
COMMITTEE_OR_STAFF = _statuses(302, 403, 200, 403, 403, 200, 200)
COMMITTEE_OF_A = _statuses(302, 403, 200, 403, 403, 403, 403)


def make_objects(world) -> dict:
    return {"matter": world.matter(world.resident_a)}


ACCESS: dict[str, tuple] = {
    # public
    "/": (lambda w, o: "/", PUBLIC),
    "/healthz": (lambda w, o: "/healthz", PUBLIC),
    # accounts
    "/login": (lambda w, o: "/login", GUESTS),
    "/register": (lambda w, o: "/register", GUESTS),
    "/account/password": (lambda w, o: "/account/password", LOGGED_IN),
    "/staff/residents": (lambda w, o: "/staff/residents", STAFF),
    "/staff/residents/new": (lambda w, o: "/staff/residents/new", STAFF),
    "/staff/residents/<int:user_id>/reset": (
        lambda w, o: f"/staff/residents/{w.resident_a2.id}/reset", STAFF),
    # directory (admin)
    "/admin/": (lambda w, o: "/admin/", STAFF),
    "/admin/street": (lambda w, o: "/admin/street", STAFF),
    "/admin/<kind>/": (lambda w, o: "/admin/bodies/", STAFF),
    "/admin/<kind>/new": (lambda w, o: "/admin/organisations/new", STAFF),
    "/admin/<kind>/<int:obj_id>/edit": (lambda w, o: f"/admin/communities/{w.a.id}/edit", STAFF),
    "/admin/bodies/<int:body_id>/members": (
        lambda w, o: f"/admin/bodies/{w.committee_a.id}/members", STAFF),
    "/admin/organisations/<int:org_id>/members": (
        lambda w, o: f"/admin/organisations/{w.shop.id}/members", STAFF),
    # matters
    "/matters/": (lambda w, o: "/matters/", PUBLIC),
    "/matters/new": (lambda w, o: "/matters/new", LOGGED_IN),
    "/matters/mine": (lambda w, o: "/matters/mine", LOGGED_IN),
    "/matters/<int:matter_id>": (lambda w, o: f"/matters/{o['matter'].id}", PUBLIC),
    "/matters/<int:matter_id>/edit": (lambda w, o: f"/matters/{o['matter'].id}/edit", PROPOSER),
    "/matters/<int:matter_id>/withdraw": (
        lambda w, o: f"/matters/{o['matter'].id}/withdraw", PROPOSER_OR_STAFF),
    # screening
    "/screening/": (lambda w, o: "/screening/", COMMITTEE_OR_STAFF),
    "/screening/<int:matter_id>": (lambda w, o: f"/screening/{o['matter'].id}", COMMITTEE_OF_A),
    # notifications
    "/notifications/": (lambda w, o: "/notifications/", LOGGED_IN),
}


def get_rules(app) -> list[str]:
    """Every GET route of the app except static files."""
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if "GET" in r.methods and r.endpoint != "static"})


def urls(app, world, objs) -> list[str]:
    """One concrete URL per GET route (for crawlers: the XSS and parameter tests)."""
    return [ACCESS[rule][0](world, objs) for rule in get_rules(app) if rule in ACCESS]
