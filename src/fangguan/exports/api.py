"""Background exports over the API: the user's jobs, one job (poll it for progress), and its file.
A job is its owner's: anyone else gets 404, as for any record not theirs. A big list's
``GET /api/v1/<list>/export`` answers 202 with the job (``core.crud``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError

from fangguan.core.api import get_or_404, paginate
from fangguan.core.exports import CONTENT_TYPES

from .models import ExportJob
from .services import export_download
from .sources import label_of

router = Router(tags=["exports"])


class ExportJobOut(Schema):
    id: int
    list: str
    label: str
    format: Literal["csv", "xlsx"]
    unmasked: bool
    status: Literal["queued", "running", "succeeded", "failed", "expired"]
    rows_done: int
    rows_total: int
    progress: int
    size: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime | None
    url: str
    download_url: str | None


class ExportJobList(Schema):
    count: int
    items: list[ExportJobOut]


def job_out(job: ExportJob) -> dict:
    return {
        "id": job.pk, "list": job.source, "label": label_of(job.source), "format": job.format,
        "unmasked": job.unmasked, "status": job.status, "rows_done": job.rows_done, "rows_total": job.rows_total,
        "progress": job.percent, "size": job.size, "error": job.error, "created_at": job.created_at,
        "finished_at": job.finished_at, "expires_at": job.expires_at,
        "url": reverse("api:get_export", kwargs={"job_id": job.pk}),
        "download_url": reverse("api:export_file", kwargs={"job_id": job.pk}) if job.ready else None,
    }


@router.get("", response=ExportJobList, operation_id="list_exports")
def list_exports(request, limit: int | None = None, offset: int | None = None):
    """The user's own background exports, newest first."""
    count, items = paginate(ExportJob.objects.visible_to(request.user), limit, offset)
    return {"count": count, "items": [job_out(j) for j in items]}


@router.get("/{int:job_id}", response=ExportJobOut, operation_id="get_export")
def get_export(request, job_id: int):
    """One background export: poll ``status`` and ``progress`` until ``download_url`` is given."""
    return job_out(get_or_404(ExportJob.objects.visible_to(request.user), job_id))


@router.get("/{int:job_id}/file", response={200: None}, operation_id="export_file",
            openapi_extra={"responses": {200: {"description": "the export's file (CSV or .xlsx)",
                                               "content": {c: {} for c in CONTENT_TYPES.values()}}}})
def export_file(request, job_id: int):
    """The file of a ready export, for its owner only; every download is logged."""
    job = get_or_404(ExportJob.objects.visible_to(request.user), job_id)
    if not job.ready:
        raise HttpError(404, "Not found.")
    return file_response(request.user, job)


def file_response(user, job: ExportJob) -> FileResponse:
    response = FileResponse(export_download(actor=user, job=job), as_attachment=True, filename=job.filename,
                            content_type=CONTENT_TYPES[job.format])
    response["Cache-Control"] = "no-store"
    return response
