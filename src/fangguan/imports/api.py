"""Imports over the API: upload (multipart) → job id; poll the job; fetch its error sheet; fetch
a kind's template. A job is its creator's: anyone else gets 404, as for any record not theirs."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fangguan.core.api import paginate
from fangguan.core.exports import CONTENT_TYPES

from .engine import live_progress
from .models import ImportJob
from .services import import_create
from .specs import get_spec, kinds_for
from .workbooks import template_workbook

router = Router(tags=["imports"])


class JobCreated(Schema):
    id: int
    status: str


class Counts(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int


class Problem(Schema):
    row: int
    column: str
    message: str


class JobOut(Schema):
    id: int
    kind: str
    filename: str
    dry_run: bool
    mode: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int
    counts: Counts
    flagged: int
    applied: bool
    errors: list[Problem]
    errors_total: int
    notes: list[dict]
    error_sheet: bool
    created_at: dt.datetime
    finished_at: dt.datetime | None


class JobList(Schema):
    count: int
    items: list[JobOut]


class Kind(Schema):
    kind: str
    label: str
    columns: list[str]


def job_out(job: ImportJob) -> dict:
    return {
        "id": job.pk, "kind": job.kind, "filename": job.filename, "dry_run": job.dry_run, "mode": job.mode,
        "status": job.status, "progress": live_progress(job),
        "counts": {"created": job.created, "updated": job.updated, "unchanged": job.unchanged, "failed": job.failed},
        "flagged": job.flagged, "applied": job.applied, "errors": job.errors, "errors_total": job.errors_total,
        "notes": job.notes, "error_sheet": bool(job.error_sheet), "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.post("", response={202: JobCreated}, operation_id="create_import")
def create_import(request, kind: Form[str], file: File[UploadedFile],
                  dry_run: Form[bool] = True, mode: Form[Literal["all_or_nothing", "valid_rows"]] = "all_or_nothing"):
    """Upload a .xlsx or .csv file of one kind. The job runs in the background; poll it."""
    job = import_create(actor=request.user, kind=kind, upload=file, filename=file.name or "", dry_run=dry_run,
                        mode=mode)
    return Status(202, {"id": job.pk, "status": job.status})


@router.get("", response=JobList, operation_id="list_imports")
def list_imports(request, limit: int | None = None, offset: int | None = None):
    count, items = paginate(ImportJob.objects.visible_to(request.user), limit, offset)
    return {"count": count, "items": [job_out(j) for j in items]}


@router.get("/kinds", response=list[Kind], operation_id="import_kinds")
def import_kinds(request):
    """The kinds this user may import, with their column headings."""
    return [{"kind": s.kind, "label": str(s.label), "columns": [c.header for c in s.columns]}
            for s in kinds_for(request.user)]


@router.get("/templates/{kind}", response={200: None}, operation_id="import_template",
            openapi_extra={"responses": {200: {"description": ".xlsx template",
                                               "content": {CONTENT_TYPES["xlsx"]: {}}}}})
def import_template(request, kind: str):
    try:
        spec = get_spec(kind)
    except KeyError:
        raise HttpError(404, "Not found.") from None
    response = HttpResponse(template_workbook(spec), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


@router.get("/{int:job_id}", response=JobOut, operation_id="get_import")
def get_import(request, job_id: int):
    return job_out(get_object_or_404(ImportJob.objects.visible_to(request.user), pk=job_id))


@router.get("/{int:job_id}/errors", response={200: None}, operation_id="import_error_sheet",
            openapi_extra={"responses": {200: {"description": "the failed rows with a reason column (.xlsx)",
                                               "content": {CONTENT_TYPES["xlsx"]: {}}}}})
def import_error_sheet(request, job_id: int):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=job_id)
    if not job.error_sheet:
        raise HttpError(404, "Not found.")
    return error_sheet_response(job)


def error_sheet_response(job: ImportJob) -> FileResponse:
    response = FileResponse(job.error_sheet.open("rb"), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
    return response
