"""Background exports (issue 18): every user has their own 我的导出; a job, its progress and its
file are its owner's alone — anyone else, the bureau and auditors included, gets 404, as for any
record not theirs (the file holds what the owner's scope let them see). World: a ready export of
zhujing's (a small CSV file)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from fangguan.exports.choices import ExportStatus
from fangguan.exports.models import ExportJob
from tests.kit.permissions import Case, api_ids, demo_users, expect
from tests.kit.permissions import world as built

EVERY_USER = expect(200)
OWNER = expect(404, zhujing=200)
FILE_NAME = "exports/permission-kit.csv"  # overwritten by each run: the kit's transaction is rolled back


def world() -> dict:
    users = demo_users()
    if default_storage.exists(FILE_NAME):
        default_storage.delete(FILE_NAME)
    default_storage.save(FILE_NAME, ContentFile("\ufeffid\n1\n".encode()))
    now = timezone.now()
    job = ExportJob.objects.create(owner=users["zhujing"], source="homes", format="csv", status=ExportStatus.SUCCEEDED,
                                   rows_done=1, rows_total=1, file=FILE_NAME, filename="homes.csv", size=9,
                                   started_at=now, finished_at=now, expires_at=now + timezone.timedelta(days=7))
    return {"job": job}


def _own_jobs(role, user) -> set:
    return set(ExportJob.objects.filter(owner=user).values_list("pk", flat=True))


def _jobs():
    return tuple(ExportJob.objects.order_by("pk").values_list("pk", "owner_id", "status"))


def j(fmt):
    return lambda: fmt.format(pk=built()["job"].pk)


def _estate() -> int:
    from fangguan.registry.models import Estate

    return Estate.objects.order_by("pk").values_list("pk", flat=True).first()


SPEC = [
    Case("GET", "api/v1/exports", "/api/v1/exports", EVERY_USER, rows=_own_jobs, got=api_ids),
    Case("GET", "api/v1/exports/<int:job_id>", j("/api/v1/exports/{pk}"), OWNER),
    Case("GET", "api/v1/exports/<int:job_id>/file", j("/api/v1/exports/{pk}/file"), OWNER),
    Case("GET", "exports/", "/exports/", EVERY_USER),
    # asking for an export of a list is anyone's (the list answers with what they may see)
    Case("POST", "exports/new/", "/exports/new/", expect(302), data=lambda: {"list": "homes", "format": "csv",
                                                                             "estate": _estate()}, snapshot=_jobs),
    Case("POST", "exports/new/", "/exports/new/", expect(404), data={"list": "no-such-list", "format": "csv"},
         snapshot=_jobs, label="unknown list"),
    Case("GET", "exports/<int:pk>/download/", j("/exports/{pk}/download/"), OWNER),
]
