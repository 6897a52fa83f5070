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

from tests import factories

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
AUTHOR = PROPOSER  # resident_a wrote the opinion
ORGANISERS = COMMITTEE_OR_STAFF  # chair_a chairs committee A and the meeting
LIVE_CHAIR = _statuses(403, 403, 200, 403, 403, 200, 200)  # a polled partial: no login redirect
IMPLEMENTER_OR_STAFF = STAFF  # the implementer's worker is not one of the matrix roles
GIVERS = _statuses(302, 403, 403, 403, 200, 403, 403)  # business association, organisations
GIVERS_OR_STAFF = _statuses(302, 403, 403, 403, 200, 200, 200)
RESIDENTS_OF_A = _statuses(302, 200, 200, 200, 200, 403, 403)  # staff and admin live nowhere
OWN_UPLOADS = _statuses(302, 404, 404, 404, 404, 404, 404)  # only with the uploader's token


def make_objects(world) -> dict:
    """A submitted matter; an accepted one with an opinion and a photo on each; a published,
    started meeting of committee A; a matter in progress with an implementer and a report photo.
    States are set directly where a meeting would have decided (test set-up only)."""
    import io
    from datetime import datetime, timedelta

    from PIL import Image

    from deliberation.core import photos
    from deliberation.core.time import utcnow
    from deliberation.extensions import db
    from deliberation.matters import workflow
    from deliberation.matters.models import MatterPhoto
    from deliberation.meetings import services as meetings
    from deliberation.opinions import services as opinions
    from deliberation.tracking import assignment, reports
    from deliberation.volunteers import services as volunteers
    from tests.tracking.conftest import add_implementer

    def jpeg() -> io.BytesIO:
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "JPEG")
        buffer.seek(0)
        return buffer

    matter = world.matter(world.resident_a)
    matter_photo = photos.store(jpeg(), "lamp.jpg")
    db.session.add(MatterPhoto(matter_id=matter.id, file_key=matter_photo.key,
                               width=matter_photo.width, height=matter_photo.height))
    accepted = world.matter(world.resident_a, title="小区门口加装路灯")
    workflow.accept(accepted, world.chair_a)
    opinion = opinions.post(accepted, world.resident_a, text="我支持尽快装上。", stance="for",
                            photo_key=photos.store(jpeg(), "gate.jpg").key)
    agenda = world.matter(world.resident_a2, title="楼道堆物清理")
    workflow.accept(agenda, world.chair_a)
    meeting = meetings.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会",
        starts_at=datetime(2026, 6, 1, 1, 0), place="社区活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    meetings.add_item(meeting, agenda, world.chair_a)
    meetings.publish(meeting, world.chair_a)
    meetings.start(meeting, world.chair_a)

    add_implementer(world)
    noticed = world.matter(world.resident_a2, title="垃圾分类点搬迁")
    factories.reach(noticed, "in_notice")
    noticed.decided_at = utcnow()
    working = world.matter(world.resident_a, title="健身器材维修")
    factories.reach(working, "in_progress")
    working.decided_at = utcnow()
    today = utcnow().date()
    assignment.assign(working, world.staff, organisation_id=world.extra["org"].id,
                      lead_id=world.extra["worker"].id, budget_cents=50_000,
                      due_on=today + timedelta(days=30),
                      phase_dues=assignment.default_phase_dates(today, today + timedelta(days=30)))
    report = reports.add_report(working, world.extra["worker"], body="已进场施工。", percent=30,
                                stored=reports.store_photos([(jpeg(), "work.jpg")]))
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    task = volunteers.open_task(working, world.extra["worker"], title="搬运器材", place="健身广场",
                                starts_at=start, ends_at=start + timedelta(hours=2), capacity=5)
    volunteers.sign_up(task, world.resident_a)
    volunteers.add_item(world.shop_owner, organisation_id=world.shop.id, name="大米 5 斤",
                        points_price=100, stock=5, collect_at="社工站服务大厅")
    db.session.commit()
    return {"task": task, "matter": matter, "matter_photo": matter_photo.key, "accepted": accepted,
            "opinion": opinion, "meeting": meeting, "noticed": noticed, "working": working,
            "report_photo": report.photos[0].file_key}


ACCESS: dict[str, tuple] = {
    # public
    "/": (lambda w, o: "/", PUBLIC),
    "/healthz": (lambda w, o: "/healthz", PUBLIC),
    "/readyz": (lambda w, o: "/readyz", PUBLIC),
    # accounts
    "/login": (lambda w, o: "/login", GUESTS),
    "/register": (lambda w, o: "/register", GUESTS),
    # a number proven in this session first (anonymous callers go back to /login/code)
    "/login/code": (lambda w, o: "/login/code", GUESTS),
    "/login/code/verify": (lambda w, o: "/login/code/verify", _statuses(302, 302, 302, 302, 302, 302, 302)),
    "/register/code": (lambda w, o: "/register/code", _statuses(302, 302, 302, 302, 302, 302, 302)),
    "/account/password": (lambda w, o: "/account/password", LOGGED_IN),
    "/staff/residents": (lambda w, o: "/staff/residents", STAFF),
    "/staff/residents/new": (lambda w, o: "/staff/residents/new", STAFF),
    "/staff/residents/<int:user_id>/reset": (
        lambda w, o: f"/staff/residents/{w.resident_a2.id}/reset", STAFF),
    "/residents/verify": (lambda w, o: "/residents/verify", COMMITTEE_OR_STAFF),
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
    # an htmx partial: anonymous callers get an empty box, not a login page swapped into it
    "/matters/new/similar": (lambda w, o: "/matters/new/similar?title=楼道灯", PUBLIC),
    "/matters/mine": (lambda w, o: "/matters/mine", LOGGED_IN),
    "/matters/<int:matter_id>": (lambda w, o: f"/matters/{o['matter'].id}", PUBLIC),
    "/matters/<int:matter_id>/edit": (lambda w, o: f"/matters/{o['matter'].id}/edit", PROPOSER),
    "/matters/<int:matter_id>/withdraw": (
        lambda w, o: f"/matters/{o['matter'].id}/withdraw", PROPOSER_OR_STAFF),
    # screening
    "/screening/": (lambda w, o: "/screening/", COMMITTEE_OR_STAFF),
    "/screening/<int:matter_id>": (lambda w, o: f"/screening/{o['matter'].id}", COMMITTEE_OF_A),
    "/matters/<int:matter_id>/photos/<name>.jpg": (
        lambda w, o: f"/matters/{o['matter'].id}/photos/{o['matter_photo']}.jpg", PUBLIC),
    "/matters/new/photos/<name>.jpg": (
        lambda w, o: f"/matters/new/photos/{o['matter_photo']}.jpg", OWN_UPLOADS),
    # notifications
    "/notifications/": (lambda w, o: "/notifications/", LOGGED_IN),
    "/notifications/settings": (lambda w, o: "/notifications/settings", LOGGED_IN),
    "/notifications/deliveries": (lambda w, o: "/notifications/deliveries", STAFF),
    "/notifications/unsubscribe/<token>": (lambda w, o: "/notifications/unsubscribe/forged", _statuses(
        404, 404, 404, 404, 404, 404, 404)),  # a valid token: test_delivery_pages.py
    # public board, statistics, exports, open data
    "/c/<int:community_id>": (lambda w, o: f"/c/{w.a.id}", PUBLIC),
    "/stats": (lambda w, o: "/stats", PUBLIC),
    "/c/<int:community_id>/stats": (lambda w, o: f"/c/{w.a.id}/stats", PUBLIC),
    "/notices/<int:matter_id>/print": (lambda w, o: f"/notices/{o['noticed'].id}/print", PUBLIC),
    "/exports": (lambda w, o: "/exports", STAFF),
    "/exports/<name>.csv": (lambda w, o: "/exports/matters.csv", STAFF),
    "/exports/<name>.xlsx": (lambda w, o: "/exports/matters.xlsx", STAFF),
    "/open/matters.json": (lambda w, o: "/open/matters.json", PUBLIC),
    "/open/decisions.atom": (lambda w, o: "/open/decisions.atom", PUBLIC),
    "/manifest.webmanifest": (lambda w, o: "/manifest.webmanifest", PUBLIC),
    # opinions
    "/matters/<int:matter_id>/opinions": (
        lambda w, o: f"/matters/{o['accepted'].id}/opinions", PUBLIC),
    "/matters/<int:matter_id>/opinions.csv": (
        lambda w, o: f"/matters/{o['accepted'].id}/opinions.csv", PUBLIC),
    "/matters/<int:matter_id>/opinions.xlsx": (
        lambda w, o: f"/matters/{o['accepted'].id}/opinions.xlsx", PUBLIC),
    "/matters/<int:matter_id>/opinions/summary": (
        lambda w, o: f"/matters/{o['accepted'].id}/opinions/summary", COMMITTEE_OF_A),
    "/opinions/<int:opinion_id>/edit": (lambda w, o: f"/opinions/{o['opinion'].id}/edit", AUTHOR),
    "/opinions/<int:opinion_id>/report": (
        lambda w, o: f"/opinions/{o['opinion'].id}/report", LOGGED_IN),
    "/opinions/<int:opinion_id>/photo/<name>.jpg": (
        lambda w, o: f"/opinions/{o['opinion'].id}/photo/{o['opinion'].photo_key}.jpg", PUBLIC),
    "/opinions/moderation": (lambda w, o: "/opinions/moderation", COMMITTEE_OF_A),
    # meetings
    "/meetings/": (lambda w, o: "/meetings/", PUBLIC),
    "/meetings/new": (lambda w, o: "/meetings/new", ORGANISERS),
    "/meetings/checkin": (lambda w, o: "/meetings/checkin", LOGGED_IN),
    "/meetings/<int:meeting_id>": (lambda w, o: f"/meetings/{o['meeting'].id}", PUBLIC),
    "/meetings/<int:meeting_id>/meeting.ics": (
        lambda w, o: f"/meetings/{o['meeting'].id}/meeting.ics", PUBLIC),
    "/meetings/<int:meeting_id>/minutes": (
        lambda w, o: f"/meetings/{o['meeting'].id}/minutes", PUBLIC),
    "/meetings/<int:meeting_id>/projector": (
        lambda w, o: f"/meetings/{o['meeting'].id}/projector", ORGANISERS),
    "/meetings/<int:meeting_id>/chair": (
        lambda w, o: f"/meetings/{o['meeting'].id}/chair", ORGANISERS),
    "/meetings/<int:meeting_id>/qr.svg": (
        lambda w, o: f"/meetings/{o['meeting'].id}/qr.svg", ORGANISERS),
    "/meetings/<int:meeting_id>/phone": (  # expected members only: committee A
        lambda w, o: f"/meetings/{o['meeting'].id}/phone", COMMITTEE_OF_A),
    "/meetings/<int:meeting_id>/live/<view>": (
        lambda w, o: f"/meetings/{o['meeting'].id}/live/chair", LIVE_CHAIR),
    "/meetings/rules/<int:body_id>": (lambda w, o: f"/meetings/rules/{w.committee_a.id}", STAFF),
    # tracking: the lists, then one matter in progress
    "/progress": (lambda w, o: "/progress", PUBLIC),
    "/resources": (lambda w, o: "/resources", PUBLIC),
    "/resources/new": (lambda w, o: "/resources/new", GIVERS_OR_STAFF),
    "/supervision": (lambda w, o: "/supervision", STAFF),
    "/tracking/<int:matter_id>/assign": (lambda w, o: f"/tracking/{o['working'].id}/assign", STAFF),
    "/tracking/<int:matter_id>/pledge": (lambda w, o: f"/tracking/{o['working'].id}/pledge", GIVERS),
    "/tracking/<int:matter_id>/report": (
        lambda w, o: f"/tracking/{o['working'].id}/report", IMPLEMENTER_OR_STAFF),
    "/tracking/<int:matter_id>/spending": (
        lambda w, o: f"/tracking/{o['working'].id}/spending", IMPLEMENTER_OR_STAFF),
    "/tracking/<int:matter_id>/done": (
        lambda w, o: f"/tracking/{o['working'].id}/done", IMPLEMENTER_OR_STAFF),
    "/tracking/<int:matter_id>/resume": (
        lambda w, o: f"/tracking/{o['working'].id}/resume", IMPLEMENTER_OR_STAFF),
    "/tracking/<int:matter_id>/ledger": (lambda w, o: f"/tracking/{o['working'].id}/ledger", PUBLIC),
    "/tracking/<int:matter_id>/rate": (
        lambda w, o: f"/tracking/{o['working'].id}/rate", RESIDENTS_OF_A),
    "/tracking/<int:matter_id>/close": (lambda w, o: f"/tracking/{o['working'].id}/close", STAFF),
    "/tracking/<int:matter_id>/decide": (lambda w, o: f"/tracking/{o['working'].id}/decide", STAFF),
    "/tracking/photos/<key>": (lambda w, o: f"/tracking/photos/{o['report_photo']}", PUBLIC),
    "/tracking/photos/<key>/thumb": (
        lambda w, o: f"/tracking/photos/{o['report_photo']}/thumb", PUBLIC),
    # volunteers and the points shop
    "/volunteers/matters/<int:matter_id>/tasks/new": (
        lambda w, o: f"/volunteers/matters/{o['working'].id}/tasks/new", IMPLEMENTER_OR_STAFF),
    "/volunteers/tasks/<int:task_id>": (lambda w, o: f"/volunteers/tasks/{o['task'].id}", PUBLIC),
    "/volunteers/points": (lambda w, o: "/volunteers/points", LOGGED_IN),
    "/volunteers/certificate": (lambda w, o: "/volunteers/certificate", LOGGED_IN),
    "/open/volunteers.json": (lambda w, o: "/open/volunteers.json", PUBLIC),
    "/volunteers/shop": (lambda w, o: "/volunteers/shop", PUBLIC),
    "/volunteers/shop/new": (lambda w, o: "/volunteers/shop/new", GIVERS_OR_STAFF),
    "/volunteers/handover": (lambda w, o: "/volunteers/handover", GIVERS_OR_STAFF),  # givers of a prize
    "/volunteers/adjust": (lambda w, o: "/volunteers/adjust", STAFF),
}


def get_rules(app) -> list[str]:
    """Every GET route of the app except static files."""
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if "GET" in r.methods and r.endpoint != "static"})


def urls(app, world, objs) -> list[str]:
    """One concrete URL per GET route (for crawlers: the XSS and parameter tests)."""
    return [ACCESS[rule][0](world, objs) for rule in get_rules(app) if rule in ACCESS]
