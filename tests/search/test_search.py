"""The top bar's search (issue 18): names, pinyin initials, addresses, request numbers and people
by the blind index of their numbers — each role's own records only, masked, in a bounded number
of queries. Who sees what for every role is the permission kit's (tests/search/permissions.py)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangguan.core.text import pinyin_key
from fangguan.registry import models as rm
from fangguan.repairs import services as repair_services
from fangguan.repairs.models import Category
from fangguan.search.kinds import KINDS
from fangguan.search.selectors import search

pytestmark = pytest.mark.django_db


def _town_of(user):
    return user.memberships.get().organisation.town_id


def _ids(results, kind):
    return {item.id for item in results.items if item.type == kind}


def test_pinyin_initials_and_full_pinyin_find_an_estate(users):
    estate = rm.Estate.objects.filter(town_id=_town_of(users["zhujing"])).order_by("pk").first()
    full, initials = pinyin_key(estate.name).split()
    for q in (initials, full, initials.upper(), estate.code, estate.name):
        assert estate.pk in _ids(search(users["zhujing"], q, kinds=["estates"], limit=50), "estates"), q


def test_an_address_finds_the_home_and_a_building(users):
    home = rm.Home.objects.filter(building__estate__town_id=_town_of(users["zhujing"])).select_related(
        "building__estate").order_by("pk").first()
    estate = home.building.estate
    found = search(users["zhujing"], f"{estate.name} {home.building.number} {home.room_number}", limit=50)
    assert home.pk in _ids(found, "homes")
    initials = pinyin_key(estate.name).split()[1]
    assert home.pk in _ids(search(users["zhujing"], f"{initials} {home.building.number} {home.room_number}",
                                  limit=50), "homes")
    assert home.building_id in _ids(search(users["zhujing"], f"{estate.name} {home.building.number}", limit=50),
                                    "buildings")


def test_outside_the_scope_nothing_is_found(users):
    home = rm.Home.objects.exclude(building__estate__town_id=_town_of(users["zhujing"])).select_related(
        "building__estate").order_by("pk").first()
    q = f"{home.building.estate.name} {home.building.number} {home.room_number}"
    assert home.pk in _ids(search(users["admin"], q, limit=50), "homes")
    assert home.pk not in _ids(search(users["zhujing"], q, limit=50), "homes")
    for role in ("sysadmin", "secadmin", "auditadmin"):
        assert search(users[role], home.building.estate.name).count == 0, role


def _person_with_phone_and_id():
    return rm.Person.objects.exclude(phone_index="").exclude(id_number_index="").order_by("pk").first()


def test_a_phone_or_identity_number_finds_the_person_masked(users, api):
    person = _person_with_phone_and_id()
    phone, number = person.phone_clear(), person.id_number_clear()
    for q in (phone, number, number.lower(), f"{phone[:3]} {phone[3:7]} {phone[7:]}"):
        r = api("admin").get("/api/v1/search", q=q)
        assert r.status_code == 200
        body = r.json()
        people = [item for item in body["items"] if item["type"] == "people"]
        assert [p["id"] for p in people] == [person.pk], q
        assert people[0]["subtitle"] == f"{person.id_number_masked} · {person.phone_masked}"
        text = r.content.decode()
        assert phone not in text and number not in text and number.lower() not in text
    # a number nobody has finds nobody; part of a number is not a match (exact blind index only)
    assert not [i for i in api("admin").get("/api/v1/search", q=phone[:-1]).json()["items"] if i["type"] == "people"]


def test_a_request_number_leads_to_the_request_within_scope(users, client):
    share = rm.HomeShare.objects.as_of(timezone.localdate()).filter(person__user=users["yezhu"]).select_related(
        "home__building__estate").first()
    request = repair_services.create_request(users["yezhu"], estate=share.home.building.estate, home=share.home,
                                             category=Category.objects.get(code="roof-leak"), description="水管漏水")
    client.force_login(users["juweihui"])
    r = client.get("/search/", {"q": f"#{request.pk}"})
    if search(users["juweihui"], str(request.pk)).count == 1:
        assert r.status_code == 302 and r["Location"] == f"/repairs/{request.pk}/"
    else:  # another record of that number (a complaint, an application): the results page lists both
        assert f'href="/repairs/{request.pk}/"' in r.content.decode()
    assert request.pk in _ids(search(users["yezhu"], f"{request.pk}"), "repairs")
    assert request.pk not in _ids(search(users["zhujing"], f"#{request.pk}"), "repairs")  # another town


def test_queries_are_one_per_type_whatever_the_results(users):
    """Bounded: as many statements for 5 results a type as for 50, never more than one a type
    (plus the user's grants)."""
    estate = rm.Estate.objects.order_by("pk").first()
    search(users["admin"], "warm")  # the user's grants, read once per user and request
    counts = []
    for q, limit in (("zhu", 5), ("zhu", 50), ("zh", 50), (estate.name, 5), ("no such thing at all", 5)):
        with CaptureQueriesContext(connection) as ctx:
            results = search(users["admin"], q, limit=limit)
        counts.append(len(ctx.captured_queries))
        assert results is not None
    assert max(counts) <= len(KINDS) + 2, counts
    assert counts[0] == counts[1] == counts[2], counts


def test_the_page_groups_by_type_and_pages_one_type(users, client):
    client.force_login(users["admin"])
    r = client.get("/search/", {"q": "zh"})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-type="estates"' in page and 'data-type="people"' in page
    assert "?q=zh&amp;type=people" in page  # more people than the overview shows: a link to page through them
    first = client.get("/search/", {"q": "zh", "type": "people"}).content.decode()
    second = client.get("/search/", {"q": "zh", "type": "people", "page": "2"}).content.decode()
    assert 'data-type="people"' in second and 'data-type="estates"' not in second
    links = re.compile(r'href="(/r/people/\d+/)" class="app-search-result"')
    assert len(links.findall(first)) == 20 and not set(links.findall(first)) & set(links.findall(second))


def test_the_api_refuses_silly_paging(api):
    assert api("admin").get("/api/v1/search", q="z", limit=500).status_code == 422
    assert api("admin").get("/api/v1/search", q="z", offset=-1).status_code == 422
    assert api("admin").get("/api/v1/search", q="").json() == {"count": 0, "items": [], "groups": []}


# --- An identity number or a phone stays out of every URL (POST), results as with GET -----------

_URL_ATTR = re.compile(r'(?:href|action|src)="([^"]*)"')


def _urls(response) -> list[str]:
    """Every URL a response sends the browser to or offers it: Location and the page's links and
    form targets."""
    found = [response["Location"]] if response.has_header("Location") else []
    if response.get("Content-Type", "").startswith("text/html"):
        found += _URL_ATTR.findall(response.content.decode())
    return found


def _forms(text: str) -> set[str]:
    return set(re.findall(r'href="(/r/people/\d+/)" class="app-search-result"', text))


def test_an_identifier_posted_is_answered_without_a_url_holding_it(users, client):
    person = _person_with_phone_and_id()
    phone, number = person.phone_clear(), person.id_number_clear()
    client.force_login(users["admin"])
    for q in (number, phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}"):
        spelt = {q, q.lower(), q.replace(" ", ""), phone, number, number.lower()}
        # one type, a later page too: every control on the page (all types, previous page)
        for fields in ({"type": "people"}, {"type": "people", "page": "2"}, {}):
            posted = client.post("/search/", {"q": q, **fields})
            assert posted.status_code in (200, 302), (q, fields, posted.status_code)
            leaks = [url for url in _urls(posted) if any(s in url for s in spelt)]
            assert leaks == [], (q, fields, leaks)
            got = client.get("/search/", {"q": q, **fields})
            if posted.status_code == 302:  # the overview of one record: straight to it, as GET does
                assert posted["Location"] == got["Location"] == f"/r/people/{person.pk}/"
                continue
            text = posted.content.decode()
            assert _forms(text) == _forms(got.content.decode())
            assert _forms(text) == ({f"/r/people/{person.pk}/"} if fields.get("page") is None else set())
            if fields:
                assert 'class="d-inline app-search-go" method="post"' in text  # controls are forms, not links


def test_a_name_posted_goes_on_to_the_plain_address(users, client):
    client.force_login(users["admin"])
    r = client.post("/search/", {"q": " zh ", "type": "people", "page": "2"})
    assert r.status_code == 303 and r["Location"] == "/search/?q=zh&type=people&page=2"
    assert client.post("/search/", {"q": "朱泾"})["Location"] == "/search/?q=%E6%9C%B1%E6%B3%BE"
    assert client.put("/search/", {"q": "zh"}).status_code == 405
