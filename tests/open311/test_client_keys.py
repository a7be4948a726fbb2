"""Issue 14: a client system's own Open311 key instead of a person's 8-hour token in the
``api_key`` query parameter — long-lived, stored hashed, read only, opening nothing but Open311,
revocable; issued by the security administrator (or ``manage.py open311_key``), each issue logged."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from fangguan.accounts.models import ApiToken
from fangguan.accounts.services import open311_key_issue, token_revoke
from fangguan.core.models import SecurityEvent
from fangguan.repairs.models import RepairRequest

pytestmark = pytest.mark.django_db


def issue(users, **kw):
    kw = {"actor": users["secadmin"], "user": users["zhujing"], "client": "市12345平台", "days": 365} | kw
    return open311_key_issue(**kw)


def test_a_key_reads_open311_as_its_account_and_is_stored_hashed(world, users):
    key, token = issue(users)
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in str(stored.__dict__)
    assert (stored.scope, stored.client) == ("open311-read", "市12345平台")
    assert 364 <= (stored.expires_at - timezone.now()).days <= 365
    answer = Client().get("/open311/v2/requests.json", {"api_key": key})
    assert answer.status_code == 200
    mine = world.file()
    seen = {i["service_request_id"] for i in Client().get("/open311/v2/requests.json", {"api_key": key}).json()}
    # zhujing's town office sees its town's requests only: the demo estate is elsewhere
    assert (str(mine.pk) in seen) == (world.estate.town_id in {
        m.organisation.town_id for m in users["zhujing"].memberships.all()})
    event = SecurityEvent.objects.filter(action="token_issued").latest("id")
    assert (event.actor_name, event.detail["client"], event.detail["acts_as"]) == ("secadmin", "市12345平台", "zhujing")


def test_a_key_may_not_write_nor_open_the_api(world, users):
    key, _ = issue(users, user=users["yezhu"])
    before = (RepairRequest.objects.count(), ApiToken.objects.count())
    post = Client().post("/open311/v2/requests.json", {"api_key": key, "service_code": "lighting",
                                                       "address_id": str(world.estate.pk), "description": "路灯不亮"})
    assert post.status_code == 403 and post.json()[0]["description"] == "该客户系统的密钥只能读取。"
    assert (RepairRequest.objects.count(), ApiToken.objects.count()) == before
    for path in ("/api/v1/auth/me", "/api/v1/estates", "/api/v1/repairs"):
        assert Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert Client().get("/open311/v2/services.json", {"api_key": key}).status_code == 200


def test_a_revoked_or_expired_key_opens_nothing(world, users):
    key, token = issue(users)
    token_revoke(actor=users["secadmin"], token=token)
    assert Client().get("/open311/v2/services.json", {"api_key": key}).status_code == 401
    key, token = issue(users)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    assert Client().get("/open311/v2/services.json", {"api_key": key}).status_code == 401


def test_only_the_security_administrator_issues_keys_and_bad_requests_change_nothing(users, settings):
    before = ApiToken.objects.count()
    for role in ("admin", "zhujing", "sysadmin", "auditadmin", "yezhu"):
        with pytest.raises(PermissionDenied):
            issue(users, actor=users[role])
    for bad, field in (({"client": " "}, "client"), ({"days": 0}, "days"),
                       ({"days": settings.FANGGUAN_OPEN311_KEY_MAX_DAYS + 1}, "days")):
        with pytest.raises(ValidationError) as refused:
            issue(users, **bad)
        assert field in refused.value.message_dict
    assert ApiToken.objects.count() == before
    issue(users, days=settings.FANGGUAN_OPEN311_KEY_MAX_DAYS)  # the boundary itself is allowed
    assert ApiToken.objects.count() == before + 1


def test_the_command_prints_the_key_once(world, users):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "--user", "zhujing", "--client", "区大屏", "--days", "30", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())
    assert (token.scope, token.client, token.user.username) == ("open311-read", "区大屏", "zhujing")
    assert key not in err.getvalue() and token.prefix in err.getvalue()
    assert SecurityEvent.objects.filter(action="token_issued").latest("id").actor_name == "manage.py"
    assert Client().get("/open311/v2/services.json", {"api_key": key}).status_code == 200
