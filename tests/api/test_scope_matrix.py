"""Every role × every registry list, detail and write: exactly its rows, nothing else.

The expected rows are computed here from the raw records in plain Python (walking estates,
areas, contracts and ownership shares), independently of ``registry/scopes.py`` and its SQL,
so a mistake in the rules cannot hide behind the same mistake in the test.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangguan.core.models import ChangeLog
from fangguan.registry import models as m
from fangguan.registry.resources import RESOURCES

from ..conftest import ROLES
from ..kit.files import csv_text

EVERYTHING_ROLES = {"admin", "auditor"}
NOTHING_ROLES = {"sysadmin", "secadmin", "auditadmin"}
PUBLIC = {"towns", "neighbourhoods", "companies"}


def _in_force(since, until, day):
    return since <= day and (until is None or until > day)


class Oracle:
    """Who sees what, restated from issue #2 in plain Python over every record."""

    def __init__(self):
        self.today = timezone.localdate()
        self.estate = {e.pk: e for e in m.Estate.objects.all()}
        self.area_estate = dict(m.ManagementArea.objects.values_list("pk", "estate_id"))
        self.building = {b.pk: (b.estate_id, b.area_id) for b in m.Building.objects.all()}
        self.home_building = dict(m.Home.objects.values_list("pk", "building_id"))
        self.shares = list(m.HomeShare.objects.values("pk", "home_id", "person_id", "since", "until"))
        self.contracts = list(m.Contract.objects.values("pk", "area_id", "company_id", "start_on", "end_on", "terminated_on"))
        self.committee_area = dict(m.OwnersCommittee.objects.values_list("pk", "area_id"))
        self.members = list(m.CommitteeMember.objects.values("pk", "committee_id", "person_id"))
        self.documents = dict(m.CommitteeDocument.objects.values_list("pk", "committee_id"))
        self.facilities = dict(m.Facility.objects.values_list("pk", "estate_id"))
        self.assessments = dict(m.Assessment.objects.values_list("pk", "estate_id"))

    def served_areas(self, company_id):
        day = self.today
        return {
            c["area_id"] for c in self.contracts
            if c["company_id"] == company_id and c["start_on"] <= day
            and (c["end_on"] is None or c["end_on"] >= day)
            and (c["terminated_on"] is None or c["terminated_on"] > day)
        }

    def reach(self, user):
        """(estates, areas or None, homes or None, person or None) for one demo account."""
        from fangguan.accounts.models import Membership

        ms = list(Membership.objects.filter(user=user).select_related("organisation"))
        person = m.Person.objects.filter(user=user).first()
        if person is not None and not ms:
            homes = {s["home_id"] for s in self.shares
                     if s["person_id"] == person.pk and _in_force(s["since"], s["until"], self.today)}
            buildings = {self.home_building[h] for h in homes}
            return ({self.building[b][0] for b in buildings}, {self.building[b][1] for b in buildings}, homes, person.pk)
        (mem,) = ms
        org = mem.organisation
        if org.kind == "town_office":
            return ({e.pk for e in self.estate.values() if e.town_id == org.town_id}, None, None, None)
        if org.kind == "neighbourhood":
            return ({e.pk for e in self.estate.values() if e.neighbourhood_id == org.neighbourhood_id}, None, None, None)
        if org.kind == "company":
            areas = self.served_areas(org.company_id)
            return ({self.area_estate[a] for a in areas}, areas, None, None)
        if org.kind == "owners_committee":
            areas = {self.committee_area[org.owners_committee_id]}
            return ({self.area_estate[a] for a in areas}, areas, None, None)
        raise AssertionError(org.kind)

    def expected(self, username, user, resource):
        model = RESOURCES[resource].model
        all_ids = set(model.objects.values_list("pk", flat=True))
        if username in EVERYTHING_ROLES:
            return all_ids
        if username in NOTHING_ROLES:
            return set()
        if resource in PUBLIC:
            return all_ids
        estates, areas, homes, person = self.reach(user)

        def area_ok(a):
            return (self.area_estate[a] in estates) and (areas is None or a in areas)

        def building_ok(b):
            e, a = self.building[b]
            return e in estates and (areas is None or a in areas)

        def home_ok(h):
            return building_ok(self.home_building[h]) and (homes is None or h in homes)

        if resource == "estates":
            return set(estates)
        if resource == "areas":
            return {a for a in self.area_estate if area_ok(a)}
        if resource == "buildings":
            mine = None if homes is None else {self.home_building[h] for h in homes}
            return {b for b in self.building if building_ok(b) and (mine is None or b in mine)}
        if resource == "homes":
            return {h for h in self.home_building if home_ok(h)}
        if resource == "shares":
            return {s["pk"] for s in self.shares if home_ok(s["home_id"])}
        if resource == "people":
            if person is not None:
                return {person}
            ids = {s["person_id"] for s in self.shares if home_ok(s["home_id"])}
            if username == "yeweihui":
                committee = user.memberships.get().organisation.owners_committee_id
                ids |= {x["person_id"] for x in self.members if x["committee_id"] == committee and x["person_id"]}
            return ids
        if resource == "contracts":
            ids = {c["pk"] for c in self.contracts if area_ok(c["area_id"])}
            if username == "wuye":
                company = user.memberships.get().organisation.company_id
                ids |= {c["pk"] for c in self.contracts if c["company_id"] == company}
            return ids
        if resource == "committees":
            return {c for c, a in self.committee_area.items() if area_ok(a)}
        if resource == "committee-members":
            return {x["pk"] for x in self.members if area_ok(self.committee_area[x["committee_id"]])}
        if resource == "committee-documents":
            return {d for d, c in self.documents.items() if area_ok(self.committee_area[c])}
        if resource == "facilities":
            return {f for f, e in self.facilities.items() if e in estates}
        if resource == "assessments":
            return {a for a, e in self.assessments.items() if e in estates}
        raise AssertionError(resource)


@pytest.fixture
def oracle(db):
    return Oracle()


def listed_ids(client, resource):
    ids, offset = [], 0
    while True:
        r = client.get(f"/api/v1/{resource}", limit=500, offset=offset)
        assert r.status_code == 200, (resource, r.content[:300])
        body = r.json()
        ids += [item["id"] for item in body["items"]]
        offset += 500
        if offset >= body["count"]:
            assert len(ids) == body["count"]
            return ids


@pytest.mark.parametrize("username", ROLES)
def test_each_role_lists_exactly_its_rows(api, users, oracle, username):
    client = api(username)
    for resource in RESOURCES:
        ids = listed_ids(client, resource)
        assert len(ids) == len(set(ids)), f"{resource}: duplicates for {username}"
        expected = oracle.expected(username, users[username], resource)
        assert set(ids) == expected, f"{username} on {resource}: {len(ids)} listed, {len(expected)} expected"


def test_roles_see_something_and_not_everything(users, oracle):
    """Guards the matrix itself: the scoped roles must have rows in scope and rows outside it."""
    for username in ("zhujing", "juweihui", "wuye", "yeweihui", "yezhu"):
        for resource in ("estates", "homes", "people", "facilities"):
            expected = oracle.expected(username, users[username], resource)
            everything = set(RESOURCES[resource].model.objects.values_list("pk", flat=True))
            assert expected, (username, resource)
            assert expected != everything, (username, resource)


@pytest.mark.parametrize("username", ROLES)
def test_detail_answers_404_outside_scope(api, users, oracle, username):
    client = api(username)
    for resource, spec in RESOURCES.items():
        expected = oracle.expected(username, users[username], resource)
        outside = set(spec.model.objects.values_list("pk", flat=True)) - expected
        if expected:
            r = client.get(f"/api/v1/{resource}/{min(expected)}")
            assert r.status_code == 200, (username, resource)
        if outside:
            r = client.get(f"/api/v1/{resource}/{min(outside)}")
            assert r.status_code == 404, (username, resource)
            # exactly like a record that does not exist
            assert r.json() == client.get(f"/api/v1/{resource}/999999999").json()


# --- Writes ------------------------------------------------------------------------------

# A harmless change per resource, and the change a limited writer is allowed (contact fields).
CHANGE = {
    "towns": {"sort_order": 42},
    "neighbourhoods": {"name": "测试居委会"},
    "estates": {"address": "测试路1号"},
    "areas": {"name": "测试区域"},
    "buildings": {"built_year": 1999},
    "homes": {"property_unit_number": "TEST-0001"},
    "shares": {"until": "2099-01-01"},
    "people": {"name": "测试姓名"},
    "companies": {"qualification": "测试"},
    "contracts": {"fee_other": "1.23"},
    "committees": {"name": "测试业委会"},
    "committee-members": {"name": "测试委员"},
    "committee-documents": {"title": "测试文件"},
    "facilities": {"location": "测试位置"},
    "assessments": {"score": "91.5"},
}
CONTACT_CHANGE = {
    "estates": {"service_phone": "021-57000000"},
    "companies": {"phone": "021-57000001"},
    "people": {"phone": "13900001111"},
}
TOWN_WRITES = {"estates", "areas", "buildings", "homes", "shares", "people", "contracts", "committees",
               "committee-members", "committee-documents", "facilities", "assessments", "neighbourhoods"}


def may_write(username, user, resource, obj, contact: bool) -> bool:
    """Issue #2's writing rules, for a record the user can see."""
    if username == "admin":
        return True
    if username == "zhujing":
        if resource == "neighbourhoods":
            return obj.town_id == user.memberships.get().organisation.town_id
        return resource in TOWN_WRITES
    if username == "wuye":
        company = user.memberships.get().organisation.company_id
        return resource == "facilities" or (contact and resource == "estates") or (
            contact and resource == "companies" and obj.pk == company)
    if username == "yeweihui":
        committee = user.memberships.get().organisation.owners_committee_id
        return resource in {"committee-members", "committee-documents"} and obj.committee_id == committee
    if username == "yezhu":
        return contact and resource == "people" and obj.user_id == user.pk
    return False


def _state(obj):
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name != "updated_at"}


@pytest.mark.parametrize("username", ROLES)
def test_each_role_writes_exactly_what_it_may(api, users, oracle, username):
    client, user = api(username), users[username]
    for resource, spec in RESOURCES.items():
        expected = oracle.expected(username, user, resource)
        if not expected:
            continue
        if username == "zhujing" and resource == "neighbourhoods":
            town = user.memberships.get().organisation.town_id
            targets = [min(expected), m.Neighbourhood.objects.filter(town_id=town).first().pk]
        elif username == "wuye" and resource == "companies":
            targets = [user.memberships.get().organisation.company_id, min(expected)]
        elif username == "yeweihui" and resource.startswith("committee-"):
            committee = user.memberships.get().organisation.owners_committee_id
            own = [pk for pk in expected if spec.model.objects.get(pk=pk).committee_id == committee]
            targets = [min(own), min(expected - set(own))] if expected - set(own) else [min(own)]
        elif username == "yezhu" and resource == "people":
            targets = [user.person.pk]
        else:
            targets = [min(expected)]
        for pk in targets:
            for contact in (False, True):
                change = CONTACT_CHANGE.get(resource) if contact else CHANGE[resource]
                if change is None:
                    continue
                obj = spec.model.objects.get(pk=pk)
                before, logs = _state(obj), ChangeLog.objects.count()
                r = client.patch(f"/api/v1/{resource}/{pk}", change)
                if may_write(username, user, resource, obj, contact):
                    assert r.status_code == 200, (username, resource, pk, r.content[:300])
                    assert ChangeLog.objects.count() == logs + 1
                else:
                    assert r.status_code == 403, (username, resource, pk, r.status_code, r.content[:200])
                    assert "detail" in r.json()
                    assert _state(obj) == before, (username, resource, "changed although refused")
                    assert ChangeLog.objects.count() == logs
    # Outside the scope, a write is "not found", never "forbidden".
    for resource, spec in RESOURCES.items():
        outside = set(spec.model.objects.values_list("pk", flat=True)) - oracle.expected(username, user, resource)
        if outside:
            r = client.patch(f"/api/v1/{resource}/{min(outside)}", CHANGE[resource])
            assert r.status_code == 404, (username, resource)


@pytest.mark.parametrize("username", ROLES)
def test_each_role_exports_exactly_its_rows_masked_and_logged(api, users, oracle, username, settings):
    import csv
    import io

    from fangguan.core.models import SecurityEvent

    # every list's file within the request, so each is one answer and one event (a job's file is
    # read through the same export_table; its rows are tested in tests/exports/test_background.py
    # for one role, and masked for every role in tests/test_masking.py)
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 10**9

    client = api(username)
    for resource in RESOURCES:
        before = SecurityEvent.objects.filter(action="export").count()
        r = client.get(f"/api/v1/{resource}/export", format="csv")
        assert r.status_code == 200, (username, resource)
        text = b"".join(r.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(csv_text(text))))
        assert {int(row["系统编号"]) for row in rows} == oracle.expected(username, users[username], resource), (username, resource)
        event = SecurityEvent.objects.filter(action="export").latest("id")
        assert SecurityEvent.objects.filter(action="export").count() == before + 1
        assert (event.actor_name, event.detail["rows"]) == (username, len(rows))
        if resource == "people" and rows:
            # masked for everyone, the reveal permission included (issue 14): a clear export is
            # its own POST (tests/test_exports_clear.py)
            reveal = False
            assert event.detail["unmasked"] is reveal
            for header in ("证件号码", "联系电话"):
                values = [row[header] for row in rows if row[header]]
                assert values and all(("*" in v) is not reveal for v in values), header
