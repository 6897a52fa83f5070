"""Filing a matter from a phone: one form, photos, inline checks, no duplicates, 代录."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from deliberation.core import audit, photos
from deliberation.extensions import db
from deliberation.matters.models import Matter, MatterPhoto
from tests.parallel import together
from tests.test_photos import jpeg_with_gps


def form_token(client, url="/matters/new") -> dict:
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html).group(1)
    community = re.search(r'name="community_id" type="hidden" value="([^"]*)"', html)
    return {"submit_token": token, **({"community_id": community.group(1)} if community else {})}


def filing(world, client, **override) -> dict:
    data = {"title": "5 栋楼道灯坏了", "description": "一到三楼都不亮，晚上老人下楼很危险。",
            "category_id": str(world.categories[0].id), "place": "5 栋 2 单元",
            **form_token(client)}
    data.update(override)
    return data


def count_matters() -> int:
    return db.session.scalar(select(func.count()).select_from(Matter))


def test_form_is_one_screen_with_big_choices_camera_and_album(world, login):
    html = login(world.resident_a).get("/matters/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/*" capture="environment"' in html  # take a photo now
    assert re.search(r'accept="image/\*" multiple', html)  # or pick several from the album
    assert html.count('class="choice"') == len(world.categories)
    assert "对外不显示我的名字" in html
    assert 'hx-post="/matters/new/check/title"' in html  # inline validation with htmx


def test_resident_files_a_matter_and_is_redirected_to_it(world, login):
    c = login(world.resident_a)
    response = c.post_form("/matters/new", filing(world, c))
    assert response.status_code == 302
    matter = db.session.scalar(select(Matter))
    assert response.headers["Location"].endswith(f"/matters/{matter.id}")
    assert (matter.community_id, matter.proposer_id, matter.channel) == (
        world.a.id, world.resident_a.id, "online")
    assert [e.action for e in audit.timeline("matter", matter.id)] == ["file"]
    page = c.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "议题已提交" in page and "5 栋楼道灯坏了" in page


@pytest.mark.parametrize(("override", "message"), [
    ({"title": ""}, "请写一个标题"),
    ({"title": "灯" * 5000}, "标题不能超过 60 个字"),
    ({"category_id": "999999"}, "请选择列表中的分类"),
    ({"category_id": ""}, "请选择一个分类"),
    ({"description": ""}, "请说明具体情况"),
])
def test_bad_text_input_gives_a_clear_error_and_keeps_what_was_typed(world, login, override,
                                                                      message):
    c = login(world.resident_a)
    data = filing(world, c, **override)
    response = c.post_form("/matters/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请按下面的提示修改" in html
    assert message in html
    assert "一到三楼都不亮" in html or override.get("description") == ""  # nothing lost
    assert "5 栋 2 单元" in html
    assert count_matters() == 0


def test_another_communitys_id_is_refused(world, login):
    c = login(world.resident_a)
    response = c.post_form("/matters/new", filing(world, c, community_id=str(world.b.id)))
    assert response.status_code == 422
    assert "只能为您所在的社区（幸福社区）提议" in response.get_data(as_text=True)
    assert count_matters() == 0


def test_pdf_renamed_jpg_and_oversized_image_are_refused_and_text_kept(world, login):
    c = login(world.resident_a)
    data = filing(world, c)
    data["photos"] = [(io.BytesIO(b"%PDF-1.7\n1 0 obj <<>> endobj\n"), "scan.jpg"),
                      (io.BytesIO(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 10)), "huge.jpg")]
    response = c.post_form("/matters/new", data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“scan.jpg”不是 JPEG、PNG 或 WebP 照片" in html
    assert "超过 10 MB" in html
    assert "一到三楼都不亮" in html and "5 栋楼道灯坏了" in html
    assert count_matters() == 0


def test_photos_are_stripped_of_exif_and_attached(world, login):
    c = login(world.resident_a)
    data = filing(world, c)
    data["photos"] = [(io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg"),
                      (io.BytesIO(jpeg_with_gps(800, 600)), "IMG_0002.jpg")]
    response = c.post_form("/matters/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    matter = db.session.scalar(select(Matter))
    assert [(p.width, p.height, p.position) for p in matter.photos] == [(1600, 1067, 0),
                                                                      (800, 600, 1)]
    served = c.get(f"/matters/{matter.id}/photos/{matter.photos[0].file_key}.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif() and b"PhoneMaker" not in served.data
    thumb = c.get(f"/matters/{matter.id}/photos/{matter.photos[0].file_key}_t.jpg")
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 400


def test_more_than_six_photos_are_refused(world, login):
    c = login(world.resident_a)
    data = filing(world, c)
    data["photos"] = [(io.BytesIO(jpeg_with_gps(20, 20)), f"p{i}.jpg") for i in range(7)]
    response = c.post_form("/matters/new", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "最多上传 6 张照片" in response.get_data(as_text=True)
    assert count_matters() == 0


def test_good_photos_survive_an_error_elsewhere_in_the_form(world, login):
    c = login(world.resident_a)
    data = filing(world, c, title="")
    data["photos"] = [(io.BytesIO(jpeg_with_gps(300, 200)), "ok.jpg")]
    html = c.post_form("/matters/new", data, content_type="multipart/form-data").get_data(as_text=True)
    key = re.search(r'name="keep_photo" value="([0-9a-f]+)"', html).group(1)
    token = re.search(r'name="pending_photos" type="hidden" value="([^"]+)"', html).group(1)
    assert c.get(f"/matters/new/photos/{key}_t.jpg?t={token}").status_code == 200
    # another user cannot see the kept photo, even with the token
    assert login(world.resident_a2).get(f"/matters/new/photos/{key}_t.jpg?t={token}").status_code == 404

    retry = filing(world, c, submit_token=data["submit_token"], pending_photos=token,
                   keep_photo=key)
    assert c.post_form("/matters/new", retry).status_code == 302
    assert db.session.scalar(select(MatterPhoto.file_key)) == key


def test_double_tap_with_the_same_form_makes_one_matter(world, login):
    c = login(world.resident_a)
    data = filing(world, c)
    first = c.post_form("/matters/new", data)
    second = c.post_form("/matters/new", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count_matters() == 1


def test_parallel_submissions_of_one_form_make_one_matter(world, login):
    clients = [login(world.resident_a) for _ in range(4)]
    data = filing(world, clients[0])
    db.session.commit()
    results = together(clients, lambda c: c.post_form("/matters/new", dict(data)))
    assert [r.status_code for r in results] == [302] * len(clients)
    assert len({r.headers["Location"] for r in results}) == 1
    db.session.expire_all()
    assert count_matters() == 1


def test_a_token_from_someone_elses_form_is_not_reused(world, login):
    a = login(world.resident_a)
    data = filing(world, a)
    a.post_form("/matters/new", data)
    other = login(world.resident_a2)
    response = other.post_form("/matters/new", dict(data))
    assert response.status_code == 422
    assert "这张表单已经用过了" in response.get_data(as_text=True)


def test_inline_check_returns_only_the_field_partial(world, login):
    c = login(world.resident_a)
    response = c.post_form("/matters/new/check/title", {"title": "灯" * 61, "description": ""},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="field has-error" id="title-field">')
    assert "标题不能超过 60 个字" in html
    assert "请说明具体情况" not in html  # other fields' errors stay out of this partial
    assert "<html" not in html
    ok = c.post_form("/matters/new/check/title", {"title": "路灯坏了"}).get_data(as_text=True)
    assert "has-error" not in ok and 'value="路灯坏了"' in ok
    category = c.post_form("/matters/new/check/category_id", {}).get_data(as_text=True)
    assert 'id="category-field"' in category and "请选择一个分类" in category
    assert c.post_form("/matters/new/check/password", {}).status_code == 404


def test_staff_file_on_behalf_of_a_known_resident(world, login):
    c = login(world.staff)
    html = c.get("/matters/new").get_data(as_text=True)
    for channel in ("上门走访", "电话", "线下议事会", "意见箱"):
        assert channel in html
    data = filing(world, c, channel="phone", resident_phone=world.resident_b.phone,
                  community_id="0", hide_name="y")
    assert c.post_form("/matters/new", data).status_code == 302
    matter = db.session.scalar(select(Matter))
    assert (matter.proposer_id, matter.filed_by_id, matter.community_id, matter.channel) == (
        world.resident_b.id, world.staff.id, world.b.id, "phone")
    assert [e.action for e in audit.timeline("matter", matter.id)] == ["file_on_behalf"]
    # the resident hears about it: they follow their matter
    from deliberation.matters.follows import followers
    assert world.resident_b.id in followers(matter)


def test_staff_file_for_an_unknown_resident_in_a_chosen_community(world, login):
    c = login(world.staff)
    data = filing(world, c, channel="suggestion_box", community_id=str(world.a.id))
    assert c.post_form("/matters/new", data).status_code == 302
    matter = db.session.scalar(select(Matter))
    assert (matter.proposer_id, matter.community_id, matter.channel) == (None, world.a.id,
                                                                       "suggestion_box")
    assert "居民（代录）" in login(world.resident_a2).get(f"/matters/{matter.id}").get_data(as_text=True)


@pytest.mark.parametrize(("override", "message"), [
    ({"channel": ""}, "请选择这件事是通过什么渠道收集的"),
    ({"channel": "visit", "community_id": "0"}, "请选择议题所在的社区"),
    ({"channel": "visit", "resident_phone": "13999999999"}, "没有找到这个手机号的居民账号"),
    ({"channel": "visit", "resident_phone": "PLACEHOLDER_B", "community_id": "A"},
     "这位居民属于和平社区，与所选社区不一致"),
])
def test_staff_filing_errors(world, login, override, message):
    c = login(world.staff)
    if override.get("resident_phone") == "PLACEHOLDER_B":
        override = {**override, "resident_phone": world.resident_b.phone,
                    "community_id": str(world.a.id)}
    response = c.post_form("/matters/new", filing(world, c, **override))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_matters() == 0


def test_residents_cannot_file_as_staff(world, login):
    c = login(world.resident_a)
    c.post_form("/matters/new", filing(world, c, channel="phone",
                                       resident_phone=world.resident_a2.phone))
    matter = db.session.scalar(select(Matter))
    assert (matter.channel, matter.proposer_id) == ("online", world.resident_a.id)


def test_filing_needs_login(client):
    response = client.get("/matters/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
