"""Issue 14, severe 2: exports are masked for everyone; a clear export is a separate POST with the
reveal permission, a reason and a purpose, a row limit, the second factor where required; one
security event names every person revealed (their histories show it) and the file is watermarked."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fangguan.accounts.roles import may_reveal
from fangguan.core.models import SecurityEvent, SecurityEventSubject
from fangguan.registry import models as m
from fangguan.registry.resources import RESOURCES
from tests.kit.files import csv_rows, without_mark

ROLES = ["admin", "zhujing", "juweihui", "wuye", "yeweihui", "yezhu", "auditor", "sysadmin", "secadmin", "auditadmin"]
BODY = {"reason": "核对业主大会表决名单", "purpose": "表决票送达", "format": "csv"}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def clear_numbers(user) -> set[str]:
    return {p.id_number_clear() for p in m.Person.objects.visible_to(user).exclude(id_number_cipher="")} - {""}


def state() -> tuple:
    return SecurityEvent.objects.filter(action="reveal", outcome="success").count(), SecurityEventSubject.objects.count()


def _text(content: bytes, fmt: str) -> str:
    return content.decode("utf-8", "replace") if fmt == "csv" else " ".join(
        str(c.value) for s in load_workbook(io.BytesIO(content)).worksheets for row in s.iter_rows() for c in row)


@pytest.mark.parametrize("username", ROLES)
def test_get_exports_are_masked_for_every_role(api, users, username, settings):
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 10**9  # the file within the request (the next test: a job's)
    secrets = clear_numbers(users[username])
    for resource in ("people", "committees"):
        for fmt in ("csv", "xlsx"):
            r = api(username).get(f"/api/v1/{resource}/export", format=fmt)
            assert r.status_code == 200
            text = _text(body_of(r), fmt)
            assert not [s for s in secrets if s in text], (username, resource, fmt)


@pytest.mark.parametrize("username", ROLES)
def test_background_exports_are_masked_for_every_role(api, users, username, settings, tmp_path,
                                                      django_capture_on_commit_callbacks):
    """Issue 18: a list too big for the request is written by a job — masked just the same."""
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    secrets = clear_numbers(users[username])
    for resource in ("people", "committees"):
        for fmt in ("csv", "xlsx"):
            with django_capture_on_commit_callbacks(execute=True):
                r = api(username).get(f"/api/v1/{resource}/export", format=fmt)
            if r.status_code == 200:  # nothing to export: an empty file, at once
                continue
            assert r.status_code == 202, r.content
            job = api(username).get(r.json()["url"]).json()
            assert job["status"] == "succeeded" and job["unmasked"] is False, job
            f = api(username).get(job["download_url"])
            assert f.status_code == 200
            text = _text(body_of(f), fmt)
            assert not [s for s in secrets if s in text], (username, resource, fmt)


@pytest.mark.parametrize("username", ROLES + [None])
def test_a_clear_export_needs_the_permission_and_changes_nothing_when_refused(api, users, username):
    before = state()
    r = api(username).post("/api/v1/people/export/clear?estate=1", BODY)
    if username is None:
        assert r.status_code == 401
    elif may_reveal(users[username]):
        assert r.status_code == 200
        return
    else:
        assert r.status_code == 403 and r.json()["detail"]
        denied = SecurityEvent.objects.filter(action="reveal").latest("id")
        assert (denied.outcome, denied.actor_name, denied.detail["refused"]) == ("denied", username, "permission")
    assert state() == before


def test_reason_and_purpose_are_required(api):
    before = state()
    for missing in ("reason", "purpose"):
        r = api("zhujing").post("/api/v1/people/export/clear", {**BODY, missing: " "})
        assert r.status_code == 422 and missing in r.json()["errors"]
    assert state() == before


def test_a_reason_or_purpose_with_control_characters_is_refused(api):
    """The purpose is written into the file's watermark: a control character once made the .xlsx
    writer fail with a 500 (found by the API fuzzer)."""
    before = state()
    for field, text in (("purpose", "表决\x0b票送达"), ("reason", "核对\x1b[31m名单")):
        r = api("zhujing").post("/api/v1/people/export/clear", {**BODY, "format": "xlsx", field: text})
        assert r.status_code == 422, (field, text, r.status_code, r.content)
        assert r.json()["errors"] == {field: ["请只填写普通文字，去掉其中的控制字符。"]}
    for field, text in (("reason", "核对\x00名单"), ("purpose", "核对\ud800")):  # refused for every body
        r = api("zhujing").post("/api/v1/people/export/clear", {**BODY, "format": "xlsx", field: text})
        assert r.status_code == 422 and r.json()["detail"] == "文本不得包含 NUL 字符或不成对的代理字符。"
    assert state() == before


def test_the_row_limit_refuses_a_bulk_clear_export(api, settings):
    settings.FANGGUAN_CLEAR_EXPORT_MAX_ROWS = 3
    before = state()
    r = api("zhujing").post("/api/v1/people/export/clear", BODY)
    assert r.status_code == 422 and "3" in r.json()["detail"]
    assert state() == before
    assert SecurityEvent.objects.filter(action="reveal").latest("id").detail["refused"] == "rows"


def test_the_second_factor_is_asked_where_the_role_needs_one(api, users, settings):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = api("admin")  # the token is issued before the second factor is enforced
    settings.FANGGUAN_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=users["admin"], name="t", confirmed=True)
    before = state()
    r = client.post("/api/v1/people/export/clear?estate=1", BODY)
    assert r.status_code == 403 and state() == before
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    r = client.post("/api/v1/people/export/clear?estate=1", {**BODY, "otp": f"{code:06d}"})
    assert r.status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_clear_export_names_every_person_and_is_watermarked(api, users, fmt):
    user = users["zhujing"]
    estate = m.Estate.objects.visible_to(user).filter(buildings__homes__shares__isnull=False).distinct().first()
    people = set(m.Person.objects.visible_to(user).filter(shares__home__building__estate=estate).values_list("pk", flat=True))
    expected = set(RESOURCES["people"].queryset(user).filter(pk__in=people).values_list("pk", flat=True))
    assert expected
    client = api("zhujing")
    r = client.post(f"/api/v1/people/export/clear?estate={estate.pk}", {**BODY, "format": fmt})
    assert r.status_code == 200, r.content
    assert "no-store" in r["Cache-Control"]
    content = body_of(r)
    event = SecurityEvent.objects.filter(action="reveal", outcome="success").latest("id")
    assert (event.actor_name, event.detail["reason"], event.detail["purpose"]) == ("zhujing", BODY["reason"], BODY["purpose"])
    assert set(SecurityEventSubject.objects.filter(event=event).values_list("object_id", flat=True)) == expected
    if fmt == "csv":
        rows = csv_rows(content)
        mark, header, data = rows[0][0], rows[1], rows[2:]
        ids = {int(row[0]) for row in data}
        numbers = {row[header.index("证件号码")] for row in data}
    else:
        book = load_workbook(io.BytesIO(content))
        sheet = book.worksheets[0]
        table = without_mark([[c.value for c in row] for row in sheet.iter_rows()])
        header, data = table[0], table[1:]
        ids = {int(row[0]) for row in data}
        numbers = {row[header.index("证件号码")] for row in data}
        mark = book.worksheets[-1]["A1"].value
        assert book.properties.description == mark
    assert ids == expected
    assert numbers & clear_numbers(user) and not any("*" in (n or "") for n in numbers if n)
    assert "zhujing" in mark and event.request_id in mark
    # each person's history shows the reveal (to auditors, who read the security log)
    pid = min(expected)
    history = api("auditor").get("/api/v1/audit", object_type="person", object_id=pid).json()["items"]
    assert any(e["kind"] == "security" and e["id"] == f"s{event.pk}" for e in history)
    # and the export's outcome is logged once the file has been written out
    done = SecurityEvent.objects.filter(action="export").latest("id")
    assert (done.outcome, done.detail["rows"], done.detail["unmasked"]) == ("success", len(data), True)


# --- The page (/r/<list>/export/clear/): the same rules, through the same service ----------------


def test_the_page_exports_the_lists_filtered_rows_in_clear_and_logs_them(client, users):
    from fangguan.registry.exports import export_clear  # noqa: F401  (the one place the rules live)

    someone = m.Person.objects.visible_to(users["zhujing"]).filter(shares__isnull=False).order_by("pk").first()
    estate = someone.shares.order_by("pk").first().home.building.estate
    client.force_login(users["zhujing"])
    listed = client.get(f"/r/people/?estate={estate.pk}").content.decode()
    assert f'href="/r/people/export/clear/?estate={estate.pk}"' in listed  # offered beside the list's exports
    client.force_login(users["wuye"])  # not to a role without the reveal permission
    assert "/export/clear/" not in client.get("/r/people/").content.decode()
    client.force_login(users["zhujing"])
    page = client.get(f"/r/people/export/clear/?estate={estate.pk}")
    assert page.status_code == 200 and "明文" in page.content.decode()
    wanted = set(m.Person.objects.visible_to(users["zhujing"]).filter(shares__home__building__estate=estate)
                 .values_list("pk", flat=True))
    r = client.post(f"/r/people/export/clear/?estate={estate.pk}", {**BODY, "format": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(body_of(r)))
    assert "zhujing" in book.properties.description and BODY["purpose"] in book.properties.description
    event = SecurityEvent.objects.filter(action="reveal", outcome="success").latest("id")
    named = set(SecurityEventSubject.objects.filter(event=event).values_list("object_id", flat=True))
    assert wanted and named == wanted
    assert (event.actor_name, event.detail["reason"], event.detail["filters"]) == ("zhujing", BODY["reason"], {"estate": str(estate.pk)})


def test_the_page_says_what_is_wrong_and_writes_nothing(client, users, settings):
    client.force_login(users["zhujing"])
    before = state()
    r = client.post("/r/people/export/clear/", {"reason": "", "purpose": "x", "format": "csv"})
    text = r.content.decode()
    assert r.status_code == 200 and "app-clear-export-form" in text and "invalid-feedback" in text
    settings.FANGGUAN_CLEAR_EXPORT_MAX_ROWS = 3
    r = client.post("/r/people/export/clear/", BODY)
    assert r.status_code == 200 and "最多" in r.content.decode()
    assert state() == before


def test_the_page_asks_for_the_second_factor_where_the_role_needs_one(client, users, settings):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.FANGGUAN_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=users["admin"], name="t", confirmed=True)
    client.force_login(users["admin"])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # logged in with the second factor
    session.save()
    page = client.get("/r/committees/export/clear/")
    assert page.status_code == 200 and 'name="otp"' in page.content.decode()
    before = state()
    r = client.post("/r/committees/export/clear/", {**BODY, "otp": "000000"})
    assert r.status_code == 200 and "app-clear-export-form" in r.content.decode()
    assert state() == before
    client.force_login(users["zhujing"])  # the town office's role needs none
    assert 'name="otp"' not in client.get("/r/committees/export/clear/").content.decode()
