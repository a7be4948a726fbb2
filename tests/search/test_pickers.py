"""The owners' committee member picker (issue 18): people of the committee's estate found by name,
full pinyin and pinyin initials on the server, at most ``limit`` at a time, for whoever may add a
member to that committee — through the API, the page's fragment and the member form.

The expected people are a hand-written table over a small estate of this file's own (names and
codes the demo does not use); the large estate's answers are checked against this file's own
query. Query counts are asserted, never times."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangguan.core.text import pinyin_key
from fangguan.registry import models as m
from fangguan.registry.choices import CommitteeRole, EstateType, ShareKind
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.search import pickers

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # the standard's sample number (valid check character)
PHONE = "13812345678"


def _town_of(user):
    return user.memberships.get().organisation.town


def _person(name: str, *, id_number: str = "", phone: str = "") -> m.Person:
    person = m.Person(name=name)
    if id_number:
        person.set_id_number(id_number)
    if phone:
        person.set_phone(phone)
    person.save()
    return person


@pytest.fixture
def world(users):
    """An estate in zhujing's town with six people, an estate in another town with one."""
    town = _town_of(users["zhujing"])
    other_town = m.Town.objects.exclude(pk=town.pk).order_by("pk").first()
    estate = m.Estate.objects.create(code="PK001", name="拾贝新苑", town=town, estate_type=EstateType.COMMERCIAL,
                                     delivered_on=dt.date(2012, 1, 1), floor_area_m2=Decimal("10000"))
    other = m.Estate.objects.create(code="PK002", name="拾贝别墅", town=other_town, estate_type=EstateType.COMMERCIAL,
                                    delivered_on=dt.date(2012, 1, 1), floor_area_m2=Decimal("10000"))
    area = m.ManagementArea.objects.create(estate=estate, code="PKA01", name="拾贝新苑管理区域")
    other_area = m.ManagementArea.objects.create(estate=other, code="PKA02", name="拾贝别墅管理区域")
    b1 = m.Building.objects.create(estate=estate, area=area, number="1号楼", floors=6)
    b2 = m.Building.objects.create(estate=estate, area=area, number="2号楼", floors=6)
    ob = m.Building.objects.create(estate=other, area=other_area, number="1号楼", floors=3)

    def home(building, room):
        return m.Home.objects.create(building=building, room_number=room, floor=1, area_m2=Decimal("90"))

    people = {}
    for name, homes, kind, since, until in (
        ("张丽", [(b1, "101"), (b2, "202")], ShareKind.OWNER, dt.date(2012, 3, 1), None),
        ("张立新", [(b1, "102")], ShareKind.OWNER, dt.date(2012, 3, 1), None),
        ("赵龙", [(b1, "103")], ShareKind.OWNER, dt.date(2012, 3, 1), None),
        ("李志", [(b1, "104")], ShareKind.OWNER, dt.date(2012, 3, 1), None),
        ("周租", [(b2, "201")], ShareKind.PUBLIC_TENANT, dt.date(2015, 1, 1), None),
        ("钱卖", [(b2, "203")], ShareKind.OWNER, dt.date(2012, 3, 1), dt.date(2016, 1, 1)),  # sold in 2016
        ("张丽丽", [(ob, "101")], ShareKind.OWNER, dt.date(2012, 3, 1), None),  # the other estate
    ):
        person = _person(name, id_number=ID_NUMBER if name == "张丽" else "", phone=PHONE if name == "张丽" else "")
        for building, room in homes:
            m.HomeShare.objects.create(home=home(building, room), person=person, kind=kind, since=since, until=until)
        people[name] = person
    committee = m.OwnersCommittee.objects.create(area=area, name="拾贝新苑业主委员会", established_on=dt.date(2018, 1, 1))
    other_committee = m.OwnersCommittee.objects.create(area=other_area, name="拾贝别墅业主委员会",
                                                       established_on=dt.date(2018, 1, 1))
    return {"estate": estate, "committee": committee, "other_committee": other_committee, "people": people,
            "building": b1, "area": area}


def _names(found) -> set[str]:
    return {item.name for item in found.items}


# Hand-written: what each text finds among 拾贝新苑's people today (钱卖 sold; 张丽丽 lives elsewhere).
EXPECTED = {
    "zl": {"张丽", "张立新", "赵龙"},  # initials zl, zlx, zl
    "ZL": {"张丽", "张立新", "赵龙"},
    "zhangli": {"张丽", "张立新"},  # zhangli, zhanglixin
    "zhang li": {"张丽", "张立新"},  # terms joined, as the top bar's search does
    "zhaolong": {"赵龙"},
    "lz": {"李志"},
    "li": {"张丽", "张立新", "李志"},  # zhang-li, zhang-li-xin, li-zhi
    "张": {"张丽", "张立新"},
    "丽": {"张丽"},  # one character anywhere in the name, within the estate
    "立新": {"张立新"},
    "z": {"张丽", "张立新", "赵龙", "李志", "周租"},  # one letter: full pinyin or initials containing it
    "钱": set(),
    "张丽丽": set(),
    "wangwu": set(),
    "": {"张丽", "张立新", "赵龙", "李志", "周租"},
}


@pytest.mark.parametrize("text", list(EXPECTED))
def test_the_table_of_names_pinyin_and_initials(users, world, text):
    committee = pickers.committee_for_members(users["admin"], world["committee"].pk)
    found = pickers.committee_candidates(users["admin"], committee, text)
    assert _names(found) == EXPECTED[text]
    assert not found.more


def test_a_person_shows_masked_number_and_homes_in_the_estate(users, world):
    committee = pickers.committee_for_members(users["zhujing"], world["committee"].pk)
    (item,) = pickers.committee_candidates(users["zhujing"], committee, "张丽").items
    assert item.id == world["people"]["张丽"].pk
    assert item.homes == ["1号楼 101", "2号楼 202"] and item.more_homes == 0
    assert item.id_number_masked == world["people"]["张丽"].id_number_masked
    assert ID_NUMBER not in item.id_number_masked and "*" in item.id_number_masked


def test_numbers_are_never_matched(users, world):
    """An identity number or a phone finds nobody (they would travel in a GET address)."""
    committee = pickers.committee_for_members(users["admin"], world["committee"].pk)
    for text in (ID_NUMBER, PHONE, ID_NUMBER[-6:]):
        found = pickers.committee_candidates(users["admin"], committee, text)
        assert found.items == [], text
    assert pickers.committee_candidates(users["admin"], committee, ID_NUMBER).identifier


def test_limit_and_more(users, world):
    committee = pickers.committee_for_members(users["admin"], world["committee"].pk)
    found = pickers.committee_candidates(users["admin"], committee, "z", limit=2)
    assert len(found.items) == 2 and found.more
    # pinyin order: zhangli < zhanglixin < zhaolong < ...
    assert [i.name for i in found.items] == sorted(EXPECTED["z"], key=pinyin_key)[:2]


# --- Who may ask ----------------------------------------------------------------------------------


def test_who_may_ask_about_the_committee(users, world):
    """The bureau and the town office may add members here; the auditor sees the committee but may
    not (403); everyone else does not see it (404) — as for a committee that does not exist."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    pk = world["committee"].pk
    for role in ("admin", "zhujing"):
        assert pickers.committee_for_members(users[role], pk).pk == pk
    with pytest.raises(PermissionDenied):
        pickers.committee_for_members(users["auditor"], pk)
    for role in ("juweihui", "wuye", "yeweihui", "yezhu", "sysadmin", "secadmin", "auditadmin"):
        with pytest.raises(Http404):
            pickers.committee_for_members(users[role], pk)
    with pytest.raises(Http404):
        pickers.committee_for_members(users["admin"], 10**9)
    # zhujing's town is not the other estate's
    with pytest.raises(Http404):
        pickers.committee_for_members(users["zhujing"], world["other_committee"].pk)


def test_the_owners_committee_picks_from_its_own_estate_only(users):
    """yeweihui's own committee: its estate's people it may see (its management area's), never
    anyone of another estate — restated as this file's own query."""
    user = users["yeweihui"]
    committee = user.memberships.get().organisation.owners_committee
    found = pickers.committee_candidates(user, pickers.committee_for_members(user, committee.pk), "", limit=50)
    today = dt.date.today()
    in_area = set(m.HomeShare.objects.filter(home__building__area_id=committee.area_id, since__lte=today)
                  .exclude(until__lte=today).values_list("person_id", flat=True))
    ids = [item.id for item in found.items]
    assert ids and set(ids) <= in_area
    expected = sorted(m.Person.objects.filter(pk__in=in_area).values_list("name_pinyin", "pk"))[:50]
    assert ids == [pk for _, pk in expected]


def test_members_rule_and_picker_agree(users, world):
    """``committees_taking_members`` is the committee members' own rule: wherever it says yes the
    member is added through the service, wherever it says no the service refuses."""
    from django.core.exceptions import PermissionDenied

    from fangguan.registry import services
    from fangguan.registry.scopes import committees_taking_members

    for role in ("admin", "zhujing", "auditor", "yeweihui", "juweihui"):
        user = users[role]
        for committee in (world["committee"], world["other_committee"]):
            allowed = committees_taking_members(user).filter(pk=committee.pk).exists()
            try:
                services.registry_create(actor=user, model=m.CommitteeMember, data={
                    "committee": committee, "name": "试任", "role": CommitteeRole.MEMBER, "start_on": dt.date(2024, 1, 1)})
            except PermissionDenied:
                added = False
            else:
                added = True
            assert added == allowed, (role, committee.name)


# --- The API and the fragment -----------------------------------------------------------------


def test_api_answers_the_picker(api, world):
    url = f"/api/v1/committees/{world['committee'].pk}/candidates"
    r = api("zhujing").get(url, q="zl")
    assert r.status_code == 200, r.content
    body = r.json()
    assert {i["name"] for i in body["items"]} == EXPECTED["zl"] and body["count"] == 3 and body["more"] is False
    li = next(i for i in body["items"] if i["name"] == "张丽")
    assert li["homes"] == ["1号楼 101", "2号楼 202"] and li["id_number_masked"].count("*") >= 8
    assert ID_NUMBER not in r.content.decode() and PHONE not in r.content.decode()
    assert api("auditor").get(url, q="zl").status_code == 403
    assert api("yeweihui").get(url, q="zl").status_code == 404
    assert api(None).get(url, q="zl").status_code == 401
    assert api("zhujing").get(url, q="zl", limit=51).status_code == 422
    assert api("zhujing").get(url, q="z", limit=1).json()["more"] is True


def _client(username):
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_the_fragment_lists_options(users, world):
    client = _client("zhujing")
    r = client.get("/search/candidates/", {"committee": world["committee"].pk, "q": "zl", "for": "id_person"})
    assert r.status_code == 200
    html = r.content.decode()
    options = re.findall(r'role="option" id="id_person-option-(\d+)"', html)
    assert {int(pk) for pk in options} == {world["people"][n].pk for n in EXPECTED["zl"]}
    assert "data-picker-status" in html and ID_NUMBER not in html
    assert client.get("/search/candidates/", {"committee": world["other_committee"].pk, "q": "zl"}).status_code == 404
    assert client.get("/search/candidates/", {"q": "zl"}).status_code == 404
    assert client.get("/search/candidates/", {"committee": "x1", "q": "zl"}).status_code == 404
    assert _client("auditor").get("/search/candidates/", {"committee": world["committee"].pk}).status_code == 403
    anonymous = Client(HTTP_HOST="127.0.0.1").get("/search/candidates/", {"committee": world["committee"].pk})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- The member form ----------------------------------------------------------------------------


def test_the_member_form_has_the_picker_and_adds_a_member(users, world):
    client = _client("zhujing")
    committee = world["committee"]
    page = client.get("/r/committee-members/new/", {"committee": committee.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="combobox"' in html and 'id="id_person_listbox"' in html and 'for="id_person_search"' in html
    assert "<option" not in html.split('id="id_person_search"')[0].rsplit("<label", 1)[-1]  # no select of people
    assert "Too many" not in html and "太多" not in html
    li = world["people"]["张丽"]
    r = client.post(f"/r/committee-members/new/?committee={committee.pk}", {
        "committee": committee.pk, "person": li.pk, "name": "张丽", "role": "member", "start_on": "2024-01-01"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert m.CommitteeMember.objects.filter(committee=committee, person=li).exists()


def test_the_member_form_refuses_a_person_of_another_estate(users, world):
    client = _client("admin")
    committee = world["committee"]
    outsider = world["people"]["张丽丽"]
    r = client.post("/r/committee-members/new/", {
        "committee": committee.pk, "person": outsider.pk, "name": "张丽丽", "role": "member", "start_on": "2024-01-01"})
    assert r.status_code == 200
    assert not m.CommitteeMember.objects.filter(committee=committee, person=outsider).exists()
    assert 'class="invalid-feedback' in r.content.decode()


# --- A large estate -----------------------------------------------------------------------------


def test_a_large_estate_in_a_bounded_number_of_queries(users, world):
    """5,000 more people in the estate: the answer is still at most ``limit`` people, in the same
    six statements whatever the estate's size, and equal to this file's own query."""
    building = world["building"]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    names = [surnames[i % len(surnames)] + given[(i // 20) % len(given)] + given[(i // 480) % len(given)]
             for i in range(5000)]
    people = m.Person.objects.bulk_create([m.Person(name=n, name_pinyin=pinyin_key(n)) for n in names])
    homes = m.Home.objects.bulk_create([m.Home(building=building, room_number=f"9{i:04d}", floor=1, area_m2=Decimal("80"))
                                        for i in range(5000)])
    m.HomeShare.objects.bulk_create([m.HomeShare(home=h, person=p, since=dt.date(2020, 1, 1))
                                     for h, p in zip(homes, people, strict=True)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_person; ANALYZE registry_homeshare; ANALYZE registry_home")
    user = users["zhujing"]
    for text in ("wl", "wangli", "王", "丽"):
        with CaptureQueriesContext(connection) as ctx:
            committee = pickers.committee_for_members(user, world["committee"].pk)
            found = pickers.committee_candidates(user, committee, text)
        # the user's grants (memberships, their person: 2, read once a request), the committee, the
        # add check, the people (LIMIT 21), their homes
        assert len(ctx.captured_queries) <= 6, [q["sql"] for q in ctx.captured_queries]
        mine = [p for p in (*people, *(world["people"][n] for n in ("张丽", "张立新", "赵龙", "李志", "周租")))
                if text in p.name or (text.isascii() and text in pinyin_key(p.name))]
        expected = [p.pk for p in sorted(mine, key=lambda p: (pinyin_key(p.name), p.pk))][:pickers.LIMIT]
        assert [i.id for i in found.items] == expected, text
        assert found.more == (len(mine) > pickers.LIMIT)
