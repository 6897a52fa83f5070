"""Issue 15, item 3: an upload decodes its photos with no write transaction open.

While Pillow works on a resident's photo (held here on an Event), a neighbour's co-sign on
another connection commits and answers; then the upload finishes and its photo is attached.
On SQLite the upload used to hold BEGIN IMMEDIATE the whole time, so the co-sign waited out the
busy timeout and failed with "database is locked". A request that fails after storing its
photos deletes them again.
"""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from deliberation.core import photos
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.models import Cosign, Matter, MatterPhoto
from deliberation.matters.states import MatterState
from deliberation.opinions.models import Opinion
from deliberation.tracking.models import ProgressReport, ReportPhoto, Spending
from tests.test_photos import FILED_TITLE, filing_with_photo, jpeg_with_gps
from tests.tracking.conftest import add_implementer, assign, put_in


def _photo() -> tuple[io.BytesIO, str]:
    return io.BytesIO(jpeg_with_gps(800, 600)), "IMG_0001.jpg"


def _filing(world):
    data = filing_with_photo(world, "lock-test-token-0123456789")

    def attached() -> bool:
        matter = db.session.scalar(select(Matter).where(Matter.title == FILED_TITLE))
        return matter is not None and db.session.scalar(
            select(func.count()).select_from(MatterPhoto).where(MatterPhoto.matter_id == matter.id)) == 1

    return world.resident_a, "/matters/new", data, 302, attached


def _working(world) -> Matter:
    add_implementer(world)
    matter = put_in(world.matter(title="健身器材维修"), MatterState.IN_PROGRESS)
    assign(matter, world)
    return matter


def _report(world):
    matter = _working(world)

    def attached() -> bool:
        return db.session.scalar(select(func.count()).select_from(ReportPhoto).join(ProgressReport)
                                 .where(ProgressReport.matter_id == matter.id)) == 1

    data = {"body": "已进场施工。", "percent": "30", "photos": _photo()}
    return world.extra["worker"], f"/tracking/{matter.id}/report", data, 302, attached


def _receipt(world):
    matter = _working(world)

    def attached() -> bool:
        return db.session.scalar(select(Spending.receipt_key)
                                 .where(Spending.matter_id == matter.id)) is not None

    data = {"amount": "120", "what": "油漆", "spent_on": utcnow().date().isoformat(),
            "receipt": _photo()}
    return world.extra["worker"], f"/tracking/{matter.id}/spending", data, 302, attached


def _opinion(world):
    matter = world.matter(title="小区加装电梯")
    matter.state = MatterState.ACCEPTED.value
    db.session.commit()

    def attached() -> bool:
        return db.session.scalar(select(Opinion.photo_key)
                                 .where(Opinion.matter_id == matter.id)) is not None

    data = {"stance": "for", "text": "赞成，楼里老人多。", "photo": _photo()}
    return world.resident_a, f"/matters/{matter.id}/opinions", data, 303, attached


UPLOADS = {"filing": _filing, "report": _report, "receipt": _receipt, "opinion": _opinion}


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_a_cosign_commits_while_an_upload_is_decoding(app, world, login, monkeypatch, kind):
    uploader, url, data, expected, attached = UPLOADS[kind](world)
    target_id = world.matter(title="路灯不亮").id
    neighbour = login(world.resident_a2)
    client = login(uploader)
    data["csrf_token"] = client.csrf_token()

    decoding, release = threading.Event(), threading.Event()
    real_store = photos.store

    def held_store(stream, filename=""):
        decoding.set()
        assert release.wait(30), "the test never let the decode finish"
        return real_store(stream, filename)

    monkeypatch.setattr(photos, "store", held_store)
    answer: dict = {}
    upload = threading.Thread(target=lambda: answer.update(
        r=client.post(url, data=data, content_type="multipart/form-data")))
    upload.start()
    try:
        assert decoding.wait(10), "the upload never reached the decode"
        cosigned = neighbour.post_form(f"/matters/{target_id}/cosign")
        assert not release.is_set()  # answered while the photo was still being decoded
        assert cosigned.status_code == 303, cosigned.get_data(as_text=True)[:300]
    finally:
        release.set()
        upload.join(30)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Cosign)
                             .where(Cosign.matter_id == target_id)) == 1
    assert answer["r"].status_code == expected, answer["r"].get_data(as_text=True)[:500]
    assert attached()


def test_a_failed_request_deletes_the_photos_it_stored(app, world, login, monkeypatch):
    """Photos are stored before the write transaction: if that transaction then fails, they
    go at once (anything else unattached is left to `prune-photos`)."""
    from deliberation.matters import services

    def broken(**_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "file_matter", broken)
    _, url, data, _, _ = _filing(world)
    client = login(world.resident_a)
    before = _stored()
    with pytest.raises(RuntimeError):
        client.post_form(url, data, content_type="multipart/form-data")
    assert _stored() == before


def test_spending_refused_after_storing_deletes_the_receipt(app, world, login):
    """The date is checked in the write transaction, after the receipt was stored."""
    matter = _working(world)
    client = login(world.extra["worker"])
    before = _stored()
    response = client.post_form(f"/tracking/{matter.id}/spending", {
        "amount": "120", "what": "油漆", "spent_on": (date.today() + timedelta(days=30)).isoformat(),
        "receipt": _photo()}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "支出日期不能晚于今天" in response.get_data(as_text=True)
    assert _stored() == before


def _stored() -> set[str]:
    from deliberation.core.storage import storage

    return {e.name for e in storage().entries()}
