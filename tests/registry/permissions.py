"""The registry's permission spec: its generated API for every resource and its web pages.

Who sees what comes from the scope matrix's oracle (``tests/api/test_scope_matrix.Oracle``: plain
Python over every record, not ``registry/scopes.py``); who manages what is issue #2's writing
rules restated here: the bureau everything; a town office its town's registry and
neighbourhood committees; a company the facilities of the estates it serves; an owners'
committee its own members and documents. Targets: records in the estate where ``yezhu`` owns a
home (served by ``wuye``, with ``yeweihui``'s committee) and records in an estate nobody but the
district sees.
"""

from __future__ import annotations

import datetime as dt
import decimal
from functools import cache, lru_cache

from django.db import models as dj
from stdnum.cn import uscc

from fangguan.registry import models as m
from fangguan.registry.resources import RESOURCES
from tests.api.test_scope_matrix import CHANGE, Oracle
from tests.kit.permissions import ROLES, Case, demo_users, expect, link_ids, page_of, state
from tests.kit.resources import ResourceSpec, api_cases

TOWN_WRITES = {"estates", "areas", "buildings", "homes", "shares", "people", "contracts", "committees",
               "committee-members", "committee-documents", "facilities", "assessments"}


@lru_cache(maxsize=1)
def oracle() -> Oracle:
    return Oracle()


def visible(role, user, resource) -> set:
    return oracle().expected(role, user, resource)


def _org(user):
    return user.memberships.get().organisation


def manages(role, user, resource, obj) -> bool:
    if role == "admin":
        return True
    if role == "zhujing":
        if resource == "neighbourhoods":
            return obj.town_id == _org(user).town_id
        return resource in TOWN_WRITES and obj.pk in visible(role, user, resource)
    if role == "wuye":
        return resource == "facilities" and obj.pk in visible(role, user, resource)
    if role == "yeweihui":
        return resource in {"committee-members", "committee-documents"} and obj.committee_id == _org(user).owners_committee_id
    return False


@lru_cache(maxsize=1)
def _places():
    users = demo_users()
    home = m.HomeShare.objects.filter(person__user=users["yezhu"]).select_related("home__building").first().home
    estate = home.building.estate
    seen = set()
    for role in ("zhujing", "juweihui", "wuye", "yeweihui", "yezhu"):
        seen |= visible(role, users[role], "estates")
    outside = m.Estate.objects.exclude(pk__in=seen).exclude(town_id=estate.town_id)
    far = outside.filter(facilities__isnull=False, assessments__isnull=False).order_by("pk").first()
    # The sample demo has homes in a few estates only: the far home is outside every scoped
    # account's reach but the town office's (another town than yezhu's).
    seen_but_town = set().union(*(visible(r, users[r], "estates") for r in ("juweihui", "wuye", "yeweihui", "yezhu")))
    far_home = m.Home.objects.filter(shares__isnull=False).exclude(building__estate__in=seen_but_town).exclude(
        building__estate__town_id=estate.town_id).order_by("pk").first()
    far_committee = m.OwnersCommittee.objects.filter(area__estate__in=outside, documents__isnull=False,
                                                     members__isnull=False).order_by("pk").first()
    assert far is not None and far_committee is not None and far_home is not None, "the demo needs estates outside every scoped account's reach"
    committee = _org(users["yeweihui"]).owners_committee
    return {"home": home, "estate": estate, "far": far, "committee": committee, "company": _org(users["wuye"]).company,
            "far_committee": far_committee, "far_home": far_home}


@cache
def targets(resource) -> dict:
    p = _places()
    home, estate, far, committee = p["home"], p["estate"], p["far"], p["committee"]
    far_home = p["far_home"]
    far_committee = p["far_committee"]
    pick = {
        "towns": (estate.town, far.town),
        "neighbourhoods": (estate.neighbourhood, m.Neighbourhood.objects.exclude(town=estate.town).order_by("pk").first()),
        "estates": (estate, far),
        "areas": (home.building.area, far_home.building.area),
        "buildings": (home.building, far_home.building),
        "homes": (home, far_home),
        "shares": (home.shares.order_by("pk").first(), far_home.shares.order_by("pk").first()),
        "people": (home.shares.order_by("pk").first().person, far_home.shares.order_by("pk").first().person),
        "companies": (p["company"], m.Company.objects.exclude(pk=p["company"].pk).order_by("pk").first()),
        "contracts": (m.Contract.objects.filter(area=home.building.area, company=p["company"]).order_by("-pk").first(),
                      m.Contract.objects.filter(area__estate=far).order_by("pk").first()),
        "committees": (committee, far_committee),
        "committee-members": (committee.members.filter(person__user__username="yeweihui").first(),
                              far_committee.members.order_by("pk").first()),
        "committee-documents": (committee.documents.order_by("pk").first(), far_committee.documents.order_by("pk").first()),
        "facilities": (estate.facilities.order_by("pk").first(), far.facilities.order_by("pk").first()),
        "assessments": (estate.assessments.order_by("pk").first(), far.assessments.order_by("pk").first()),
    }[resource]
    assert all(x is not None for x in pick), (resource, pick)
    return {"in scope": pick[0], "out of scope": pick[1]}


def _json(value):
    if isinstance(value, dj.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


UNIQUE = {"code", "credit_code", "number", "room_number", "name", "title", "property_unit_number"}


def payload(resource, obj) -> dict:
    """A create body cloned from ``obj`` (unique fields made new), so the record lands where ``obj`` is."""
    schema = RESOURCES[resource].create_in
    body = {}
    for name in schema.model_fields:
        if name == "share":
            continue
        value = _json(getattr(obj, name, None))
        if value is None:
            continue
        if name in UNIQUE and isinstance(value, str):
            value = (value + "-K")[-18:]
        body[name] = value
    if resource == "companies":
        code = "91310000" + "99999999" + "X"
        body["credit_code"] = code + uscc.calc_check_digit(code)
    if resource == "people":
        share = obj.shares.order_by("pk").first()
        body["share"] = {"home": share.home_id, "kind": "public_tenant", "share_percent": "1", "since": "2020-01-01"}
        body["id_number"] = ""
    if resource == "shares":
        body |= {"kind": "public_tenant", "share_percent": "1"}
    if resource == "contracts":  # before any other contract of the area
        body |= {"start_on": "1990-01-01", "end_on": "1990-12-31"}
        body.pop("terminated_on", None)
    return body


# The payload's references, by the resource they name: a create naming a record the role cannot
# see is refused as bad input (422), like one naming a record that does not exist.
REFERENCES = {"town": "towns", "neighbourhood": "neighbourhoods", "estate": "estates", "area": "areas",
              "building": "buildings", "home": "homes", "person": "people", "company": "companies",
              "committee": "committees", "developer": "people"}


def refused_create(role, user, resource, body) -> int:
    refs = dict(body.get("share") and {"home": body["share"]["home"]} or {}, **body)
    for name, target in REFERENCES.items():
        value = refs.get(name)
        if isinstance(value, int) and value not in visible(role, user, target):
            return 422
    return 403


SPEC_RESOURCES = ResourceSpec(
    resources=RESOURCES, visible=visible, manages=manages, targets=targets, change=CHANGE, payload=payload,
    users=demo_users, refused_create=refused_create,
    # still referred to by other records: an allowed delete is refused as such (422), after the permission check
    delete_ok={name: 422 for name in ("towns", "neighbourhoods", "estates", "areas", "buildings", "homes", "people",
                                      "companies", "committees")},
    export_narrow={
        "homes": (lambda: {"estate": _places()["estate"].pk},
                  lambda: set(m.Home.objects.filter(building__estate=_places()["estate"]).values_list("pk", flat=True))),
        "shares": (lambda: {"estate": _places()["estate"].pk},
                   lambda: set(m.HomeShare.objects.filter(home__building__estate=_places()["estate"]).values_list("pk", flat=True))),
        "people": (lambda: {"estate": _places()["far_home"].building.estate_id},
                   lambda: set(m.Person.objects.filter(shares__home__building__estate=_places()["far_home"].building.estate_id
                                                       ).values_list("pk", flat=True))),
    },
)


def _web_cases() -> list[Case]:
    """The generic registry pages (``/r/<resource>/…``), for every resource: the list shows the
    oracle's rows (first page); the detail, history, edit and delete pages answer by scope and rule."""
    cases: list[Case] = []
    for name, res in RESOURCES.items():
        def obj(label, name=name):
            return targets(name)[label]

        for label in ("in scope", "out of scope"):
            def seen_or_404(users, label=label, name=name, ok=200, rule=None):
                o = obj(label)
                return {r: ((ok if rule is None or rule(r, users[r], o) else 403)
                            if o.pk in visible(r, users[r], name) else 404) for r in ROLES}

            cases.append(Case("GET", "r/<slug:resource>/<int:pk>/", lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/",
                              _lazy(seen_or_404), label=f"{name} {label}"))
            def history(users, label=label, name=name):
                o = obj(label)
                return {r: 200 if o.pk in visible(r, users[r], name) or r in SECURITY_READERS else 404 for r in ROLES}

            cases.append(Case("GET", "r/<slug:resource>/<int:pk>/history/",
                              lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/history/",
                              _lazy(history), label=f"{name} {label}"))
            if res.create_in is not None:
                def editable(r, user, o, name=name):
                    return manages(r, user, name, o) or _partial(r, user, name, o)

                cases.append(Case("GET", "r/<slug:resource>/<int:pk>/edit/",
                                  lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/edit/",
                                  _lazy(lambda users, f=seen_or_404, e=editable: f(users, rule=e)), label=f"{name} {label}"))
                cases.append(Case("POST", "r/<slug:resource>/<int:pk>/edit/",
                                  lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/edit/",
                                  _lazy(lambda users, f=seen_or_404, e=editable: f(users, rule=e)), label=f"{name} {label}",
                                  snapshot=lambda name=name, label=label: state(obj(label))))
            if res.deletable:
                def deletable(r, user, o, name=name):
                    return manages(r, user, name, o)

                cases.append(Case("GET", "r/<slug:resource>/<int:pk>/delete/",
                                  lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/delete/",
                                  _lazy(lambda users, f=seen_or_404, d=deletable: f(users, rule=d)), label=f"{name} {label}"))
                cases.append(Case("POST", "r/<slug:resource>/<int:pk>/delete/",
                                  lambda name=name, label=label: f"/r/{name}/{obj(label).pk}/delete/",
                                  _lazy(lambda users, f=seen_or_404, d=deletable: f(users, ok=302, rule=d)),
                                  label=f"{name} {label}", snapshot=lambda name=name, label=label: state(obj(label))))
            if res.create_in is not None:
                # bulk edit, choosing the one record: its form for whoever may change it (all its
                # fields, or a company's or owner's contact fields), 403 to a reader, 404 unseen
                cases.append(Case("POST", "r/<slug:resource>/bulk-edit/", f"/r/{name}/bulk-edit/",
                                  _lazy(lambda users, f=seen_or_404, e=editable: f(users, rule=e)),
                                  label=f"{name} {label} chosen",
                                  data=lambda name=name, label=label: {"pk": [obj(label).pk]},
                                  snapshot=lambda name=name, label=label: state(obj(label))))
        cases.append(Case("GET", "r/<slug:resource>/", f"/r/{name}/", expect(200),
                          rows=lambda role, user, name=name: visible(role, user, name),
                          got=page_of(link_ids(rf'href="/r/{name}/(\d+)/"'), WEB_PAGE), label=name))
        if res.create_in is not None:
            def adds(users, name=name):
                return {r: 200 if _adds(r, users[r], name) else 403 for r in ROLES}

            cases.append(Case("GET", "r/<slug:resource>/new/", f"/r/{name}/new/", _lazy(adds), label=name))
            cases.append(Case("POST", "r/<slug:resource>/new/", f"/r/{name}/new/", _lazy(adds), label=name,
                              data={}))
    cases += _bulk_apply_cases()
    for label in ("in scope", "out of scope"):
        def reveal(users, label=label):
            person = targets("people")[label]
            # the bureau and the town office hold the reveal permission (README's demo accounts)
            return {r: (200 if r in {"admin", "zhujing"} else 403) if person.pk in visible(r, users[r], "people") else 404
                    for r in ROLES}

        for method in ("GET", "POST"):
            cases.append(Case(method, "r/people/<int:pk>/reveal/",
                              lambda label=label: f"/r/people/{targets('people')[label].pk}/reveal/",
                              _lazy(reveal), label=label, data={"field": "phone", "reason": "核对联系方式"}))
    return cases


# Bulk edits applied: a contact field of estates (the town office and the bureau manage them, a
# serving company may change it), a facility's location (the serving company manages facilities).
BULK_APPLY = {
    "estates": {"apply_service_phone": "on", "service_phone": "021-57000000"},
    "facilities": {"apply_location": "on", "location": "测试位置"},
}


def _bulk_apply_cases() -> list[Case]:
    """``apply`` through the bulk edit: a redirect to the list (changed) for whoever may change
    every chosen record, 403 (nothing changed) for a reader, 404 where a chosen record is unseen.
    The mixed case chooses the in-scope and the far record together: the batch is refused whole."""
    cases = []
    for name, change in BULK_APPLY.items():
        for labels in (("in scope",), ("out of scope",), ("in scope", "out of scope")):
            def chosen(name=name, labels=labels):
                return [targets(name)[label] for label in labels]

            def status(users, name=name, chosen=chosen):
                out = {}
                for r in ROLES:
                    objs = chosen()
                    if any(o.pk not in visible(r, users[r], name) for o in objs):
                        out[r] = 404
                    elif all(manages(r, users[r], name, o) or _partial(r, users[r], name, o) for o in objs):
                        out[r] = 302
                    else:
                        out[r] = 403
                return out

            cases.append(Case("POST", "r/<slug:resource>/bulk-edit/", f"/r/{name}/bulk-edit/", _lazy(status),
                              label=f"{name} {' + '.join(labels)} apply",
                              data=lambda chosen=chosen, change=change: {
                                  "pk": [o.pk for o in chosen()], "apply": "1", **change},
                              snapshot=lambda chosen=chosen: tuple(state(o) for o in chosen())))
    return cases


def _partial(role, user, name, obj) -> bool:
    """Contact fields: a serving company on an estate and on its own company; an owner on themselves."""
    if role == "wuye":
        return (name == "estates" and obj.pk in visible(role, user, name)) or (
            name == "companies" and obj.pk == _org(user).company_id)
    return role == "yezhu" and name == "people" and obj.user_id == user.pk


def _adds(role, user, name) -> bool:
    if role == "admin":
        return True
    if role == "zhujing":
        return name in TOWN_WRITES or name == "neighbourhoods"
    return (role == "wuye" and name == "facilities") or (
        role == "yeweihui" and name in {"committee-members", "committee-documents"})


WEB_PAGE = 25  # rows on the first page of a list
# Who reads the security log sees a record's security events (and so its history page) even
# where the record itself is hidden (README: the auditor, and auditadmin's security log).
SECURITY_READERS = {"auditor", "auditadmin"}


class _LazyExpect(dict):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self):
        return self.fn(demo_users())

    def __bool__(self):
        return True


def _lazy(fn):
    return _LazyExpect(fn)


SPEC = api_cases(SPEC_RESOURCES) + _web_cases()
