"""The development records' permission spec (issue #8): the generated API and the web pages.

Restated by hand: the bureau and auditors read the whole district, a town office its town's
records; the bureau manages everything, a town office its town's; every other role sees
nothing. Targets: a record in zhujing's town and one in another town.
"""

from __future__ import annotations

import datetime as dt
import decimal
from functools import cache

from django.db import models as dj

from fangguan.development.resources import RESOURCES
from tests.kit.permissions import ROLES, Case, demo_users, expect, link_ids, page_of, state
from tests.kit.resources import ResourceSpec, api_cases

TOWN_PATH = {"parcels": "town_id", "projects": "town_id", "permits": "project__town_id",
             "affordable": "project__town_id", "renovations": "town_id"}
READ_ALL = {"admin", "auditor"}


def _town(user):
    return user.memberships.get().organisation.town_id


def visible(role, user, resource) -> set:
    qs = RESOURCES[resource].model.objects.all()
    if role in READ_ALL:
        return set(qs.values_list("pk", flat=True))
    if role == "zhujing":
        return set(qs.filter(**{TOWN_PATH[resource]: _town(user)}).values_list("pk", flat=True))
    return set()


def manages(role, user, resource, obj) -> bool:
    if role == "admin":
        return True
    if role == "zhujing":
        return obj.pk in visible(role, user, resource)
    return False


@cache
def targets(resource) -> dict:
    town = _town(demo_users()["zhujing"])
    qs = RESOURCES[resource].model.objects.order_by("pk")
    path = TOWN_PATH[resource]
    inside, outside = qs.filter(**{path: town}).first(), qs.exclude(**{path: town}).first()
    assert inside is not None and outside is not None, resource
    return {"in scope": inside, "out of scope": outside}


def _json(value):
    if isinstance(value, dj.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def payload(resource, obj) -> dict:
    body = {}
    for name in RESOURCES[resource].create_in.model_fields:
        if name == "estates":
            body[name] = list(obj.estates.values_list("pk", flat=True))
            continue
        value = _json(getattr(obj, name, None))
        if value is None:
            continue
        if name in {"code", "number"}:
            value = (value + "-K")[-30:]
        body[name] = value
    return body


REFERENCES = {"town": None, "parcel": "parcels", "project": "projects"}


def refused_create(role, user, resource, body) -> int:
    """403, or 422 where the body names a record the role cannot see (towns: business users only)."""
    from tests.registry.permissions import visible as registry_visible

    for name in ("parcel", "project"):
        if isinstance(body.get(name), int) and body[name] not in visible(role, user, REFERENCES[name]):
            return 422
    if "town" in body and body["town"] not in registry_visible(role, user, "towns"):
        return 422
    if set(body.get("estates") or ()) - registry_visible(role, user, "estates"):
        return 422
    return 403


CHANGE = {"parcels": {"name": "测试地块"}, "projects": {"name": "测试项目"}, "permits": {"homes": 7},
          "affordable": {"homes": 7}, "renovations": {"name": "测试改造"}}

SPEC_RESOURCES = ResourceSpec(resources=RESOURCES, visible=visible, manages=manages, targets=targets, change=CHANGE,
                              payload=payload, users=demo_users, export=False, refused_create=refused_create,
                              delete_ok={"parcels": 422, "projects": 422})  # still referred to


class _Lazy(dict):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self):
        return self.fn(demo_users())

    def __bool__(self):
        return True


def _web_cases() -> list[Case]:
    cases = []
    for name in RESOURCES:
        # the list offers "edit" on exactly the records the role manages (first page of 25, as the registry's)
        cases.append(Case("GET", "development/<slug:resource>/", f"/development/{name}/", expect(200),
                          rows=lambda role, user, name=name: {pk for pk in visible(role, user, name)
                                                              if role == "admin" or role == "zhujing"},
                          got=page_of(link_ids(rf'href="/development/{name}/(\d+)/edit/"'), 25), label=name))

        def adds(users):
            return {r: 200 if r in {"admin", "zhujing"} else 403 for r in ROLES}

        cases.append(Case("GET", "development/<slug:resource>/new/", f"/development/{name}/new/", _Lazy(adds), label=name))
        cases.append(Case("POST", "development/<slug:resource>/new/", f"/development/{name}/new/",
                          _Lazy(lambda users: {r: 422 if r in {"admin", "zhujing"} else 403 for r in ROLES}),
                          data={}, label=f"{name} (empty form)"))
        for label in ("in scope", "out of scope"):
            def edit(users, name=name, label=label, ok=200):
                o = targets(name)[label]
                return {r: (ok if manages(r, users[r], name, o) else 403) if o.pk in visible(r, users[r], name) else 404
                        for r in ROLES}

            path = lambda name=name, label=label: f"/development/{name}/{targets(name)[label].pk}/edit/"  # noqa: E731
            cases.append(Case("GET", "development/<slug:resource>/<int:pk>/edit/", path, _Lazy(edit), label=f"{name} {label}"))
            cases.append(Case("POST", "development/<slug:resource>/<int:pk>/edit/", path,
                              _Lazy(lambda users, f=edit: f(users, ok=422)), data={}, label=f"{name} {label} (empty form)",
                              snapshot=lambda name=name, label=label: state(targets(name)[label])))
    return cases


SPEC = api_cases(SPEC_RESOURCES) + _web_cases()
