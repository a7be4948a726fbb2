"""Every door an unreachable database can come through answers 503 in Chinese, never 500.

The drill (test_outage.py) stops a real PostgreSQL under gunicorn; these tests walk each path
in-process, quickly: a view (API and page), a middleware (the session lookup), a template's
context processor, and an error page that itself reads the database. The database "goes away"
the way a stopped server looks to Django: a new connection is refused and a cursor on the open
one fails, both with the driver's own OperationalError, which Django wraps as it would.

How it went wrong once: the API's error middleware (``core.middleware.ApiErrorMiddleware``)
landed outside the outage middleware, and Django asks the innermost ``process_exception`` first,
so the API's view errors became JSON 500s while the database was down.
"""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from django.db import connections
from django.test import Client

from fangguan.core import demomark
from fangguan.registry.demo import DEMO_PASSWORD

API_MESSAGE = "数据库暂时无法连接"
PAGE_MESSAGE = "服务暂时不可用"


@contextlib.contextmanager
def database_down():
    wrapper = type(connections["default"])
    refused = wrapper.Database.OperationalError("connection refused: the server is not running")
    with mock.patch.object(wrapper, "get_new_connection", side_effect=refused), \
            mock.patch.object(wrapper, "create_cursor", side_effect=refused):
        yield


def assert_api_503(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "60" and response["Content-Type"].startswith("application/json")
    assert API_MESSAGE in response.json()["detail"]


def assert_page_503(response):
    body = response.content.decode()
    assert response.status_code == 503, body[:300]
    assert response["Retry-After"] == "60"
    assert PAGE_MESSAGE in body and "<html" in body
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body


def client() -> Client:
    # the handler500 door is also reported through got_request_exception: answer, do not re-raise
    return Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)


def test_an_api_view_reading_the_database_answers_503_json(db):
    c = client()
    with database_down():
        response = c.post("/api/v1/auth/token", {"username": "zhujing", "password": DEMO_PASSWORD},
                          content_type="application/json")
    assert_api_503(response)


def test_an_api_call_with_a_token_answers_503_json(db):
    c = client()
    token = c.post("/api/v1/auth/token", {"username": "zhujing", "password": DEMO_PASSWORD},
                   content_type="application/json").json()["token"]
    with database_down():
        response = c.get("/api/v1/estates", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_api_503(response)


def test_a_page_whose_session_lookup_fails_in_a_middleware_answers_503(users):
    c = client()
    c.force_login(users["zhujing"])
    with database_down():
        response = c.get("/r/estates/")
    assert_page_503(response)


def test_an_anonymous_page_whose_context_processor_reads_the_database_answers_503(db):
    demomark.forget()  # the banner's answer is cached a minute: make the page ask the database
    with database_down():
        response = client().get("/login/")
    assert_page_503(response)


def test_an_error_page_that_reads_the_database_answers_503_not_500(db):
    demomark.forget()  # the 404 page's context processor then reads the database
    with database_down():
        response = client().get("/static/no-such-file.css")
    assert_page_503(response)


@pytest.mark.parametrize("path", ["/api/v1/estates", "/r/estates/"])
def test_a_failure_that_is_not_the_database_stays_a_500(users, path, monkeypatch):
    """The 503 is only for the database: another error is still a server error (the oracle that
    ``is_outage`` is not simply 'any exception')."""
    from django.contrib.sessions.backends.db import SessionStore

    c = client()
    c.force_login(users["zhujing"])
    monkeypatch.setattr(SessionStore, "load", mock.Mock(side_effect=RuntimeError("boom")))
    response = c.get(path)
    assert response.status_code == 500


def test_the_outage_middleware_is_the_innermost_with_a_process_exception():
    """Django calls ``process_exception`` from the innermost middleware outwards; the outage
    middleware must come first, before the API's catch-all."""
    from django.conf import settings

    assert settings.MIDDLEWARE[-1] == "fangguan.ops.outage.DatabaseOutageMiddleware"


def test_a_deadlock_is_not_an_outage():
    """Seen in the soak: concurrent repair writes met a deadlock (SQLSTATE 40P01), which psycopg
    raises as an OperationalError — it was answered 'the database cannot be reached'. The database
    is up: only a missing connection (no SQLSTATE) or classes 08/53/57 are an outage."""
    import psycopg
    from django.db import OperationalError

    from fangguan.ops.outage import is_outage

    def wrapped(driver_error):
        try:
            raise OperationalError(str(driver_error)) from driver_error
        except OperationalError as exc:
            return exc

    assert not is_outage(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert not is_outage(wrapped(psycopg.errors.SerializationFailure("could not serialize")))
    assert not is_outage(wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")))
    assert is_outage(wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")))
    assert is_outage(wrapped(psycopg.errors.TooManyConnections("too many clients")))
    assert is_outage(wrapped(psycopg.OperationalError("connection refused")))  # no SQLSTATE: no server
    assert is_outage(OperationalError("unable to open database file"))  # SQLite
