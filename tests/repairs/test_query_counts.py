"""No query per row: the queue API, one request's detail with its events and the queue page ask
the database the same number of times whatever the number of rows (a per-row query added to
any of them makes the second count larger and the test fail)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangguan.repairs import services

from .conftest import png_upload

pytestmark = pytest.mark.django_db

# The most each may take (auth, scope, the rows, one query per related table); generous, the
# equality between sizes is what catches a per-row query.
MAX_QUEUE_API, MAX_DETAIL_API, MAX_QUEUE_PAGE = 14, 20, 20


def count(fn) -> int:
    fn()  # warm caches (translations, content types) so both sizes start equal
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def worked(world, n: int) -> list:
    """``n`` requests with a home, an assignee and a few events each."""
    done = []
    for i in range(n):
        r = world.file(description=f"漏水 {i}", photos=[png_upload(f"p{i}.png")])
        for action, params in (("accept", {}), ("assign", {"assignee": world.technician}), ("start", {})):
            r = services.act(world.dispatcher, r, action, **params)
        done.append(r)
    return done


def test_the_queue_api_does_not_query_per_row(world, api):
    client = api("wuye")

    def queue():
        return client.get("/api/v1/repairs", ordering="deadline", status="in_progress")

    worked(world, 2)
    few = count(queue)
    worked(world, 5)
    assert queue().json()["count"] == 7
    assert count(queue) == few <= MAX_QUEUE_API


def test_the_detail_api_does_not_query_per_event(world, api):
    client = api("wuye")
    first = worked(world, 1)[0]
    few = count(lambda: client.get(f"/api/v1/repairs/{first.pk}"))
    for action, params in (("complete", {"note": "已修"}),):
        services.act(world.dispatcher, first, action, **params)
    services.act(world.resident, first, "reopen", comment="没修好")
    services.add_photos(world.resident, first, [png_upload("again.png")])
    body = client.get(f"/api/v1/repairs/{first.pk}").json()
    assert len(body["events"]) >= 6 and len(body["photos"]) == 2
    assert count(lambda: client.get(f"/api/v1/repairs/{first.pk}")) == few <= MAX_DETAIL_API


def test_the_queue_page_does_not_query_per_row(world):
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(world.dispatcher)
    worked(world, 2)
    few = count(lambda: c.get("/repairs/"))
    worked(world, 5)
    assert count(lambda: c.get("/repairs/")) == few <= MAX_QUEUE_PAGE
