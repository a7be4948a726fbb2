"""The read replica router's decisions, one by one, and the browser's pin after its own write.
(The suite has no replica: DATABASES has none unless DATABASE_REPLICA_URL is set, so here the
router is asked with the replica declared present.)"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from fangguan.accounts.models import User
from fangguan.core import replica
from fangguan.core.replica import PIN_COOKIE, ReplicaPinMiddleware, ReplicaRouter, replica_reads


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: True)


def _fresh(fn):
    """Run ``fn`` in a context of its own, as each request is (the pin does not leak)."""
    import contextvars

    return contextvars.Context().run(fn)


def test_only_asked_for_reads_go_to_the_replica(with_replica):
    router = ReplicaRouter()
    assert _fresh(lambda: router.db_for_read(User)) == "default"

    def asked():
        with replica_reads():
            return router.db_for_read(User)

    assert _fresh(asked) == "replica"


def test_without_a_replica_everything_reads_the_primary():
    def asked():
        with replica_reads():
            return ReplicaRouter().db_for_read(User)

    assert _fresh(asked) == "default"


def test_reads_inside_a_write_transaction_and_after_a_write_stay_on_the_primary(with_replica, monkeypatch):
    router = ReplicaRouter()

    def inside_transaction():
        with replica_reads():
            return router.db_for_read(User)

    with monkeypatch.context() as m:  # a service's transaction is open on the primary
        m.setattr(replica, "connections", {"default": SimpleNamespace(in_atomic_block=True)})
        assert _fresh(inside_transaction) == "default"

    def after_write():
        with replica_reads():
            before = router.db_for_read(User)
            assert router.db_for_write(User) == "default"
            return before, router.db_for_read(User)

    assert _fresh(after_write) == ("replica", "default")


def test_migrations_run_only_on_the_primary():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "registry") and not router.allow_migrate("replica", "registry")


def _middleware_run(method, cookie=None, status=200):
    seen = {}

    def view(request):
        with replica_reads():
            seen["db"] = ReplicaRouter().db_for_read(User)
        from django.http import HttpResponse

        return HttpResponse(status=status)

    factory = RequestFactory()
    request = getattr(factory, method.lower())("/dashboard/")
    if cookie is not None:
        request.COOKIES[PIN_COOKIE] = cookie
    response = _fresh(lambda: ReplicaPinMiddleware(view)(request))
    return seen["db"], response


def test_a_browser_reads_from_the_primary_for_a_few_seconds_after_its_own_write(with_replica, settings):
    settings.FANGGUAN_REPLICA_PIN_SECONDS = 10
    db, response = _middleware_run("GET")
    assert db == "replica" and response["X-Fangguan-Read-From"] == "replica" and PIN_COOKIE not in response.cookies

    _db, response = _middleware_run("POST")
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 10 and pin["httponly"] and 9 < float(pin.value) - time.time() <= 10.1  # the cookie is written to the millisecond

    db, response = _middleware_run("GET", cookie=pin.value)
    assert db == "default" and "X-Fangguan-Read-From" not in response

    db, _response = _middleware_run("GET", cookie=str(time.time() - 1))  # the pin has run out
    assert db == "replica"

    _db, response = _middleware_run("POST", status=403)  # a refused write changed nothing: no pin
    assert PIN_COOKIE not in response.cookies
