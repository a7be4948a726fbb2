"""The operations page is the system administrator's alone (it shows no business record, and the
三员 split gives running the system to that role); ``/metrics`` answers no session at all — only
the monitoring system's bearer token (tests/ops/test_metrics.py sends it), so every role and
anonymous get 401 here."""

from __future__ import annotations

from tests.kit.permissions import Case, expect

SPEC = [
    Case("GET", "ops/", "/ops/", expect(403, sysadmin=200)),
    Case("GET", "metrics", "/metrics", expect(401, anonymous=401)),
]
