"""Login security (issue #6): lockout by account, throttling of an address only when it fails
across many accounts, password rules and expiry — on in every mode, the demo included."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from fangguan.accounts.models import User
from fangguan.core.models import SecurityEvent

PASSWORD = "Fangguan-demo-2026"


def web_login(username, password, ip="10.0.0.1"):
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=ip)
    r = client.post("/login/", {"username": username, "password": password})
    return r, client


def token(username, password, ip="10.0.0.1"):
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=ip).post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json")


def logged_in(response) -> bool:
    return response.status_code == 302 and "/login/" not in response["Location"]


def test_five_failures_lock_the_account_even_for_the_right_password(db):
    for _ in range(4):
        assert not logged_in(web_login("zhujing", "wrong-Password-1")[0])
    assert logged_in(web_login("zhujing", PASSWORD)[0])  # four failures: not yet locked
    for _ in range(5):
        web_login("zhujing", "wrong-Password-1")
    r, _client = web_login("zhujing", PASSWORD)
    assert r.status_code == 200 and "锁定" in r.content.decode()
    assert token("zhujing", PASSWORD).status_code == 403
    assert "锁定" in token("zhujing", PASSWORD).json()["detail"]
    lock = SecurityEvent.objects.filter(action="lockout", actor_name="zhujing")
    assert lock.count() == 1
    assert SecurityEvent.objects.filter(action="login_failed", actor_name="zhujing", outcome="denied").exists()
    # Other accounts behind the same office address are not affected.
    assert logged_in(web_login("wuye", PASSWORD)[0])
    assert token("admin", PASSWORD).status_code == 200


def test_failures_spread_over_more_than_the_window_do_not_lock(db):
    start = timezone.now()
    for minute in (0, 4, 8, 12, 16):  # five failures, never five within 15 minutes
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            web_login("juweihui", "wrong-Password-1")
    with time_machine.travel(start + dt.timedelta(minutes=17), tick=False):
        assert logged_in(web_login("juweihui", PASSWORD)[0])


def test_the_lock_ends_after_its_time_and_does_not_renew_itself(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            web_login("wuye", "wrong-Password-1")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert not logged_in(web_login("wuye", PASSWORD)[0])
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        web_login("wuye", "wrong-Password-1")  # one new failure after the lock is not a new lock
        assert logged_in(web_login("wuye", PASSWORD)[0])
    assert SecurityEvent.objects.filter(action="lockout", actor_name="wuye").count() == 1


def test_an_office_address_logging_in_all_day_is_never_refused(db):
    for _ in range(40):
        assert token("admin", PASSWORD, ip="10.9.9.9").status_code == 200
    for name in ("zhujing", "wuye", "juweihui"):  # a few typos among them
        web_login(name, "typo-Password-1", ip="10.9.9.9")
    assert logged_in(web_login("auditor", PASSWORD, ip="10.9.9.9")[0])


def test_an_address_failing_across_many_accounts_is_throttled(db):
    for i in range(20):
        web_login(f"guess{i:02d}", "wrong-Password-1", ip="203.0.113.7")
    assert SecurityEvent.objects.filter(action="address_throttled", source_ip="203.0.113.7").count() == 1
    r, _client = web_login("admin", PASSWORD, ip="203.0.113.7")
    assert not logged_in(r) and r.status_code == 200
    assert token("admin", PASSWORD, ip="203.0.113.7").status_code == 403
    assert logged_in(web_login("admin", PASSWORD, ip="198.51.100.1")[0])  # elsewhere: fine


@pytest.mark.parametrize("password, code", [
    ("Ab1-xyz", "password_too_short"),
    ("abcdefgh12", "password_classes"),
    ("zhujing-Pass-1", "password_username"),
    ("Password1", "password_too_common"),
])
def test_password_rules(users, password, code):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, users["zhujing"])
    assert code in [e.code for e in exc.value.error_list]


def test_the_last_five_passwords_cannot_be_reused(users):
    user = users["zhujing"]
    history = [f"Jinshan-{n}-Housing" for n in range(6)]
    for pw in history:
        validate_password(pw, user)
        user.set_password(pw)
        user.save()
    for recent in history[1:]:
        with pytest.raises(ValidationError):
            validate_password(recent, user)
    validate_password(history[0], user)  # six passwords ago: allowed again


def test_staff_passwords_expire_after_90_days_residents_do_not(db):
    old = timezone.now() - dt.timedelta(days=91)
    User.objects.filter(username__in=["zhujing", "yezhu"]).update(password_changed_at=old)
    r, client = web_login("zhujing", PASSWORD)
    assert logged_in(r)
    page = client.get("/r/estates/")
    assert page.status_code == 302 and page["Location"] == "/account/password/"
    assert token("zhujing", PASSWORD).status_code == 403
    change = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": "Jinshan-Town-2027",
                                                 "new_password2": "Jinshan-Town-2027"})
    assert change.status_code == 302
    assert client.get("/r/estates/").status_code == 200
    assert SecurityEvent.objects.filter(action="password_changed", actor_name="zhujing").exists()
    r, client = web_login("yezhu", PASSWORD)
    assert client.get("/").status_code == 200


def test_login_and_token_requests_are_rate_limited_per_address(db, settings):
    import datetime as dt

    import time_machine
    from django.core.cache import cache

    settings.FANGGUAN_RATE_LOGIN = "5/m"
    cache.clear()
    # the window is a clock minute: start at the beginning of one, so a loaded machine cannot
    # roll the window over between the sixth request and the fifth
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).replace(second=1, microsecond=0)
    with time_machine.travel(start, tick=True):
        for _ in range(5):
            assert token("admin", PASSWORD, ip="10.1.1.1").status_code == 200
        r = token("admin", PASSWORD, ip="10.1.1.1")
        assert r.status_code == 429 and r.json()["detail"]
        assert web_login("admin", PASSWORD, ip="10.1.1.1")[0].status_code == 429
        assert token("admin", PASSWORD, ip="10.1.1.2").status_code == 200  # another address
    cache.clear()
