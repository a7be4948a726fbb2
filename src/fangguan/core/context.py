"""Where a write came from: request id, source address and cause, carried through the call stack.

Services take the acting user explicitly; this context adds what the change log and security log
also need to say (which request, which import or command caused it) without threading those
through every signature. Commands and background tasks open their own context with a cause, so
nothing they write is anonymous.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    source_ip: str = ""
    cause: str = ""


_EMPTY = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("fangguan_audit_context", default=None)


def current() -> AuditContext:
    return _current.get() or _EMPTY


@contextmanager
def audit_context(**changes: str) -> Iterator[AuditContext]:
    """Run a block with some context fields set (``cause="import:12"``, ``request_id=…``)."""
    base = current()
    if "request_id" not in changes and not base.request_id:
        changes["request_id"] = uuid.uuid4().hex
    ctx = replace(base, **changes)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
