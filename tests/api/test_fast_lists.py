"""List pages served from values() rows (core.rows) answer exactly what the schemas answer.

The oracle is the other path: the same request with ``FANGGUAN_FAST_LISTS = 0`` goes through the
model instances and the ``*Out`` schema (ninja/pydantic), as every list did before. Each declared
resource is compared page for page for several roles, orderings and filters; the columns must
name the schema's fields in the schema's order; and queries per request are counted: the fast
page takes no more than the schema's and no more for 50 rows than for 2.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from fangguan.core.resources import _namespaces
from fangguan.registry import models as m

FAST = [(ns, r) for ns, resources in sorted(_namespaces.items()) for r in resources.values() if r.rows is not None]
ROLES = ["admin", "zhujing", "wuye", "yezhu"]


def _ids(params):
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_most_registry_lists_are_fast():
    names = {r.name for ns, r in FAST if ns == "r"}
    assert {"estates", "homes", "buildings", "people", "shares", "contracts"} <= names


@pytest.mark.parametrize("resource", [r for _ns, r in FAST], ids=lambda r: r.name)
def test_columns_are_the_schema_fields_in_order(resource):
    assert resource.rows.names == list(resource.out.model_fields)


def _page(client, path, fast: bool, headers=None, **params):
    with override_settings(FANGGUAN_FAST_LISTS=int(fast)), CaptureQueriesContext(connection) as ctx:
        r = client.client.get(path, params, **client.headers, **(headers or {}))
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/json; charset=utf-8"
    return r.json(), len(ctx.captured_queries)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", [r for ns, r in FAST if ns == "r"], ids=lambda r: r.name)
def test_fast_page_equals_the_schema_page(api, role, resource):
    client = api(role)
    path = f"/api/v1/{resource.name}"
    variants = [{"limit": 500}, {"limit": 7, "offset": 3}]
    variants += [{"limit": 20, "ordering": f"-{key}"} for key in resource.ordering[:2]]
    _page(client, path, True, limit=1)  # warm: the token's first use
    for params in variants:
        fast, fast_queries = _page(client, path, True, **params)
        slow, slow_queries = _page(client, path, False, **params)
        assert fast == slow, (resource.name, role, _ids(params))
        assert fast_queries <= slow_queries


def test_pages_of_homes_and_estates_with_filters(api):
    client = api("admin")
    estate = m.Estate.objects.filter(buildings__homes__isnull=False).distinct().order_by("pk").first()
    town = estate.town_id
    cases = [
        ("homes", {"estate": estate.pk, "limit": 50}),
        ("homes", {"estate": estate.pk, "use": "residential", "q": "1"}),
        ("estates", {"town": town, "delivered_from": "2000-01-01", "limit": 20}),
        ("estates", {"q": estate.name[:2]}),
        ("buildings", {"estate": estate.pk}),
        ("shares", {"estate": estate.pk}),
    ]
    for name, params in cases:
        fast, _ = _page(client, f"/api/v1/{name}", True, **params)
        slow, _ = _page(client, f"/api/v1/{name}", False, **params)
        assert fast == slow, (name, params)
        assert fast["count"] > 0, (name, params)


def test_labels_follow_the_language(api):
    client = api("admin")
    for lang in ("zh-hans", "en"):
        fast, _ = _page(client, "/api/v1/estates", True, limit=5, headers={"HTTP_ACCEPT_LANGUAGE": lang})
        slow, _ = _page(client, "/api/v1/estates", False, limit=5, headers={"HTTP_ACCEPT_LANGUAGE": lang})
        assert [e["estate_type_label"] for e in fast["items"]] == [e["estate_type_label"] for e in slow["items"]]


@pytest.mark.parametrize("name", ["estates", "homes", "buildings", "shares", "people", "contracts", "committee-members"])
def test_queries_do_not_grow_with_the_page(api, name, django_assert_max_num_queries):
    client = api("admin")
    _page(client, f"/api/v1/{name}", True, limit=1)  # warm: token, grants
    _, two = _page(client, f"/api/v1/{name}", True, limit=2)
    _, fifty = _page(client, f"/api/v1/{name}", True, limit=50)
    assert fifty == two
    # token + its user, grants, count, page: a list page is a handful of queries, never one per row
    with django_assert_max_num_queries(6):
        client.get(f"/api/v1/{name}", limit=50)
