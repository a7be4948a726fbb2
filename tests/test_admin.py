"""The three IT administrators (三员分立) in the user administration; nobody else gets in."""

from __future__ import annotations

import pytest
from django.test import Client

from fangguan.accounts.models import Membership
from fangguan.core.models import SecurityEvent
from tests.kit.files import csv_text


def logged_in(username):
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=username, password="Fangguan-demo-2026")
    return client


@pytest.mark.parametrize("username", ["admin", "zhujing", "wuye", "yezhu", "auditor"])
def test_business_users_do_not_get_in(db, username):
    r = logged_in(username).get("/admin/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_system_admin_manages_users_but_not_roles(db):
    client = logged_in("sysadmin")
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
    membership = Membership.objects.exclude(user__username="sysadmin").first()
    assert client.get(f"/admin/accounts/membership/{membership.pk}/change/").status_code == 200  # view only
    r = client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "bureau_officer"})
    assert r.status_code == 403
    assert client.get("/admin/core/securityevent/").status_code == 403
    assert client.get("/admin/registry/estate/").status_code == 404  # no business data here at all


def test_security_admin_changes_roles_of_others_only_and_it_is_logged(db, users):
    client = logged_in("secadmin")
    target = Membership.objects.get(user__username="juweihui")
    data = {"user": target.user_id, "organisation": target.organisation_id, "role": target.role,
            "may_reveal": "on", "active": "on"}
    r = client.post(f"/admin/accounts/membership/{target.pk}/change/", data)
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.may_reveal is True
    event = SecurityEvent.objects.filter(action="permission_change").latest("id")
    assert event.actor_name == "secadmin" and event.detail["user"] == "juweihui"
    own = Membership.objects.get(user__username="secadmin")
    r = client.post(f"/admin/accounts/membership/{own.pk}/change/", {**data, "user": own.user_id,
                                                                      "organisation": own.organisation_id,
                                                                      "role": "system_admin"})
    assert r.status_code == 403
    own.refresh_from_db()
    assert own.role == "security_admin"
    r = client.post("/admin/accounts/membership/add/", {"user": own.user_id, "organisation": own.organisation_id,
                                                         "role": "audit_admin", "active": "on"})
    assert r.status_code == 403
    assert Membership.objects.filter(user=own.user).count() == 1


def test_audit_admin_reads_the_security_log(db):
    client = logged_in("auditadmin")
    assert client.get("/admin/core/securityevent/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403


def test_security_admin_lists_and_revokes_anyones_token(api):
    owner = api("wuye")
    secadmin = api("secadmin")
    tokens = secadmin.get("/api/v1/auth/tokens", username="wuye").json()
    assert tokens and {t["username"] for t in tokens} == {"wuye"}
    assert secadmin.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}").status_code == 204
    assert owner.get("/api/v1/estates").status_code == 401
    # an ordinary user sees and revokes only their own
    other = api("zhujing").get("/api/v1/auth/tokens").json()
    assert {t["username"] for t in other} == {"zhujing"}
    assert api("zhujing").delete(f"/api/v1/auth/tokens/{tokens[0]['id']}").status_code == 404


def test_audit_admin_exports_the_security_log_and_the_export_is_logged(db):
    client = logged_in("auditadmin")
    ids = list(SecurityEvent.objects.values_list("pk", flat=True)[:5])
    r = client.post("/admin/core/securityevent/", {"action": "export_csv", "_selected_action": ids})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    raw = b"".join(r.streaming_content).decode()
    body = csv_text(raw)  # from the header on: the demo database's exports start with a 演示数据 row
    assert raw.startswith("\ufeff") and body.startswith("at,actor_name") and len(body.strip().splitlines()) == len(ids) + 1
    assert SecurityEvent.objects.filter(action="export", actor_name="auditadmin").exists()


def test_system_admin_creates_and_deactivates_accounts_and_it_is_logged(db):
    client = logged_in("sysadmin")
    r = client.post("/admin/accounts/user/add/", {"username": "newclerk", "display_name": "新经办人",
                                                   "password1": "Jinshan-Clerk-2027", "password2": "Jinshan-Clerk-2027"})
    assert r.status_code == 302
    from fangguan.accounts.models import User

    user = User.objects.get(username="newclerk")
    assert SecurityEvent.objects.filter(action="account_change", detail__user="newclerk").exists()
    r = client.post("/admin/accounts/user/add/", {"username": "weak", "password1": "12345678", "password2": "12345678"})
    assert r.status_code == 200 and not User.objects.filter(username="weak").exists()  # password rules apply
    assert user.check_password("Jinshan-Clerk-2027")
