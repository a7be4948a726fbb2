"""Accounts and the audit log: tokens (one's own), who am I, the audit API (auditors and the
audit administrator), the account pages, and the user administration at /admin/ (sysadmin)."""

from __future__ import annotations

from fangguan.accounts.models import ApiToken
from tests.kit.permissions import ROLES, Case, demo_users, expect, only

# A record's history, for an estate outside every scoped account's reach: the district's readers
# see its changes, the security-log readers its security events.
_SEE_ESTATE = {"admin", "auditor", "auditadmin"}


def _far_estate():
    from tests.registry.permissions import targets

    return targets("estates")["out of scope"].pk


def yezhu_token():
    return ApiToken.objects.filter(user=demo_users()["yezhu"]).order_by("-pk").first()


def _tokens():
    return tuple(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at"))


SPEC = [
    # a token for a wrong password: refused to everyone alike
    Case("POST", "api/v1/auth/token", "/api/v1/auth/token", expect(401, anonymous=401),
         data={"username": "yezhu", "password": "wrong"}),
    Case("GET", "api/v1/auth/tokens", "/api/v1/auth/tokens", expect(200)),
    # one's own tokens; the security administrator revokes anyone's
    Case("DELETE", "api/v1/auth/tokens/<int:token_id>", lambda: f"/api/v1/auth/tokens/{yezhu_token().pk}",
         expect(404, yezhu=204, secadmin=204), snapshot=_tokens),
    Case("GET", "api/v1/auth/me", "/api/v1/auth/me", expect(200)),
    # the whole log for those who read the security log; everyone else must name a record (422)
    Case("GET", "api/v1/audit", "/api/v1/audit", expect(422, auditor=200, auditadmin=200)),
    Case("GET", "api/v1/audit", "/api/v1/audit", lambda: {r: 200 if r in _SEE_ESTATE else 404 for r in ROLES},
         query=lambda: {"object_type": "estate", "object_id": _far_estate()}, label="a record's history"),
    Case("GET", "account/password/", "/account/password/", expect(200)),
    Case("GET", "account/password/done/", "/account/password/done/", expect(200)),
    Case("GET", "account/otp/enrol/", "/account/otp/enrol/", expect(200)),
    Case("GET", "account/otp/verify/", "/account/otp/verify/", expect(200)),
    # the audit pages (issue 18): the change log for the roles that read every business record
    # (the bureau, the audit office), the security log for the auditors and the audit administrator
    Case("GET", "audit/changes/", "/audit/changes/", only(200, {"admin", "auditor"})),
    Case("GET", "audit/changes/", "/audit/changes/", only(200, {"admin", "auditor"}),
         query={"format": "csv"}, label="exported"),
    Case("GET", "audit/security/", "/audit/security/", only(200, {"auditor", "auditadmin"})),
    Case("GET", "audit/security/", "/audit/security/", only(200, {"auditor", "auditadmin"}),
         query={"format": "xlsx"}, label="exported"),
]


# --- /admin/: every route the admin site has, generated from the resolver -----------------------

def _admin_path(pattern: str):
    """A concrete path for an admin route: the model's first object where the route takes one."""
    import re

    def build():
        from django.apps import apps

        path = pattern
        if "(?P<app_label>" in path:
            return "/admin/accounts/"
        if "(?P<url>" in path:
            return "/admin/no-such-page/"
        if "<path:content_type_id>" in path:
            from django.contrib.contenttypes.models import ContentType

            from fangguan.accounts.models import User

            ct = ContentType.objects.get_for_model(User)
            return f"/admin/r/{ct.pk}/{User.objects.order_by('pk').first().pk}/"
        m = re.match(r"admin/(\w+)/(\w+)/", path)
        if m and ("<path:object_id>" in path or "<id>" in path):
            model = apps.get_model(m.group(1), m.group(2))
            obj = model._default_manager.order_by("pk").first()
            path = path.replace("<path:object_id>", str(obj.pk)).replace("<id>", str(obj.pk))
        return "/" + path

    return build


# The admin site, by route (三员: the system administrator keeps users and organisations, the
# security administrator memberships and tokens, the audit administrator reads the security log;
# nobody deletes there; business users are sent to the admin's login page).
ADMIN = {
    "admin/r/<path:content_type_id>/<path:object_id>/": expect(302, sysadmin=404, secadmin=404, auditadmin=404),
    "admin/": expect(302, sysadmin=200, secadmin=200, auditadmin=200),
    "admin/logout/": expect(302, sysadmin=405, secadmin=405, auditadmin=405, anonymous=302),
    "admin/password_change/": expect(302, sysadmin=200, secadmin=200, auditadmin=200),
    "admin/password_change/done/": expect(302, sysadmin=200, secadmin=200, auditadmin=200),
    "admin/autocomplete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/jsi18n/": expect(302, sysadmin=200, secadmin=200, auditadmin=200),
    "admin/accounts/user/<id>/password/": expect(302, sysadmin=200, secadmin=403, auditadmin=403),
    "admin/accounts/user/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/user/add/": expect(302, sysadmin=200, secadmin=403, auditadmin=403),
    "admin/accounts/user/<path:object_id>/history/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/user/<path:object_id>/delete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/accounts/user/<path:object_id>/change/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/user/<path:object_id>/": expect(302),
    "admin/accounts/organisation/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/organisation/add/": expect(302, sysadmin=200, secadmin=403, auditadmin=403),
    "admin/accounts/organisation/<path:object_id>/history/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/organisation/<path:object_id>/delete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/accounts/organisation/<path:object_id>/change/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/organisation/<path:object_id>/": expect(302),
    "admin/accounts/membership/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/membership/add/": expect(302, sysadmin=403, secadmin=200, auditadmin=403),
    "admin/accounts/membership/<path:object_id>/history/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/membership/<path:object_id>/delete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/accounts/membership/<path:object_id>/change/": expect(302, sysadmin=200, secadmin=200, auditadmin=403),
    "admin/accounts/membership/<path:object_id>/": expect(302),
    "admin/accounts/apitoken/": expect(302, sysadmin=403, secadmin=200, auditadmin=403),
    "admin/accounts/apitoken/add/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/accounts/apitoken/<path:object_id>/history/": expect(302, sysadmin=403, secadmin=200, auditadmin=403),
    "admin/accounts/apitoken/<path:object_id>/delete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/accounts/apitoken/<path:object_id>/change/": expect(302, sysadmin=403, secadmin=200, auditadmin=403),
    "admin/accounts/apitoken/<path:object_id>/": expect(302),
    "admin/core/securityevent/": expect(302, sysadmin=403, secadmin=403, auditadmin=200),
    "admin/core/securityevent/add/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/core/securityevent/<path:object_id>/history/": expect(302, sysadmin=403, secadmin=403, auditadmin=200),
    "admin/core/securityevent/<path:object_id>/delete/": expect(302, sysadmin=403, secadmin=403, auditadmin=403),
    "admin/core/securityevent/<path:object_id>/change/": expect(302, sysadmin=403, secadmin=403, auditadmin=200),
    "admin/core/securityevent/<path:object_id>/": expect(302),
    "admin/^(?P<app_label>accounts|core)/": expect(302, sysadmin=200, secadmin=200, auditadmin=404),
    "admin/(?P<url>.*)": expect(302, sysadmin=404, secadmin=404, auditadmin=404),
}


def _admin_cases():
    from tests.kit.permissions import discover

    cases = []
    for route in discover():
        if not route.pattern.startswith("admin/") or route.name == "admin:login":
            continue
        # a route the table does not know has no spec: the kit names it
        if route.pattern in ADMIN:
            cases.append(Case("GET", route.pattern, _admin_path(route.pattern), ADMIN[route.pattern]))
    return cases


SPEC += [Case("GET", "admin/login/", "/admin/login/", expect(403, anonymous=302)), *_admin_cases()]
