"""Read replica routing: heavy read-only work (dashboards, figures, exports) reads from a streaming
replica when ``DATABASE_REPLICA_URL`` is set; everything else stays on the primary.

A read goes to the replica only when all of these hold:

- the code asked for it: it runs inside ``replica_reads()`` (or a view wrapped in
  ``from_replica``) — plain reads never move, so no list a user is editing can be stale;
- no transaction is open on the primary (a service's reads inside its write transaction must see
  that transaction);
- the current request (or task) has not written anything yet (``db_for_write`` pins it);
- the user's browser has not written in the last ``FANGGUAN_REPLICA_PIN_SECONDS`` (10): after
  any successful POST/PUT/PATCH/DELETE the response sets a short cookie, so the next pages read
  from the primary until the replica has caught up. The cookie lives in the browser, not in a
  process, so it holds across several app servers.

Writes always go to the primary; migrations run only there.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "fg_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_pinned: ContextVar[bool] = ContextVar("replica_pinned", default=False)
_used: ContextVar[list | None] = ContextVar("replica_used", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_seconds() -> int:
    return int(getattr(settings, "FANGGUAN_REPLICA_PIN_SECONDS", 10))


@contextmanager
def replica_reads():
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def from_replica(view):
    """A view whose reads may come from the replica (a dashboard, an export)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _wanted.get() or _pinned.get() or not configured():
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        used = _used.get()
        if used is not None:
            used.append(model._meta.label)
        return REPLICA

    def db_for_write(self, model, **hints):
        _pinned.set(True)  # this request (or task) reads its own writes from now on
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Reads after the browser's own writes come from the primary (the cookie above); a response
    whose reads came from the replica says so in ``X-Fangguan-Read-From: replica``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            pinned = float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
        except ValueError:
            pinned = False
        pin_token, used_token = _pinned.set(pinned), _used.set([])
        try:
            response = self.get_response(request)
            used = _used.get()
        finally:
            _pinned.reset(pin_token)
            _used.reset(used_token)
        if used:
            response["X-Fangguan-Read-From"] = REPLICA
        if configured() and request.method not in SAFE_METHODS and response.status_code < 400:
            seconds = pin_seconds()
            response.set_cookie(PIN_COOKIE, f"{time.time() + seconds:.3f}", max_age=seconds, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response
