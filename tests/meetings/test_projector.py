"""Issue 15 item 17: the projector is a clean full-screen view with the check-in QR and code."""

from __future__ import annotations

from .conftest import accepted_matter


def test_projector_has_no_site_chrome_and_shows_the_qr(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world))
    chair = login(world.chair_a)
    html = chair.get(f"/meetings/{meeting.id}/projector").get_data(as_text=True)
    assert "<nav" not in html and 'class="bell"' not in html
    assert "已登录" not in html and "退出登录" not in html and "需求清单" not in html
    assert f'src="/meetings/{meeting.id}/qr.svg"' in html
    assert meeting.checkin_code in html and meeting.title in html
    # The polled partial keeps the QR too.
    live = chair.get(f"/meetings/{meeting.id}/live/projector").get_data(as_text=True)
    assert f'src="/meetings/{meeting.id}/qr.svg"' in live and meeting.checkin_code in live
    qr = chair.get(f"/meetings/{meeting.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<path" in qr.data


def test_projector_stays_for_organisers_only(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world))
    assert login(world.member_a).get(f"/meetings/{meeting.id}/projector").status_code == 403
