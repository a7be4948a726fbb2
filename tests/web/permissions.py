"""The platform's own routes: health, the API's root, schema and docs, ping; the home page,
login, logout and the language switch; the registry's figures, people search and reveal."""

from __future__ import annotations

from tests.kit.permissions import Case, expect

# Searching people by number: every account, among the people it may see.
SEARCH = expect(200)


def _person():
    from tests.registry.permissions import targets

    return targets("people")["in scope"]


SPEC = [
    Case("GET", "healthz", "/healthz", expect(200, anonymous=200)),
    Case("GET", "api/v1/", "/api/v1/", expect(404, anonymous=404)),
    Case("GET", "api/v1/openapi.json", "/api/v1/openapi.json", expect(200)),
    Case("GET", "api/v1/docs", "/api/v1/docs", expect(200)),
    Case("GET", "api/v1/ping", "/api/v1/ping", expect(200)),
    Case("GET", "api/v1/stats/registry", "/api/v1/stats/registry", expect(200)),
    Case("POST", "api/v1/people/search", "/api/v1/people/search", SEARCH, data={"phone": "13800000000"}),
    Case("POST", "api/v1/people/<int:obj_id>/reveal", lambda: f"/api/v1/people/{_person().pk}/reveal",
         expect(403, admin=200, zhujing=404, sysadmin=404, secadmin=404, auditadmin=404),
         data={"field": "phone", "reason": "核对联系方式"}),
    Case("GET", "", "/", expect(200)),
    Case("GET", "login/", "/login/", expect(302, anonymous=200)),
    Case("POST", "logout/", "/logout/", expect(302, anonymous=302)),
    Case("POST", "i18n/setlang/", "/i18n/setlang/", expect(302, anonymous=302), data={"language": "en"}),
]
