"""Permission cases for a module's ``core.resources`` table: the generated API (list, export,
detail, create, change, delete) and web pages (list, detail, new, edit, delete, history), for a
few chosen records, every role. The module gives, by hand or from its own oracle:

- ``visible(role, user, resource)``: the ids each role sees (the oracle, not ``visible_to``);
- ``manages(role, user, resource, obj)``: whether the role may add, change every field of and
  delete that record (the module's writing rules, restated);
- ``targets(resource)``: the records to act on (label -> record), chosen in and out of scopes;
- ``change`` (a harmless PATCH per resource) and ``payload(resource, obj)`` (a valid create body).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .permissions import ROLES, Case, api_page, csv_ids, expect, link_ids, state


@dataclass
class ResourceSpec:
    resources: dict  # name -> core.resources.Resource
    visible: Callable[[str, Any, str], set]
    manages: Callable[[str, Any, str, Any], bool]
    targets: Callable[[str], dict[str, Any]]
    change: dict[str, dict]
    payload: Callable[[str, Any], dict]
    users: Callable[[], dict]
    api_prefix: str = "api/v1/"
    export: bool = True
    # which status an allowed delete gets, per resource (422 where the record is still referred to)
    delete_ok: dict[str, int] = field(default_factory=dict)
    creatable: Callable[[str, str, Any], bool] | None = None  # default: manages(..., the target)
    # the status of a refused create: (role, user, resource, body) -> 403 or 422 (names unseen records)
    refused_create: Callable[[str, Any, str, dict], int] = lambda role, user, resource, body: 403
    # long lists exported for one place: name -> (query params, the ids there by the spec's own query)
    export_narrow: dict[str, tuple[Callable[[], dict], Callable[[], set]]] = field(default_factory=dict)


def _with(spec: ResourceSpec, fn):
    """Evaluate ``fn(users)`` lazily, inside the test."""
    return lambda: fn(spec.users())


def api_cases(spec: ResourceSpec) -> list[Case]:
    cases: list[Case] = []
    p = spec.api_prefix
    for name, res in spec.resources.items():
        def rows(role, user, name=name):
            return spec.visible(role, user, name)

        def everyone_200(users):
            return expect(200)

        cases.append(Case("GET", f"{p}{name}", f"/{p}{name}", expect(200), query={"limit": 500},
                          rows=rows, got=api_page, label="rows"))
        if spec.export:
            narrow = spec.export_narrow.get(name)
            if narrow is None:
                cases.append(Case("GET", f"{p}{name}/export", f"/{p}{name}/export", expect(200),
                                  query={"format": "csv"}, rows=rows, got=csv_ids, label="rows"))
            else:  # a long list: exported for one place, the oracle narrowed by the spec's own query
                query, among = narrow
                cases.append(Case("GET", f"{p}{name}/export", f"/{p}{name}/export", expect(200),
                                  query=lambda query=query: {"format": "csv", **query()},
                                  rows=lambda role, user, name=name, among=among: spec.visible(role, user, name) & among(),
                                  got=csv_ids, label="rows, one place"))
        for label in spec.targets_labels(name) if hasattr(spec, "targets_labels") else _labels(spec, name):
            cases += _object_cases(spec, name, res, label)
        if res.create_in is not None:
            cases.append(_create_case(spec, name, res))
    return cases


def _labels(spec, name):
    return TARGET_LABELS


TARGET_LABELS = ("in scope", "out of scope")


def _target(spec, name, label):
    return spec.targets(name)[label]


def _object_cases(spec: ResourceSpec, name: str, res, label: str) -> list[Case]:
    p = spec.api_prefix
    obj = lambda: _target(spec, name, label)  # noqa: E731
    path = lambda: f"/{p}{name}/{obj().pk}"  # noqa: E731

    def seen(role, users):
        return obj().pk in spec.visible(role, users[role], name)

    def detail(users):
        return {r: 200 if seen(r, users) else 404 for r in ROLES}

    def patch(users):
        return {r: (200 if spec.manages(r, users[r], name, obj()) else 403) if seen(r, users) else 404 for r in ROLES}

    def delete(users):
        ok = spec.delete_ok.get(name, 204)
        return {r: (ok if spec.manages(r, users[r], name, obj()) else 403) if seen(r, users) else 404 for r in ROLES}

    snap = lambda: state(obj())  # noqa: E731
    cases = [Case("GET", f"{p}{name}/<int:obj_id>", path, _Lazy(spec, detail), label=label)]
    if res.create_in is not None:
        cases.append(Case("PATCH", f"{p}{name}/<int:obj_id>", path, _Lazy(spec, patch), label=label,
                          data=spec.change[name], snapshot=snap))
    if res.deletable:
        cases.append(Case("DELETE", f"{p}{name}/<int:obj_id>", path, _Lazy(spec, delete), label=label, snapshot=snap))
    return cases


def _create_case(spec: ResourceSpec, name: str, res) -> Case:
    p = spec.api_prefix
    target = lambda: _target(spec, name, "in scope")  # noqa: E731

    def create(users):
        out = {}
        for r in ROLES:
            may = (spec.creatable(r, name, users[r]) if spec.creatable
                   else spec.manages(r, users[r], name, target()))
            out[r] = 201 if may else spec.refused_create(r, users[r], name, spec.payload(name, target()))
        return out

    return Case("POST", f"{p}{name}", f"/{p}{name}", _Lazy(spec, create), data=lambda: spec.payload(name, target()),
                label="create")


class _Lazy(dict):
    """An ``expect`` computed inside the test (it reads the demo)."""

    def __init__(self, spec, fn):
        super().__init__()
        self.spec, self.fn = spec, fn

    def __call__(self):
        return self.fn(self.spec.users())

    def __bool__(self):
        return True


def web_list_ids(prefix: str, name: str):
    return link_ids(rf'href="/{prefix}{name}/(\d+)/"')
