"""The audit pages (change log, security log), the admin for non-administrators, the error pages
and the login every page asks for.

Oracles: who reads which log is the hand-written table below (the role table and 三员分立), not
the code's own predicates; rows are counted with our own queries on the two tables.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from fangguan.core.models import ChangeLog, SecurityEvent
from tests.kit.files import csv_rows

pytestmark = pytest.mark.django_db

CHANGES, SECURITY = "/audit/changes/", "/audit/security/"

# role → (reads the change log, reads the security log)
WHO_READS = {
    None: (False, False),
    "admin": (True, False),       # the bureau: every business record, not the security log
    "auditor": (True, True),
    "auditadmin": (False, True),  # IT audit administrator: the security log, no business data
    "sysadmin": (False, False),
    "secadmin": (False, False),
    "zhujing": (False, False),
    "juweihui": (False, False),
    "wuye": (False, False),
    "yeweihui": (False, False),
    "yezhu": (False, False),
}


def _client(users, username):
    client = Client()
    if username:
        client.force_login(users[username])
    return client


@pytest.mark.parametrize("username", list(WHO_READS))
def test_who_reads_which_log(users, username):
    client = _client(users, username)
    exports_before = SecurityEvent.objects.filter(action="export").count()
    for path, allowed in zip((CHANGES, SECURITY), WHO_READS[username], strict=True):
        response = client.get(path)
        if username is None:
            assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
        else:
            assert response.status_code == (200 if allowed else 403), path
        exported = client.get(path, {"format": "csv"})
        assert exported.status_code in ((200,) if allowed else (302, 403))
    home = client.get("/")
    if username:
        page = home.content.decode()
        assert (CHANGES in page) == WHO_READS[username][0]
        assert (SECURITY in page) == WHO_READS[username][1]
    # a refused export wrote nothing; an allowed one exactly one event per file
    expected = sum(WHO_READS[username])
    assert SecurityEvent.objects.filter(action="export").count() == exports_before + expected


def test_auditor_filters_the_security_log_by_user_action_outcome_date_and_address(users):
    stamp = timezone.now() - dt.timedelta(days=3)
    for name, action, outcome, ip in [("mallory", "login_failed", "failure", "10.9.8.7"),
                                      ("mallory", "login_failed", "failure", "10.9.8.8"),
                                      ("mallory", "lockout", "denied", "10.9.8.7"),
                                      ("bob-audit-test", "login", "success", "192.168.0.5")]:
        SecurityEvent.objects.create(at=stamp, actor_name=name, action=action, outcome=outcome, source_ip=ip)
    client = _client(users, "auditor")
    day = timezone.localtime(stamp).date().isoformat()
    response = client.get(SECURITY, {"user": "mallory", "action": "login_failed", "since": day, "until": day,
                                     "address": "10.9.8."})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    response = client.get(SECURITY, {"user": "mallory", "outcome": "denied"})
    assert response.context["page"].paginator.count == SecurityEvent.objects.filter(
        actor_name__icontains="mallory", outcome="denied").count() == 1
    assert "锁定" in response.content.decode() or "account locked" in response.content.decode()


def test_change_log_filters_by_record_type_and_address_and_reports_every_bad_field(users):
    client = _client(users, "auditor")
    homes = ChangeLog.objects.filter(object_type="home").count()
    response = client.get(CHANGES, {"object_type": "home"})
    assert response.context["page"].paginator.count == homes
    estate = ChangeLog.objects.filter(object_type="estate").exclude(object_repr="").first()
    if estate is not None:
        response = client.get(CHANGES, {"record": estate.object_repr[:4]})
        assert response.context["page"].paginator.count == ChangeLog.objects.filter(
            object_repr__icontains=estate.object_repr[:4]).count()
    response = client.get(CHANGES, {"since": "2026-02-30", "object_id": "x"})
    assert set(response.context["form"].errors) == {"since", "object_id"}  # both at once


def test_export_is_logged_with_its_filters_and_has_chinese_headers(users):
    client = _client(users, "auditor")
    response = client.get(CHANGES, {"object_type": "estate", "format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0][:3] == ["时间", "用户", "操作"]
    assert len(rows) - 1 == min(ChangeLog.objects.filter(object_type="estate").count(), 100_000)
    event = SecurityEvent.objects.filter(action="export", actor_name="auditor").latest("id")
    assert event.detail["list"] == "changes" and event.detail["filters"] == {"object_type": "estate"}
    assert event.detail["rows"] == len(rows) - 1


def test_admin_does_not_loop_for_an_auditor(users):
    client = _client(users, "auditor")
    response = client.get("/admin/", follow=True)
    assert len(response.redirect_chain) <= 2
    assert response.status_code == 403
    assert "审计" in response.content.decode()
    assert _client(users, "sysadmin").get("/admin/").status_code == 200
    assert Client().get("/admin/").status_code == 302  # anonymous: to the login page


def test_error_pages_are_chinese_with_the_request_id(users):
    client = _client(users, "zhujing")
    response = client.get("/r/nothing-here/", HTTP_X_REQUEST_ID="req-404-test")
    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到" in page or "不存在" in page
    assert "req-404-test" in page
    response = client.get("/audit/security/", HTTP_X_REQUEST_ID="req-403-test")
    assert response.status_code == 403 and "req-403-test" in response.content.decode()


def test_server_error_and_database_unavailable_pages(rf):
    from django.db import OperationalError

    from fangguan.ops.outage import DatabaseOutageMiddleware
    from fangguan.web.errors import server_error

    request = rf.get("/r/estates/")
    request.id = "req-500-test"
    response = server_error(request)
    assert response.status_code == 500
    assert "req-500-test" in response.content.decode() and "服务器" in response.content.decode()
    middleware = DatabaseOutageMiddleware(lambda r: None)
    response = middleware.process_exception(request, OperationalError("connection refused"))
    assert response.status_code == 503 and "req-500-test" in response.content.decode()
    assert "暂时" in response.content.decode()
    api = rf.get("/api/v1/estates")
    response = middleware.process_exception(api, OperationalError("x"))  # the API answers in JSON
    assert response.status_code == 503 and "数据库暂时无法连接" in response.content.decode()
    assert middleware.process_exception(request, ValueError("not the database")) is None


@override_settings(DEBUG=False)
def test_an_unhandled_error_shows_the_chinese_500_page(users, monkeypatch):
    from fangguan.web import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "listing", boom)
    client = _client(users, "admin")
    client.raise_request_exception = False
    response = client.get("/r/estates/", HTTP_X_REQUEST_ID="req-boom")
    assert response.status_code == 500
    assert "req-boom" in response.content.decode() and "Internal Server Error" not in response.content.decode()


PAGES = ["/", "/r/estates/", "/r/estates/1/", "/r/homes/", "/audit/changes/", "/repairs/", "/dashboard/",
         "/plans/", "/votes/", "/development/projects/", "/account/password/", "/imports/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_visit_without_a_session_leads_to_login_and_back(users, path):
    response = Client().get(path + "?page=2")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + (path + "?page=2").replace("?", "%3F").replace("=", "%3D")


def test_an_htmx_request_without_a_session_redirects_the_whole_page(users):
    response = Client().get("/r/estates/?q=x", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results",
                            HTTP_HX_CURRENT_URL="http://testserver/r/estates/?town=3")
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == "/login/?next=/r/estates/%3Ftown%3D3"


def test_after_login_the_visitor_is_back_on_the_page(users):
    from fangguan.registry.demo import DEMO_PASSWORD

    client = Client()
    target = client.get("/r/homes/?page=2")["Location"]
    response = client.post(target, {"username": "zhujing", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/r/homes/?page=2"


def test_open_doors_stay_open():
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 200
    assert client.get("/api/v1/estates").status_code == 401
