"""Fuzz the whole API with schemathesis against our own committed OpenAPI schema, as several
roles: no server errors, no response that breaks the schema. A bounded run here
(FANGGUAN_FUZZ_EXAMPLES per operation, default 4); `make fuzz` runs a long one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
schema = schemathesis.openapi.from_dict(SCHEMA)
schema.app = get_wsgi_application()
EXAMPLES = int(os.environ.get("FANGGUAN_FUZZ_EXAMPLES", "4"))
ROLES = ["admin", "wuye", "yezhu"]


@pytest.fixture(params=ROLES)
def bearer(request, api):
    yield {"Authorization": api(request.param).headers["HTTP_AUTHORIZATION"]}
    cache.clear()  # rate-limit counters are not rolled back with the database


@schema.exclude(path="/api/v1/auth/token").parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_always_matches_its_schema(case, bearer):
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
