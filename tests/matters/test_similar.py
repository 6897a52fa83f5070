"""Similar open matters while filing (/matters/new/similar): the title's pieces matched by the
needs list's search, the filer's community only, open matters only, a few, names masked."""

from __future__ import annotations

import re

from deliberation.extensions import db
from deliberation.matters import workflow

URL = "/matters/new/similar"


def _titles(html: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", html)


def test_matching_open_matters_of_the_residents_community_with_a_cosign_button(world, login):
    lamp = world.matter(world.resident_a2, title="5 栋楼道灯坏了")
    world.matter(world.resident_a2, title="小区垃圾桶太少")
    html = login(world.resident_a).get(URL, query_string={"title": "3栋楼道灯不亮"}).get_data(as_text=True)
    assert _titles(html) == ["5 栋楼道灯坏了"]
    assert 'id="similar"' in html and "这些议题可能是同一件事" in html
    assert f'formaction="/matters/{lamp.id}/cosign"' in html and 'form="similar-cosign"' in html


def test_the_button_is_a_real_cosign(world, login):
    lamp = world.matter(world.resident_a2, title="5 栋楼道灯坏了")
    c = login(world.resident_a)
    page = c.get("/matters/new").get_data(as_text=True)
    form = re.search(r'<form method="post" action="[^"]*" id="similar-cosign" hidden>\s*'
                     r'<input type="hidden" name="csrf_token" value="([^"]+)">', page)
    assert form, "the filing page has no co-sign form for the suggestions"
    r = c.post(f"/matters/{lamp.id}/cosign", data={"csrf_token": form.group(1)})
    assert r.status_code == 303
    db.session.refresh(lamp)
    assert lamp.cosign_count == 1
    html = c.get(URL, query_string={"title": "楼道灯坏"}).get_data(as_text=True)
    assert "您已附议这个议题。" in html and "formaction" not in html


def test_other_communities_never_show_even_when_asked_for(world, login):
    world.matter(world.resident_b, title="5 栋楼道灯坏了")
    c = login(world.resident_a)
    for args in ({"title": "楼道灯坏了"}, {"title": "楼道灯坏了", "community_id": str(world.b.id)}):
        assert _titles(c.get(URL, query_string=args).get_data(as_text=True)) == []
    assert _titles(login(world.resident_b).get(URL, query_string={"title": "楼道灯坏了"})
                   .get_data(as_text=True)) == ["5 栋楼道灯坏了"]


def test_staff_filing_on_behalf_see_the_chosen_community(world, login):
    world.matter(world.resident_b, title="5 栋楼道灯坏了")
    c = login(world.staff)
    assert _titles(c.get(URL, query_string={"title": "楼道灯坏了", "community_id": str(world.b.id)})
                   .get_data(as_text=True)) == ["5 栋楼道灯坏了"]
    in_a = {"title": "楼道灯坏了", "community_id": str(world.a.id)}
    assert _titles(c.get(URL, query_string=in_a).get_data(as_text=True)) == []
    in_b = {"title": "楼道灯坏了", "community_id": str(world.b.id)}
    assert "formaction" not in c.get(URL, query_string=in_b).get_data(as_text=True)  # staff do not co-sign


def test_only_open_matters_and_at_most_five(world, login):
    made = [world.matter(world.resident_a2, title=f"楼道灯坏了第{i}处") for i in range(7)]
    workflow.reject(made[0], world.chair_a, reason="重复")
    withdrawn = made[1]
    workflow.withdraw(withdrawn, world.resident_a2, reason="")
    db.session.commit()
    html = login(world.resident_a).get(URL, query_string={"title": "楼道灯坏了"}).get_data(as_text=True)
    titles = _titles(html)
    assert len(titles) == 5
    assert "楼道灯坏了第0处" not in titles and "楼道灯坏了第1处" not in titles


def test_hidden_names_stay_masked_and_own_matters_have_no_button(world, login):
    world.matter(world.resident_a2, title="楼下广场舞太吵", hide_name=True)
    own = world.matter(world.resident_a, title="楼下广场舞晚上十点后还在跳")
    html = login(world.resident_a).get(URL, query_string={"title": "广场舞太吵"}).get_data(as_text=True)
    assert set(_titles(html)) == {"楼下广场舞太吵", "楼下广场舞晚上十点后还在跳"}
    assert "李大爷" not in html and "匿名居民" in html
    assert f'formaction="/matters/{own.id}/cosign"' not in html


def test_anonymous_and_too_short_titles_get_an_empty_box(world, login, client):
    world.matter(world.resident_a2, title="5 栋楼道灯坏了")
    r = client.get(URL, query_string={"title": "楼道灯坏了"})
    assert r.status_code == 200 and 'id="similar"' in r.get_data(as_text=True)
    assert _titles(r.get_data(as_text=True)) == []
    c = login(world.resident_a)
    assert _titles(c.get(URL, query_string={"title": "灯"}).get_data(as_text=True)) == []


def test_filing_page_asks_for_suggestions_while_typing(world, login):
    html = login(world.resident_a).get("/matters/new").get_data(as_text=True)
    box = re.search(r'<div id="similar"[^>]*>', html).group(0)
    assert 'hx-get="/matters/new/similar"' in box
    assert 'hx-trigger="input delay:500ms from:#filing-form target:#title"' in box
    assert 'id="filing-form"' in html


def test_without_javascript_the_reshown_form_lists_them(world, login):
    world.matter(world.resident_a2, title="5 栋楼道灯坏了")
    c = login(world.resident_a)
    r = c.post_form("/matters/new", {"title": "楼道灯坏了没人修", "description": "",
                                     "category_id": str(world.categories[0].id)})
    assert r.status_code == 422
    assert "5 栋楼道灯坏了" in _titles(r.get_data(as_text=True))
