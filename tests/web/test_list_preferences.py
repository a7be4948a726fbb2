"""A user's own list settings (issue 18, what NetBox users expect): choosing and ordering a list's
columns, remembered per user, and filters saved under a name — each one's own, nobody else's."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fangguan.web.models import ListLayout, SavedFilter

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    """A client of its own per user (the suite's ``as_user`` shares one)."""
    client = Client()
    client.force_login(user)
    return client


def headings(page: str) -> list[str]:
    """The list table's column headings, as shown (sort links or plain); not the bulk edit's tick box."""
    head = page.split("<thead", 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>|\s+", "", h) for attrs, h in re.findall(r"<th([^>]*)>(.*?)</th>", head, re.S)
            if "app-select" not in attrs]


def test_columns_are_chosen_ordered_and_remembered_per_user(users):
    bureau, town = login(users.bureau), login(users.town)
    url = reverse("registry-list", args=["estates"])
    default = headings(bureau.get(url).content.decode())
    assert len(default) == 9  # the list's own: code, name, town, committee, type, delivered, area, buildings, homes
    # show only three, the delivery date first: the name (the link) cannot be dropped
    response = bureau.post(reverse("registry-columns", args=["estates"]), {
        "show": ["delivered_on", "town"], "order-delivered_on": "1", "order-town": "3", "order-name": "2"})
    assert response.status_code == 302 and response["Location"] == url
    assert ListLayout.objects.get(user=users.bureau, resource="estates").columns == ["name", "delivered_on", "town"]
    shown = headings(bureau.get(url).content.decode())
    assert len(shown) == 3 and shown[1] == default[[i for i, h in enumerate(default) if "交付" in h][0]]
    # another user's list is untouched
    assert headings(town.get(url).content.decode()) == default
    # back to the list's own
    bureau.post(reverse("registry-columns", args=["estates"]), {"reset": "1"})
    assert headings(bureau.get(url).content.decode()) == default
    assert not ListLayout.objects.filter(user=users.bureau).exists()


def test_a_column_outside_the_offer_is_refused_and_nothing_is_kept(users):
    bureau = login(users.bureau)
    for secret in ("id_number_cipher", "phone_index", "name_pinyin", "no_such_field"):
        response = bureau.post(reverse("registry-columns", args=["people"]), {"show": [secret, "name"]}, follow=True)
        assert "没有这一列" in response.content.decode()
    assert not ListLayout.objects.filter(user=users.bureau).exists()


def test_extra_columns_are_the_models_plain_fields_and_cost_no_query_per_row(users, django_assert_max_num_queries):
    bureau = login(users.bureau)
    page = bureau.get(reverse("registry-columns", args=["estates"])).content.decode()
    offered = set(re.findall(r'name="show" value="([\w.]+)"', page))
    own = {"code", "name", "town", "neighbourhood", "estate_type", "delivered_on", "floor_area_m2",
           "buildings_count", "homes_count"}
    assert own <= offered
    assert not {"id", "created_at", "updated_at", "name_pinyin"} & offered
    extra = sorted(offered - own)
    assert extra, "estates have fields beyond the list's own"
    bureau.post(reverse("registry-columns", args=["estates"]), {"show": ["name", *extra]})
    url = reverse("registry-list", args=["estates"]) + "?per_page=100"
    assert len(headings(bureau.get(url).content.decode())) == 1 + len(extra)
    with django_assert_max_num_queries(40) as chosen:
        bureau.get(url)
    # the same page with the list's own columns: a chosen column adds no query (none per row)
    bureau.post(reverse("registry-columns", args=["estates"]), {"reset": "1"})
    bureau.get(url)
    with django_assert_max_num_queries(40) as default:
        bureau.get(url)
    assert len(chosen.captured_queries) <= len(default.captured_queries) + 1


def test_filters_saved_under_a_name_reopen_the_same_rows(users, registry):
    bureau = login(users.bureau)
    url = reverse("registry-list", args=["estates"])
    query = f"town={registry.zhujing.pk}&ordering=-delivered_on&page=3&bogus=1"
    response = bureau.post(reverse("registry-filter-save", args=["estates"]), {"name": "泾西的小区", "query": query})
    saved = SavedFilter.objects.get(user=users.bureau, resource="estates")
    # the page number and unknown parameters are not kept
    assert saved.name == "泾西的小区" and saved.query == f"town={registry.zhujing.pk}&ordering=-delivered_on"
    assert response["Location"] == f"{url}?{saved.query}"
    page = bureau.get(f"{url}?{saved.query}").content.decode()
    assert "泾西的小区" in page and "泾西新苑" in page and "枫南花园" not in page
    # the same name again replaces it; one per name
    bureau.post(reverse("registry-filter-save", args=["estates"]), {"name": "泾西的小区", "query": "q=泾西"})
    assert list(SavedFilter.objects.filter(user=users.bureau).values_list("query", flat=True)) == ["q=%E6%B3%BE%E8%A5%BF"]


@pytest.mark.parametrize(("name", "query", "message"), [
    ("", "q=a", "请为筛选命名"),
    ("x" * 61, "q=a", "最多 60 个字符"),
    ("坏\x07名", "q=a", "最多 60 个字符"),
    ("空的", "page=2&bogus=1", "请先设置筛选条件"),
])
def test_a_bad_saved_filter_is_refused_with_a_message_and_nothing_kept(users, name, query, message):
    response = login(users.bureau).post(reverse("registry-filter-save", args=["estates"]),
                                          {"name": name, "query": query}, follow=True)
    assert message in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_a_saved_filter_is_its_owners_alone(users):
    mine = SavedFilter.objects.create(user=users.bureau, resource="estates", name="泾西专用筛选", query="q=a")
    town = login(users.town)
    assert "泾西专用筛选" not in town.get(reverse("registry-list", args=["estates"]) + "?q=a").content.decode()
    response = town.post(reverse("registry-filter-delete", args=["estates", mine.pk]))
    assert response.status_code == 404 and SavedFilter.objects.filter(pk=mine.pk).exists()
    # under another list's address it is not found either
    assert login(users.bureau).post(reverse("registry-filter-delete", args=["towns", mine.pk])).status_code == 404
    assert login(users.bureau).post(reverse("registry-filter-delete", args=["estates", mine.pk])).status_code == 302
    assert not SavedFilter.objects.filter(pk=mine.pk).exists()
