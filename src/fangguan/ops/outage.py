"""While the database cannot be reached, every request gets a short 503 in the user's language
(Chinese first) with ``Retry-After`` — never a stack trace — and the server recovers by itself:
the broken connections are closed, so the first request after the database returns opens a new
one (``conn_health_checks`` checks reused ones).

This module is the one place that rule lives. Two doors lead to it, because Django turns an
exception into a response at each middleware:

- an ``OperationalError`` raised in a view, or while its template renders, reaches the middlewares'
  ``process_exception`` hooks, which Django calls from the innermost middleware outwards and stops
  at the first that answers. ``DatabaseOutageMiddleware`` must therefore be the **last** entry of
  ``MIDDLEWARE``: any middleware inside it with a ``process_exception`` would answer first — the
  API's ``ApiErrorMiddleware`` turns every exception into a JSON 500, which is how the outage drill
  came to see 500 on ``/api/`` once that middleware landed outside this one
  (``tests/ops/test_outage_paths.py`` checks each door in-process);
- one raised inside a middleware (the session or user lookup, the session save) or while an error
  page (404/403, whose context processors read the database) renders, is turned into a response by
  Django's ``handler500`` (``web.errors.server_error``), which asks ``is_outage`` and answers with
  ``unavailable``.

The API answers JSON; pages use the web app's ``503.html`` (rendered without the request: no
context processor, no database, no menu); this module's minimal page only if it is missing.
"""

from __future__ import annotations

import contextlib
import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 60


# SQLSTATE classes of an OperationalError that are the database being away: connection exception
# (08), operator intervention (57: shutdown, crash, cannot connect now), insufficient resources (53:
# too many connections, disk full). Others — a deadlock or serialization failure (40), a lock or
# statement timeout (55, 57014 aside) — are this request's bad luck with a database that is up:
# they are not answered "cannot be reached", and the healthy connections are not closed for them.
OUTAGE_SQLSTATE_CLASSES = {"08", "53", "57"}
QUERY_CANCELED = "57014"  # a statement timeout is class 57 too, but the server is up


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or one it was raised from) says the database cannot be reached. A driver
    error without a SQLSTATE (no connection to ask: refused, reset, closed) is one."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            state = _sqlstate(exc)
            if state is None or (state[:2] in OUTAGE_SQLSTATE_CLASSES and state != QUERY_CANCELED):
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _close_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # a dead connection may fail to close; it is dropped anyway
            conn.close()


def unavailable(request) -> HttpResponse:
    _close_broken_connections()
    title = _("Service unavailable")
    message = _("The database cannot be reached at the moment. The system reconnects by itself: "
                "please try again in a minute. Nothing you submitted just now was saved.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        try:
            body = render_to_string("503.html", {"request_id": getattr(request, "id", "")})
        except TemplateDoesNotExist:
            body = (f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                    f'</head><body><main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>')
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """The view door (see the module's docstring): keep it last in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            log.error("database unavailable: %s: %s", type(exception).__name__, str(exception)[:200])
            return unavailable(request)
        return None
