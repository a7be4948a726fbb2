"""Login, home, and every list and detail page for the bureau."""

import re

import pytest
from django.urls import reverse

from fangguan.core.models import SecurityEvent
from fangguan.registry.resources import RESOURCES

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "智慧房管" in response.content.decode()
    assert 'lang="zh-Hans"' in response.content.decode()


def test_wrong_password_gives_a_chinese_message(client, users):
    response = client.post(reverse("login"), {"username": "web-bureau", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert SecurityEvent.objects.filter(action="login_failed").exists()


def test_login_then_logout(client, users):
    response = client.post(reverse("login"), {"username": "web-bureau", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Bureau" in home.content.decode() and "房管局工作人员" in home.content.decode()
    assert client.get(reverse("logout")).status_code == 405  # logout only by POST (CSRF-protected form)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_home_counts_what_the_user_sees(as_user, users):
    page = as_user(users.town).get(reverse("home")).content.decode()
    assert reverse("registry-list", args=["estates"]) in page
    assert ">1</div>" in page  # one estate, one building, one home in the town


def test_it_admin_gets_admin_link_and_no_registry(as_user, users):
    page = as_user(users.sysadmin).get(reverse("home")).content.decode()
    assert reverse("admin:index") in page
    assert reverse("registry-list", args=["estates"]) not in page
    assert as_user(users.sysadmin).get(reverse("registry-list", args=["estates"])).context["page"].paginator.count == 0


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_list_and_detail_renders_for_the_bureau(as_user, users, name):
    client = as_user(users.bureau)
    response = client.get(reverse("registry-list", args=[name]))
    assert response.status_code == 200
    page = response.context["page"]
    if page.object_list:
        obj = page.object_list[0]
        assert client.get(reverse("registry-detail", args=[name, obj.pk])).status_code == 200
        if RESOURCES[name].create_in is not None:
            assert client.get(reverse("registry-edit", args=[name, obj.pk])).status_code == 200
    if RESOURCES[name].create_in is not None:
        assert client.get(reverse("registry-create", args=[name])).status_code == 200


def test_english_with_the_language_switch(client, users):
    client.force_login(users.bureau)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/r/estates/"})
    assert response.status_code == 302
    page = client.get("/r/estates/").content.decode()
    assert 'lang="en"' in page and "Estates" in page and "Log out" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "住宅小区" in client.get("/r/estates/").content.decode()


# a JSON data block (json_script) is not executed: the CSP allows it
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def test_pages_have_no_inline_script_style_or_handlers(as_user, users, registry):
    """A strict Content-Security-Policy will be switched on: everything comes from static files."""
    client = as_user(users.bureau)
    urls = [reverse("home"), reverse("registry-list", args=["estates"]),
            reverse("registry-detail", args=["estates", registry.estate.pk]),
            reverse("registry-edit", args=["estates", registry.estate.pk]),
            reverse("registry-create", args=["people"]), reverse("person-reveal", args=[registry.person.pk]),
            reverse("registry-history", args=["estates", registry.estate.pk])]
    for url in urls:
        html = client.get(url).content.decode()
        assert not INLINE.search(html), (url, INLINE.search(html))
        assert "//cdn" not in html and "https://" not in html.split("<body", 1)[0]
    client.logout()
    assert not INLINE.search(client.get(reverse("login")).content.decode())


@pytest.mark.parametrize("query", ["building=abc", "building=999999", "estate=abc", "home=1.5"])
def test_bad_prefill_values_do_not_break_forms(as_user, users, registry, query):
    client = as_user(users.bureau)
    for name in ("homes", "facilities", "people"):
        assert client.get(reverse("registry-create", args=[name]) + "?" + query).status_code == 200


def test_registry_lists_offer_import_to_those_who_may_import(client, db):
    from django.test import Client

    admin = Client(HTTP_HOST="127.0.0.1")
    admin.login(username="admin", password="Fangguan-demo-2026")
    assert "/imports/new/?kind=estates" in admin.get("/r/estates/").content.decode()
    auditor = Client(HTTP_HOST="127.0.0.1")
    auditor.login(username="auditor", password="Fangguan-demo-2026")
    assert "/imports/new/" not in auditor.get("/r/estates/").content.decode()


def test_home_estates_card_counts_as_the_dashboard_and_says_so(as_user, users, registry):
    """Issue 18: the home page said 295 estates and the dashboard 294. The card counts the
    estates in the registry today (delivered, not removed) as the overview does, links to that
    list, and says how many records there are in all."""
    import datetime as dt

    from django.utils import timezone

    from fangguan.registry import models as m

    m.Estate.objects.create(code="WE009", name="泾西旧村", town=registry.zhujing, estate_type=registry.estate.estate_type,
                            delivered_on=dt.date(1990, 1, 1), removed_on=dt.date(2020, 1, 1), floor_area_m2=1000)
    today = timezone.localdate()
    mine = m.Estate.objects.filter(town=registry.zhujing)
    in_registry = mine.filter(delivered_on__lte=today).exclude(removed_on__lte=today).count()
    assert (in_registry, mine.count()) == (1, 2)
    client = as_user(users.town)
    card = client.get(reverse("home")).context["counts"][0]
    assert (card["label"], card["count"]) == ("今日在册小区", in_registry)
    assert "与概览页口径一致" in card["note"] and "共 2 条" in card["note"]
    assert client.get(card["url"]).context["page"].paginator.count == in_registry


def test_namesakes_in_the_people_list_are_told_apart(as_user, users, registry):
    """Issue 18: 25 identical "丁丽" rows. Each row shows the masked identity number and the homes
    the person holds today (only those the viewer may see), in one query for the page."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangguan.registry import models as m

    twin = m.Person(name="网页测试人")
    twin.set_id_number("110105198001010016")
    twin.save()
    other_home = m.Home.objects.create(building=registry.building, room_number="102", floor=1, area_m2=88)
    m.HomeShare.objects.create(home=other_home, person=twin, since=dt.date(2015, 1, 1))
    far = m.Home.objects.create(building=m.Building.objects.get(estate=registry.other_estate), room_number="501",
                                floor=5, area_m2=70)
    m.HomeShare.objects.create(home=far, person=twin, since=dt.date(2016, 1, 1))  # in the other town
    url = reverse("registry-list", args=["people"])
    for user, expected in ((users.bureau, {registry.person.pk: "泾西新苑 1号楼 101",
                                           twin.pk: "泾西新苑 1号楼 102；枫南花园 1号楼 501"}),
                           (users.town, {registry.person.pk: "泾西新苑 1号楼 101", twin.pk: "泾西新苑 1号楼 102"})):
        client = as_user(user)
        response = client.get(url, {"q": "网页测试人"})
        headers = [h["label"] for h in response.context["headers"]]
        assert "名下房屋" in headers
        column = headers.index("名下房屋")
        got = {row["obj"].pk: row["cells"][column]["text"] for row in response.context["rows"]}
        assert got == expected
        masked = {row["obj"].pk: row["obj"].id_number_masked for row in response.context["rows"]}
        assert masked[twin.pk] != masked[registry.person.pk] and "*" in masked[twin.pk]
    client = as_user(users.bureau)  # the district's people: more than a page
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"per_page": 25})
    with CaptureQueriesContext(connection) as more:
        longer = client.get(url, {"per_page": 100})
    assert len(longer.context["rows"]) > 25 and len(one) == len(more)  # the homes cost one query a page, however many rows


def test_ended_terms_and_contracts_dated_far_ahead_are_flagged(as_user, users, registry):
    """Issue 18: a committee whose term has ended and a contract dated years ahead were not flagged."""
    import datetime as dt

    from django.utils import timezone

    from fangguan.registry import models as m
    from fangguan.registry.choices import ContractKind

    today = timezone.localdate()
    ended = m.OwnersCommittee.objects.create(area=registry.area, name="泾西新苑业委会（上届）",
                                             established_on=dt.date(2015, 1, 1), term_start=dt.date(2015, 1, 1),
                                             term_end=today - dt.timedelta(days=1))
    current = m.OwnersCommittee.objects.create(area=registry.area, name="泾西新苑业委会", established_on=dt.date(2015, 1, 1),
                                               term_start=today - dt.timedelta(days=30), term_end=today + dt.timedelta(days=900))
    dissolved = m.OwnersCommittee.objects.create(area=registry.area, name="泾西新苑业委会（已撤销）",
                                                 established_on=dt.date(2010, 1, 1), term_end=dt.date(2012, 1, 1),
                                                 dissolved_on=dt.date(2012, 6, 1))
    ahead = m.Contract.objects.create(area=registry.area, company=registry.company, kind=ContractKind.PRELIMINARY,
                                      start_on=today.replace(year=today.year + 36))
    near = m.Contract.objects.create(area=registry.area, company=registry.company, kind=ContractKind.PRELIMINARY,
                                     start_on=today + dt.timedelta(days=200), end_on=today + dt.timedelta(days=300))
    client = as_user(users.bureau)

    def flagged(resource, params) -> dict:
        rows = client.get(reverse("registry-list", args=[resource]), params).context["rows"]
        return {row["obj"].pk: row["cells"][0]["flags"] for row in rows}

    committees = flagged("committees", {"area": registry.area.pk})
    assert committees[ended.pk] == ["任期已满未换届"]
    assert committees[current.pk] == [] and committees[dissolved.pk] == []
    contracts = flagged("contracts", {"area": registry.area.pk})
    assert contracts[ahead.pk] == ["起始日期在一年以后，请核对"] and contracts[near.pk] == []
    page = client.get(reverse("registry-detail", args=["committees", ended.pk])).content.decode()
    assert "任期已满未换届" in page


def test_committee_member_form_from_the_committee_lists_the_estates_people(as_user, users, registry):
    """Issue 18: "add" on a committee's page said there were too many people to list. The person
    is chosen with a picker that asks the server as one types (tests/search/test_pickers.py); the
    form accepts exactly the people with a right in force in a home of the committee's estate
    (the test's own query) and renders none of them as options."""
    import datetime as dt

    from fangguan.registry import models as m

    committee = m.OwnersCommittee.objects.create(area=registry.area, name="泾西新苑业委会", established_on=dt.date(2020, 1, 1))
    outsider = m.Person.objects.create(name="小区外人员")
    response = as_user(users.bureau).get(reverse("registry-create", args=["committee-members"]),
                                         {"committee": committee.pk})
    field = response.context["form"].fields["person"]
    today = dt.date.today()
    expected = set(m.Person.objects.filter(shares__home__building__estate=registry.estate, shares__since__lte=today)
                   .exclude(shares__until__lte=today).values_list("pk", flat=True))
    assert expected and set(field.queryset.values_list("pk", flat=True)) == expected
    assert outsider.pk not in expected
    page = response.content.decode()
    assert 'role="combobox"' in page and 'id="id_person_listbox"' in page and 'data-committee-field="id_committee"' in page
    assert "网页测试人" not in page  # nobody is listed before one types
    assert "输入姓名、拼音或首字母" in page and "太多" not in page
    # without the committee (the list's own "New" button) the picker asks for the committee first
    plain = as_user(users.bureau).get(reverse("registry-create", args=["committee-members"]))
    assert 'role="combobox"' in plain.content.decode()
    assert not plain.context["form"].fields["person"].queryset.exists()


def test_a_record_form_reports_every_field_error_in_one_submit(as_user, users, registry):
    """Issue 18: latitude 95 was flagged only after the missing name was fixed. One submit now
    answers both, next to their fields, and nothing is created."""
    from fangguan.registry import models as m

    before = m.Estate.objects.count()
    response = as_user(users.bureau).post(reverse("registry-create", args=["estates"]), {
        "code": "WE050", "name": "", "town": registry.zhujing.pk, "estate_type": registry.estate.estate_type,
        "floor_area_m2": "1000", "latitude": "95", "longitude": "121.2"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "latitude"} <= set(errors)
    assert m.Estate.objects.count() == before
