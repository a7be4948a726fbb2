"""The category catalogue on the web: the bureau edits a category's limits (change-logged, the
model's rules apply with a Chinese message); everyone else may look but not change, and a
refused change leaves the category as it was."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fangguan.core.models import ChangeLog
from fangguan.repairs.models import Category
from fangguan.repairs.views import CATEGORY_FIELDS as FIELDS

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def posted(category: Category, **changes) -> dict:
    data = {f: getattr(category, f) for f in FIELDS}
    data.update(changes)
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}  # a form omits unticked boxes


def snapshot(code: str) -> dict:
    return {f: getattr(Category.objects.get(code=code), f) for f in FIELDS}


def test_the_bureau_edits_a_category(users):
    category = Category.objects.filter(active=True).first()
    c = logged_in(users["admin"])
    page = c.get(reverse("repairs-categories"))
    assert page.status_code == 200
    assert "<h1 class=\"h4\">报修类别</h1>" in page.content.decode()  # Chinese first
    assert reverse("repairs-category-edit", args=[category.code]).encode() in page.content
    logs = ChangeLog.objects.count()
    r = c.post(reverse("repairs-category-edit", args=[category.code]), posted(category, complete_workdays=5))
    assert r.status_code == 302
    assert Category.objects.get(pk=category.pk).complete_workdays == 5
    assert ChangeLog.objects.count() == logs + 1
    assert ChangeLog.objects.order_by("-id").first().after == {"complete_workdays": 5}


def test_a_rule_of_the_model_refuses_with_a_message_and_changes_nothing(users):
    category = Category.objects.filter(active=True).first()
    before = snapshot(category.code)
    c = logged_in(users["admin"])
    r = c.post(reverse("repairs-category-edit", args=[category.code]),
               posted(category, urgent_response_minutes=20, onsite_response_minutes=60))
    assert r.status_code == 200
    assert "设有物业服务处的小区，时限不能比其他小区更长。" in r.content.decode()  # the model's message, in Chinese
    assert snapshot(category.code) == before


@pytest.mark.parametrize("name", ["zhujing", "juweihui", "wuye", "auditor"])
def test_others_see_the_list_but_may_not_edit(users, name):
    category = Category.objects.filter(active=True).first()
    before = snapshot(category.code)
    c = logged_in(users[name])
    page = c.get(reverse("repairs-categories"))
    assert page.status_code == 200
    assert category.name in page.content.decode()
    assert reverse("repairs-category-edit", args=[category.code]).encode() not in page.content
    assert c.get(reverse("repairs-category-edit", args=[category.code])).status_code == 403
    r = c.post(reverse("repairs-category-edit", args=[category.code]), posted(category, complete_workdays=9))
    assert r.status_code == 403
    assert snapshot(category.code) == before


@pytest.mark.parametrize("name", ["yezhu", "sysadmin"])
def test_residents_and_it_administrators_get_no_catalogue_page(users, name):
    assert logged_in(users[name]).get(reverse("repairs-categories")).status_code == 403


def test_an_unknown_category_is_not_found(users):
    assert logged_in(users["admin"]).get(reverse("repairs-category-edit", args=["no-such-code"])).status_code == 404


def test_the_catalogue_shows_names_not_codes(users):
    """Issue 18: the codes (``water-leak``) were a column; the page shows each category by name."""
    import re

    html = logged_in(users["admin"]).get(reverse("repairs-categories")).content.decode()
    table = html[html.index('id="repairs-categories"'):html.index("</table>")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]
    codes = set(Category.objects.values_list("code", flat=True))
    assert codes and not codes & set(cells)
    assert set(Category.objects.values_list("name", flat=True)) <= set(cells)
