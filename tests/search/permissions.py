"""The search's permission spec (issue 18): ``GET /api/v1/search`` and ``/search/`` for every role,
with a row oracle — each role's results are exactly the matching records it may see.

What matches is restated here from ``fangguan.search.kinds``' documentation, in plain Python
over every record (``matching``); who sees what is the registry's scope oracle
(``tests.api.test_scope_matrix.Oracle``, through ``tests.registry.permissions.visible``) and, for
the repair request this spec files in yezhu's estate, the repairs spec's hand-written ``SEES``.
Types whose candidates this spec has no oracle for (inspections, complaints, fund applications,
votes) must have none for the queries chosen: ``matching`` fails loudly otherwise.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils import timezone

from fangguan.registry import models as rm
from fangguan.repairs import services as repair_services
from fangguan.repairs.models import Category
from tests.kit.permissions import Case, Page, demo_users, expect
from tests.kit.permissions import world as built
from tests.registry.permissions import _places, visible
from tests.repairs.permissions import SEES

REGISTRY = ("estates", "buildings", "homes", "people", "companies", "committees", "neighbourhoods", "towns")
PAGE_SIZE = 5  # results per type on the page's overview (search.selectors.OVERVIEW_LIMIT)


def world() -> dict:
    users = demo_users()
    share = rm.HomeShare.objects.as_of(timezone.localdate()).filter(person__user=users["yezhu"]).select_related(
        "home__building__estate").first()
    home = share.home
    request = repair_services.create_request(users["yezhu"], estate=home.building.estate, home=home,
                                             category=Category.objects.get(code="roof-leak"),
                                             description="搜索：卫生间顶部渗水")
    identified = rm.Person.objects.exclude(id_number_index="").order_by("pk").first()
    return {"home": home, "estate": home.building.estate, "person": share.person, "request": request,
            "identified": identified}


@lru_cache(maxsize=1)
def _rows():
    """Every searchable registry row's text, read once (the demo does not change between cases)."""
    estates = {e["pk"]: e for e in rm.Estate.objects.values("pk", "name", "name_pinyin", "code", "address")}
    return {
        "estates": estates,
        "buildings": list(rm.Building.objects.values("pk", "number", "estate_id")),
        "homes": list(rm.Home.objects.values("pk", "room_number", "property_unit_number", "building__number",
                                             "building__estate_id")),
        "people": list(rm.Person.objects.values("pk", "name", "name_pinyin")),
        "companies": list(rm.Company.objects.values("pk", "name", "name_pinyin", "credit_code")),
        "committees": list(rm.OwnersCommittee.objects.values("pk", "name", "area__estate_id")),
        "neighbourhoods": list(rm.Neighbourhood.objects.values("pk", "name", "code")),
        "towns": list(rm.Town.objects.values("pk", "name", "code")),
    }


def _named(term: str, row: dict, *, code: str | None = "code", also=()) -> bool:
    if term.isdigit():
        return code is not None and row[code].lower() == term.lower()
    if term in row["name"] or (term.isascii() and term.lower() in row.get("name_pinyin", "")):
        return True
    return (code is not None and row[code].lower() == term.lower()) or any(term in row[f] for f in also)


def _person(row: dict, text: str) -> bool:
    """A name containing the text (a one-letter text: starting with it), or its pinyin key (two
    letters or more)."""
    def hit(value):
        return value.startswith(text_) if len(text) == 1 else text_ in value

    text_ = text
    if hit(row["name"]):
        return True
    text_ = text.lower()
    return text.isascii() and len(text) > 1 and hit(row["name_pinyin"])


def matching(q: str) -> dict[str, set]:
    """The records each registry type holds for ``q``, whoever looks (restated, not imported)."""
    terms = q.split()
    rows = _rows()
    estates = rows["estates"]

    def estate_has(estate_id, ts):
        return all(_named(t, estates[estate_id]) for t in ts)

    found = {
        "estates": {pk for pk, e in estates.items() if all(_named(t, e, also=("address",)) for t in terms)},
        "buildings": {b["pk"] for b in rows["buildings"] if len(terms) >= 2 and estate_has(b["estate_id"], terms[:-1])
                      and b["number"].lower().startswith(terms[-1].lower())},
        "people": {p["pk"] for p in rows["people"] if _person(p, "".join(terms))},
        "companies": {c["pk"] for c in rows["companies"] if all(_named(t, c, code="credit_code") for t in terms)},
        "committees": {c["pk"] for c in rows["committees"]
                       if all(t in c["name"] or _named(t, estates[c["area__estate_id"]]) for t in terms)},
        "neighbourhoods": {n["pk"] for n in rows["neighbourhoods"] if all(_named(t, n) for t in terms)},
        "towns": {t_["pk"] for t_ in rows["towns"] if all(_named(t, t_) for t in terms)},
    }
    homes = set()
    for h in rows["homes"]:
        if len(terms) == 1:
            ok = h["property_unit_number"] == terms[0].upper() and any(ch.isdigit() for ch in terms[0])
        else:
            ok = h["room_number"].lower().startswith(terms[-1].lower())
            if len(terms) == 2:
                ok = ok and estate_has(h["building__estate_id"], terms[:1])
            else:
                ok = ok and estate_has(h["building__estate_id"], terms[:-2]) and h["building__number"].lower().startswith(
                    terms[-2].lower())
        if ok:
            homes.add(h["pk"])
    found["homes"] = homes
    _none_elsewhere(terms)
    return found


def _none_elsewhere(terms) -> None:
    """The types this spec has no visibility oracle for must hold nothing for its queries."""
    from fangguan.funds.models import Application
    from fangguan.supervision.models import Inspection
    from fangguan.votes.models import Vote

    for model, field in ((Inspection, "estate__name"), (Application, "title"), (Vote, "title")):
        hits = [pk for pk, text in model.objects.values_list("pk", field) if all(t in text for t in terms)]
        assert not hits, f"the search spec has no oracle for {model.__name__}, yet {hits[:5]} match {terms}"


def oracle(q_of, *, per_type: int | None = None):
    """Rows: "type:id" of every matching record the role may see (at most ``per_type`` a type)."""

    def rows(role, user) -> set:
        q = q_of()
        out = set()
        for kind, ids in matching(q).items():
            seen = ids & visible(role, user, kind)
            if per_type is not None:
                assert len(seen) <= per_type, f"{kind}: {len(seen)} results for {q!r}: choose a narrower query"
            out |= {f"{kind}:{pk}" for pk in seen}
        return out

    return rows


def _estate_name() -> str:
    return built()["estate"].name


def _address() -> str:
    home = built()["home"]
    return f"{home.building.estate.name} {home.building.number} {home.room_number}"


def _person_name() -> str:
    return built()["person"].name


def api_rows(response) -> set:
    body = response.json()
    assert body["count"] == len(body["items"])
    return {f"{item['type']}:{item['id']}" for item in body["items"]}


_LINK = re.compile(r'<a href="(/[^"]+)" class="app-search-result"')
_URLS = [(re.compile(r"^/r/([a-z-]+)/(\d+)/$"), None), (re.compile(r"^/repairs/(\d+)/$"), "repairs"),
         (re.compile(r"^/supervision/complaints/(\d+)/$"), "complaints"),
         (re.compile(r"^/supervision/inspections/(\d+)/$"), "inspections"),
         (re.compile(r"^/funds/applications/(\d+)/$"), "fund-applications"), (re.compile(r"^/votes/(\d+)/$"), "votes")]


def page_rows(response) -> set:
    out = set()
    for url in _LINK.findall(response.content.decode()):
        for pattern, kind in _URLS:
            found = pattern.match(url)
            if found:
                out.add(f"{kind}:{found.group(1)}" if kind else f"{found.group(1)}:{found.group(2)}")
                break
        else:
            raise AssertionError(f"a result links to {url}, which the spec does not know")
    return out


def _identified_rows(role, user) -> set:
    """The one person whose identity number was typed (the demo gives each person their own), if
    the role sees them."""
    person = built()["identified"]
    assert rm.Person.objects.filter(id_number_index=person.id_number_index).count() == 1
    return {f"people:{person.pk}"} & {f"people:{pk}" for pk in visible(role, user, "people")}


def _repair_rows(role, user) -> set:
    return {f"repairs:{built()['request'].pk}"} if role in SEES else set()


# --- The committee member picker -------------------------------------------------------------------
# Who may ask: whoever may add a member to the committee (the bureau, the town office of its town,
# the owners' committee itself); a role that sees the committee but may not add gets 403, one that
# does not see it 404. The people: a right in force today in a home of the committee's estate,
# whose name (or pinyin key, for ASCII text) holds the text, among the people the role sees.


def _picker_text() -> str:
    return built()["person"].name  # yezhu's own name: a person of yeweihui's committee's estate


def _candidates(committee_of, text_of=_picker_text):
    def rows(role, user) -> set:
        committee, text = committee_of(), text_of()
        today = timezone.localdate()
        holders = {pk for pk, since, until in rm.HomeShare.objects.filter(
            home__building__estate_id=committee.area.estate_id).values_list("person_id", "since", "until")
            if since <= today and (until is None or until > today)}
        named = {p["pk"] for p in _rows()["people"] if p["pk"] in holders and (
            text in p["name"] or (text.isascii() and text.lower() in p["name_pinyin"]))}
        found = named & visible(role, user, "people")
        assert found or role != "admin" or committee == _far_committee(), f"{text!r} finds nobody: the case proves nothing"
        return found

    return rows


def _town_text() -> str:
    """Pinyin initials of a person of that committee's estate (two letters: many people match, and
    the answer is the first page of them)."""
    committee = _town_committee()
    share = (rm.HomeShare.objects.filter(home__building__estate_id=committee.area.estate_id, until__isnull=True)
             .select_related("person").order_by("pk").first())
    return share.person.name_pinyin.split()[-1][:2]


def _picker_ids(response) -> Page:
    """At most a page (``limit``) of the people: that many of the oracle's, or all of them."""
    return Page(None, frozenset(item["id"] for item in response.json()["items"]), 50)


_OPTION = re.compile(r'role="option" id="[A-Za-z0-9_-]+-option-(\d+)"')


def _option_ids(response) -> Page:
    return Page(None, frozenset(int(pk) for pk in _OPTION.findall(response.content.decode())), 20)


def _own_committee():
    return _places()["committee"]


def _far_committee():
    return _places()["far_committee"]


def _town_committee():
    """A committee of zhujing's town (yeweihui's is in another town), in an estate with people,
    that no company or owner among the demo accounts reaches."""
    users = demo_users()
    town = users["zhujing"].memberships.get().organisation.town_id
    reached = set().union(*(visible(r, users[r], "estates") for r in ("juweihui", "wuye", "yeweihui", "yezhu")))
    return (rm.OwnersCommittee.objects.filter(area__estate__town_id=town, area__estate__buildings__homes__shares__isnull=False)
            .exclude(area__estate__in=reached).distinct().order_by("pk").first())


# yeweihui's committee is in 石化街道, in juweihui's neighbourhood and served by wuye, yezhu's estate
PICKER_OWN = expect(404, admin=200, yeweihui=200, juweihui=403, wuye=403, yezhu=403, auditor=403)
PICKER_TOWN = expect(404, admin=200, zhujing=200, auditor=403)
PICKER_FAR = expect(404, admin=200, auditor=403)


SPEC = [
    Case("GET", "api/v1/search", "/api/v1/search", expect(200), label="an estate's name",
         query=lambda: {"q": _estate_name(), "limit": 50}, rows=oracle(_estate_name, per_type=50), got=api_rows),
    Case("GET", "api/v1/search", "/api/v1/search", expect(200), label="a home's address",
         query=lambda: {"q": _address(), "limit": 50}, rows=oracle(_address, per_type=50), got=api_rows),
    Case("GET", "api/v1/search", "/api/v1/search", expect(200), label="a person's name",
         query=lambda: {"q": _person_name(), "type": "people", "limit": 50},
         rows=lambda role, user: {r for r in oracle(_person_name, per_type=50)(role, user) if r.startswith("people:")},
         got=api_rows),
    Case("GET", "api/v1/search", "/api/v1/search", expect(200), label="a request number",
         query=lambda: {"q": f"#{built()['request'].pk}", "type": "repairs"}, rows=_repair_rows, got=api_rows),
    Case("GET", "search/", "/search/", expect(200), label="an estate's name",
         query=lambda: {"q": _estate_name()}, rows=oracle(_estate_name, per_type=PAGE_SIZE), got=page_rows),
    Case("GET", "search/", "/search/", expect(200), label="a request number, one type",
         query=lambda: {"q": f"#{built()['request'].pk}", "type": "repairs"}, rows=_repair_rows, got=page_rows),
    # the forms POST: an identity number is answered there (no URL holds it), a name goes on to GET
    Case("POST", "search/", "/search/", expect(200), label="an identity number, one type",
         data=lambda: {"q": built()["identified"].id_number_clear(), "type": "people"}, rows=_identified_rows,
         got=page_rows),
    Case("POST", "search/", "/search/", expect(303), label="an estate's name",
         data=lambda: {"q": _estate_name()}),
    Case("GET", "api/v1/committees/<int:committee_id>/candidates",
         lambda: f"/api/v1/committees/{_own_committee().pk}/candidates", PICKER_OWN, label="yeweihui's committee",
         query=lambda: {"q": _picker_text(), "limit": 50}, rows=_candidates(_own_committee), got=_picker_ids),
    Case("GET", "api/v1/committees/<int:committee_id>/candidates",
         lambda: f"/api/v1/committees/{_far_committee().pk}/candidates", PICKER_FAR, label="a committee far away",
         query=lambda: {"q": _picker_text(), "limit": 50}, rows=_candidates(_far_committee), got=_picker_ids),
    Case("GET", "api/v1/committees/<int:committee_id>/candidates",
         lambda: f"/api/v1/committees/{_town_committee().pk}/candidates", PICKER_TOWN, label="a committee of zhujing's town",
         query=lambda: {"q": _town_text(), "limit": 50}, rows=_candidates(_town_committee, _town_text), got=_picker_ids),
    Case("GET", "search/candidates/", "/search/candidates/", PICKER_TOWN, label="a committee of zhujing's town",
         query=lambda: {"committee": _town_committee().pk, "q": _town_text()}, rows=_candidates(_town_committee, _town_text),
         got=_option_ids),
    Case("GET", "search/candidates/", "/search/candidates/", PICKER_OWN, label="yeweihui's committee",
         query=lambda: {"committee": _own_committee().pk, "q": _picker_text()}, rows=_candidates(_own_committee),
         got=_option_ids),
    Case("GET", "search/candidates/", "/search/candidates/", PICKER_FAR, label="a committee far away",
         query=lambda: {"committee": _far_committee().pk, "q": _picker_text()}, rows=_candidates(_far_committee),
         got=_option_ids),
]
