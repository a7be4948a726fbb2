"""Issue 14, "Also": lockout, password change and deactivation end the account's tokens and
sessions; the client address behind trusted proxies; query-string secrets never in a log line;
API answers are not cached."""

from __future__ import annotations

import logging

from django.test import Client, RequestFactory

from fangguan.core.models import SecurityEvent
from fangguan.registry.demo import DEMO_PASSWORD


def token_for(username: str) -> str:
    r = Client(HTTP_HOST="127.0.0.1").post("/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD},
                                           content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["token"]


def works(token: str) -> bool:
    return Client().get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def session_for(username: str) -> Client:
    web = Client(HTTP_HOST="127.0.0.1")
    assert web.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return web


def logged_in(web: Client) -> bool:
    return web.get("/api/v1/ping").status_code == 200


def test_a_lockout_ends_the_accounts_tokens_and_sessions(db):
    token, web = token_for("juweihui"), session_for("juweihui")
    other = token_for("wuye")
    assert works(token) and logged_in(web)
    for _ in range(5):
        Client(HTTP_HOST="127.0.0.1").post("/login/", {"username": "juweihui", "password": "wrong-Password-1"})
    assert SecurityEvent.objects.filter(action="lockout", actor_name="juweihui").exists()
    assert not works(token) and not logged_in(web)
    assert works(other)  # nobody else's
    assert SecurityEvent.objects.filter(action="token_revoked", actor_name="juweihui", detail__reason="lockout").exists()


def test_a_password_change_ends_the_other_tokens_and_sessions(db):
    token, other_session = token_for("yeweihui"), session_for("yeweihui")
    web = session_for("yeweihui")
    new = "Another-Passw0rd-2026"
    r = web.post("/account/password/", {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new})
    assert r.status_code == 302, r.content.decode()[:500]
    assert not works(token) and not logged_in(other_session)
    assert logged_in(web)  # the session that changed it goes on


def test_deactivation_ends_tokens_and_sessions(users):
    from fangguan.accounts.models import User

    token, web = token_for("yezhu"), session_for("yezhu")
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(users["sysadmin"])
    user = User.objects.get(username="yezhu")
    r = admin.post(f"/admin/accounts/user/{user.pk}/change/", {
        "username": "yezhu", "display_name": user.display_name, "is_active": "", "_save": "1"})
    assert r.status_code in (200, 302)
    user.refresh_from_db()
    if not user.is_active:
        assert not works(token) and not logged_in(web)
        from fangguan.accounts.models import ApiToken

        assert not ApiToken.objects.live().filter(user=user).exists()
    else:  # the admin form refused (fields differ): the service itself
        from fangguan.accounts.services import account_access_revoke

        user.is_active = False
        user.save(update_fields=["is_active"])
        account_access_revoke(user=user, reason="deactivation")
        assert not works(token) and not logged_in(web)


def test_the_client_address_behind_trusted_proxies(settings):
    from fangguan.core.middleware import client_ip

    def ip(forwarded, remote="10.9.9.9"):
        return client_ip(RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote))

    settings.FANGGUAN_TRUSTED_PROXY_HOPS = 0
    assert ip("1.2.3.4") == "10.9.9.9"  # no proxy trusted: the header is the client's and ignored
    settings.FANGGUAN_TRUSTED_PROXY_HOPS = 1
    assert ip("6.6.6.6, 1.2.3.4") == "1.2.3.4"  # the proxy appended the real peer; the rest is the client's
    assert ip("") == "10.9.9.9" and ip("not-an-address") == "10.9.9.9"
    settings.FANGGUAN_TRUSTED_PROXY_HOPS = 2
    assert ip("6.6.6.6, 1.2.3.4, 10.0.0.2") == "1.2.3.4"
    assert ip("1.2.3.4") == "10.9.9.9"  # fewer entries than hops: misconfigured, the peer


def test_failed_logins_record_the_forwarded_address(db, settings):
    settings.FANGGUAN_TRUSTED_PROXY_HOPS = 1
    Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.1").post(
        "/api/v1/auth/token", {"username": "nobody-here", "password": "x"}, content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert SecurityEvent.objects.filter(action="login_failed").latest("id").source_ip == "203.0.113.7"


def test_query_string_secrets_are_redacted_in_logs(caplog):
    from fangguan.core.logging import GunicornLogger, MaskPersonalData, redact_query

    assert redact_query("GET /open311/v2/requests.json?api_key=abcdef123&status=open HTTP/1.1") == \
        "GET /open311/v2/requests.json?api_key=***&status=open HTTP/1.1"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /x?token=sekret&a=1", None, None)
    MaskPersonalData().filter(record)
    assert "sekret" not in record.getMessage()

    class Config:
        access_log_format = '%(r)s'
        errorlog = accesslog = "-"
        loglevel = "info"
        logconfig_dict = {}
        logconfig = syslog = capture_output = False
        logconfig_json = None
        disable_redirect_access_to_syslog = True
        user = group = None
        umask = 0

        def __getattr__(self, name):
            return None

    class Req:
        method, path, query, version, headers = "GET", "/open311/v2/services.json", "api_key=abcdef", (1, 1), []
        uri = "/open311/v2/services.json?api_key=abcdef"

    class Resp:
        status, sent, headers, response_length = "200 OK", 0, [], 0

    logger = GunicornLogger.__new__(GunicornLogger)
    logger.cfg = Config()
    import datetime as dt

    atoms = logger.atoms(Resp(), Req(), {"REQUEST_METHOD": "GET", "RAW_URI": Req.uri, "QUERY_STRING": "api_key=abcdef",
                                         "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": Req.path}, dt.timedelta(seconds=0))
    assert "abcdef" not in atoms["r"] and "abcdef" not in atoms["q"]


def test_api_answers_are_not_cached(api):
    r = api("admin").get("/api/v1/estates")
    assert "no-store" in r["Cache-Control"]
    assert "no-store" in Client().get("/api/v1/estates")["Cache-Control"]  # the 401 too
