"""While the database cannot be reached, every request gets a short 503 in the user's language
(Chinese first) with ``Retry-After`` — never a stack trace — and the server recovers by itself:
the broken connections are closed, so the first request after the database returns opens a new
one (``conn_health_checks`` checks reused ones).

Two doors, because Django turns an exception into a response at each middleware: a view's
``OperationalError`` reaches ``DatabaseOutageMiddleware.process_exception``; one raised inside a
middleware (the session or user lookup) reaches ``server_error``, the ``handler500``. The web app
may style the page (``ops/database_unavailable.html`` if a template of that name exists); this
one renders without the database, the navigation or any other template.
"""

from __future__ import annotations

import contextlib
import logging
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def is_outage(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
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
    title = _("Service temporarily unavailable")
    message = _("The database cannot be reached at the moment. The system reconnects by itself: "
                "please try again in a minute. Nothing you submitted just now was saved.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        body = (f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                f'</head><body><main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>')
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            log.error("database unavailable: %s: %s", type(exception).__name__, str(exception)[:200])
            return unavailable(request)
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: the outage answer when a database error got here, Django's 500 otherwise."""
    if is_outage(sys.exc_info()[1]):
        log.error("database unavailable: %s", sys.exc_info()[1])
        return unavailable(request)
    return defaults.server_error(request, template_name)
