"""The platform's own routes: health, the API's root, schema and docs, ping; the home page,
login, logout and the language switch; the registry's figures, people search and reveal."""

from __future__ import annotations

from tests.kit.permissions import Case, expect

# Searching people by number: every account, among the people it may see.
SEARCH = expect(200)


def _yezhu_filter() -> str:
    """The delete address of a filter the resident saved (made on first use, inside the test)."""
    from fangguan.web.models import SavedFilter
    from tests.kit.permissions import demo_users

    saved, _ = SavedFilter.objects.get_or_create(user=demo_users()["yezhu"], resource="estates", name="我的小区",
                                                 defaults={"query": "q=金豪"})
    return f"/r/estates/filters/{saved.pk}/delete/"


def _saved_filters():
    from fangguan.web.models import SavedFilter

    return tuple(SavedFilter.objects.order_by("pk").values_list("pk", "user_id", "name", "query"))


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
    # one's own list settings (columns, saved filters): every account, on every list it opens
    Case("GET", "r/<slug:resource>/columns/", "/r/estates/columns/", expect(200)),
    Case("POST", "r/<slug:resource>/columns/", "/r/estates/columns/", expect(302), data={"show": ["name", "town"]}),
    Case("POST", "r/<slug:resource>/filters/", "/r/estates/filters/", expect(302),
         data={"name": "按名称", "query": "q=花园"}),
    # a saved filter is its owner's alone: anyone else is told it does not exist, and nothing changes
    Case("POST", "r/<slug:resource>/filters/<int:pk>/delete/", _yezhu_filter, expect(404, yezhu=302),
         snapshot=_saved_filters),
    Case("GET", "", "/", expect(200)),
    Case("GET", "login/", "/login/", expect(302, anonymous=200)),
    Case("POST", "logout/", "/logout/", expect(302, anonymous=302)),
    Case("POST", "i18n/setlang/", "/i18n/setlang/", expect(302, anonymous=302), data={"language": "en"}),
]
