"""Imports (issue 6): who may import which kind; jobs are their owner's (and the bureau's). World:
a finished dry run of zhujing's (an estates file with its header only)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.imports.models import ImportJob
from tests.kit.permissions import Case, api_ids, demo_users, expect
from tests.kit.permissions import world as built

# Who imports: the bureau, a town office, a property company (each row is then checked by the
# module's own services). A job is its owner's alone (zhujing's here); the dry run has no error
# sheet; applying a job that has not finished is refused.
IMPORTERS = expect(403, admin=200, zhujing=200, wuye=200)
IMPORTERS_202 = expect(403, admin=202, zhujing=202, wuye=202)
OWNER = expect(404, zhujing=200)


def _jobs_of(role, user) -> set:
    return set(ImportJob.objects.filter(created_by=user).values_list("pk", flat=True))


def _upload():
    from fangguan.imports.specs import get_spec

    header = ",".join(c.header for c in get_spec("estates").columns)
    return SimpleUploadedFile("rows.csv", (header + "\n").encode("utf-8-sig"), content_type="text/csv")


def world() -> dict:
    from fangguan.imports.services import import_create

    users = demo_users()
    job = import_create(actor=users["zhujing"], kind="estates", upload=_upload(), filename="rows.csv",
                        dry_run=True, mode="all_or_nothing")
    return {"job": job}


def _jobs():
    return tuple(ImportJob.objects.order_by("pk").values_list("pk", "status", "applied"))


def j(fmt):
    return lambda: fmt.format(pk=built()["job"].pk)


SPEC = [
    Case("POST", "api/v1/imports", "/api/v1/imports", IMPORTERS_202, multipart=True,
         data=lambda: {"kind": "estates", "file": _upload(), "dry_run": "true"}, snapshot=_jobs),
    Case("GET", "api/v1/imports", "/api/v1/imports", expect(200), rows=_jobs_of, got=api_ids),
    Case("GET", "api/v1/imports/kinds", "/api/v1/imports/kinds", expect(200)),
    Case("GET", "api/v1/imports/templates/<kind>", "/api/v1/imports/templates/estates", expect(200)),
    Case("GET", "api/v1/imports/<int:job_id>", j("/api/v1/imports/{pk}"), OWNER),
    Case("GET", "api/v1/imports/<int:job_id>/errors", j("/api/v1/imports/{pk}/errors"), expect(404)),
    Case("GET", "imports/", "/imports/", IMPORTERS),
    Case("GET", "imports/new/", "/imports/new/", IMPORTERS),
    Case("POST", "imports/new/", "/imports/new/", expect(403, admin=302, zhujing=302, wuye=302), data=lambda: {"kind": "estates", "file": _upload()},
         snapshot=_jobs),
    Case("GET", "imports/templates/<slug:kind>.xlsx", "/imports/templates/estates.xlsx", expect(200)),
    Case("GET", "imports/<int:pk>/", j("/imports/{pk}/"), OWNER),
    Case("GET", "imports/<int:pk>/status/", j("/imports/{pk}/status/"), OWNER),
    Case("POST", "imports/<int:pk>/apply/", j("/imports/{pk}/apply/"), expect(404, zhujing=403), snapshot=_jobs),
    Case("GET", "imports/<int:pk>/errors.xlsx", j("/imports/{pk}/errors.xlsx"), expect(404)),
]
