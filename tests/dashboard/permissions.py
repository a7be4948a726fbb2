"""The dashboard (issue 3): registry figures for business users (the pages refuse the IT
administrators; the API answers them with figures over no rows — their scope is empty)."""

from __future__ import annotations

from tests.kit.permissions import Case, expect

SPEC = [
    Case("GET", "api/v1/dashboard/coverage", "/api/v1/dashboard/coverage", expect(200)),
    Case("GET", "api/v1/dashboard/deliveries", "/api/v1/dashboard/deliveries", expect(200)),
    Case("GET", "api/v1/dashboard/map/estates", "/api/v1/dashboard/map/estates", expect(200)),
    Case("GET", "api/v1/dashboard/map/towns", "/api/v1/dashboard/map/towns", expect(200)),
    Case("GET", "dashboard/", "/dashboard/", expect(200, sysadmin=403, secadmin=403, auditadmin=403)),
    Case("GET", "dashboard/export.xlsx", "/dashboard/export.xlsx", expect(200, sysadmin=403, secadmin=403, auditadmin=403)),
]
