"""Every write of the exports app: asking for a background export, running it, the download (and
its security-log entry), and the expiry of old files. A job moves only along
``choices.TRANSITIONS`` (``job_transition``)."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import secrets
import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangguan.core import jobs
from fangguan.core.audit import log_security
from fangguan.core.context import audit_context, current
from fangguan.core.disk import StorageFull, ensure_room
from fangguan.core.exports import write_file
from fangguan.core.models import Outcome, SecurityAction

from .choices import TRANSITIONS, ExportFormat, ExportStatus
from .models import ExportJob, keep_days, stale_seconds
from .sources import get_source, label_of

log = logging.getLogger("fangguan.exports")

# How often a running job writes its progress (rows done, and the heartbeat the reaper reads).
PROGRESS_EVERY_SECONDS = 2.0


def _json_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as given, JSON-safe (dates as ISO text, which the list's filter schema reads
    back); empty ones dropped."""
    import json

    kept = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    return json.loads(json.dumps(kept, cls=DjangoJSONEncoder))


def export_job_start(*, owner, source: str, filters: dict[str, Any], ordering: str | None, fmt: str,
                     rows_total: int, unmasked: bool = False) -> ExportJob:
    """Queue a background export of ``source`` as ``owner`` sees it with these filters. The caller
    has already read the list through its scope and counted it (that is how it knew the export was
    too big to answer at once). The job runs after the transaction commits."""
    get_source(source)  # a list nobody registered is a programming error, not a user's
    if fmt not in ExportFormat.values:
        raise ValidationError({"format": [_("Unknown format: %(format)s.") % {"format": fmt}]})
    if not getattr(owner, "is_authenticated", False):
        raise PermissionDenied(_("Log in to export."))
    job = ExportJob.objects.create(
        owner=owner, source=source, filters=_json_filters(filters), ordering=ordering or "", format=fmt,
        unmasked=unmasked, rows_total=rows_total, language=translation.get_language() or "",
        request_id=(current().request_id or "")[:64])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_export_task

    run_export_task(job_id)


def job_transition(*, job: ExportJob, to: str, **fields: Any) -> ExportJob:
    """Move a job to status ``to`` (only along TRANSITIONS) and save the given fields with it."""
    now = timezone.now()
    stamps = ({"started_at": now, "progress_at": now} if to == ExportStatus.RUNNING
              else {} if to == ExportStatus.EXPIRED else {"finished_at": now})
    return jobs.move(job, to, TRANSITIONS, _("An export cannot go from %(from)s to %(to)s."),
                     **{**stamps, **fields})


def _language(job: ExportJob) -> str:
    """The language the owner asked in (the reason and the notification are in it)."""
    from django.conf import settings

    return job.language or settings.LANGUAGE_CODE


# --- Running ---------------------------------------------------------------------------------


# What a row is taken to need on disk while a file is written, for the room check (a homes row
# is ~120 bytes of CSV, less zipped in .xlsx): generous, so the margin is never eaten into.
BYTES_PER_ROW = 256


def export_refusal() -> str:
    return _("The server is short of storage space for this export's file, so it was not written. "
             "Please tell the system administrator.")


def _ensure_room(rows_left: int) -> None:
    """The rule uploads follow (``core.disk.ensure_room``: the free-space margin and the quota),
    for the rows still to be written; refused with the export's own reason."""
    try:
        ensure_room(max(0, rows_left) * BYTES_PER_ROW)
    except StorageFull as exc:
        raise StorageFull(export_refusal(), code=exc.code) from None


class _Counted:
    """The rows, counted, with the job's progress written every PROGRESS_EVERY_SECONDS (one
    UPDATE, not a save: the page polls it, the reaper reads its time as the worker's heartbeat);
    at the same beat the disk is asked again for room for the rows still to come, so a disk
    filling up (by anything) stops the file before it takes the database's space."""

    def __init__(self, job: ExportJob, rows):
        self.job, self.rows, self.done = job, rows, 0

    def __iter__(self):
        last = time.monotonic()
        for row in self.rows:
            yield row
            self.done += 1
            if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                last = time.monotonic()
                _beat(self.job.pk, self.done)
                _ensure_room(self.job.rows_total - self.done)


def _beat(job_pk: int, done: int) -> None:
    """Write the job's progress (its heartbeat) while its rows are still being read.

    On SQLite the rows come through one statement left open between chunks — a read snapshot —
    and the connection holding it cannot write once anyone else has written since: SQLite answers
    "database is locked" at once, no busy timeout helps (seen under load: the job never finished).
    Then the beat goes through a second, short-lived connection, which WAL lets write beside the
    open read."""
    try:
        ExportJob.objects.filter(pk=job_pk).update(rows_done=done, progress_at=timezone.now())
        return
    except OperationalError:
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            raise
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        q = other.ops.quote_name
        with other.cursor() as cursor:
            cursor.execute(f"UPDATE {q(ExportJob._meta.db_table)} SET {q('rows_done')} = %s, {q('progress_at')} = %s "  # noqa: S608
                           f"WHERE {q('id')} = %s", [done, other.ops.adapt_datetimefield_value(timezone.now()), job_pk])
    finally:
        other.close()


def _stored_name(job: ExportJob) -> str:
    """Where the file goes under the media root: a random part, so a name cannot be guessed (the
    file is only ever served through the owner's download, never as a media URL)."""
    return f"exports/{job.created_at:%Y/%m}/{job.pk}-{secrets.token_hex(8)}.{job.format}"


def run_export(job_id: int) -> ExportJob:
    """Run a queued job to its end. Never raises: a job that cannot be written fails with the
    reason, its partial file removed, and the owner is told either way."""
    with transaction.atomic():  # one runner per job, even if the queue delivers it twice
        job = ExportJob.objects.select_for_update().select_related("owner").get(pk=job_id)
        if job.status != ExportStatus.QUEUED:
            return job
        # the file's name is kept from the start, so a worker's death leaves no orphan file
        job_transition(job=job, to=ExportStatus.RUNNING, file=_stored_name(job))
    with translation.override(_language(job)), audit_context(request_id=job.request_id,
                                                                   cause=f"export:{job.pk}"):
        path = default_storage.path(job.file.name)
        table = None
        try:
            table = get_source(job.source).table(job)
            _ensure_room(max(job.rows_total, table.total or 0))  # before a byte is written
            os.makedirs(os.path.dirname(path), exist_ok=True)
            rows = _Counted(job, table.rows)
            try:
                write_file(path, job.format, table.name, table.headers, iter(rows), preamble=table.preamble,
                           sheet=table.sheet)
            except OSError as exc:  # the disk filled anyway (or the quota of the file system)
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise StorageFull(export_refusal(), code="disk_full") from exc
                raise
        except Exception as exc:  # noqa: BLE001 - any failure is the job's, with its reason
            if table is not None and hasattr(table.rows, "close"):
                table.rows.close()  # the list's own log records the file as broken off, now
            _remove_file(job)
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else _(
                "The export stopped on an internal error (%(error)s).") % {"error": type(exc).__name__}
            if not isinstance(exc, ValidationError):
                log.exception("export %s failed", job.pk)
            job = job_transition(job=job, to=ExportStatus.FAILED, error=reason, file="")
            _tell_owner(job)
            return job
        now = timezone.now()
        job = job_transition(job=job, to=ExportStatus.SUCCEEDED, rows_done=rows.done, rows_total=rows.done, finished_at=now,
                             size=os.path.getsize(path), filename=f"{table.name}.{job.format}",
                             expires_at=now + dt.timedelta(days=keep_days()))
        _tell_owner(job)
        return job


def _remove_file(job: ExportJob) -> None:
    if job.file and default_storage.exists(job.file.name):
        default_storage.delete(job.file.name)


def _tell_owner(job: ExportJob) -> None:
    """A notification with the download link (or the reason it failed), in the job's language."""
    from fangguan.notifications.services import notify

    what = label_of(job.source)
    if job.status == ExportStatus.SUCCEEDED:
        title = _("Your export of %(list)s is ready") % {"list": what}
        body = _("%(rows)s rows, kept until %(until)s. Download it from My exports.") % {
            "rows": job.rows_done, "until": timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M")}
        url = reverse("exports:download", args=[job.pk])
    else:
        title = _("Your export of %(list)s failed") % {"list": what}
        body, url = job.error, reverse("exports:list")
    notify([job.owner], title=title, body=body, url=url, topic="exports")


# --- Downloading -------------------------------------------------------------------------------


def export_download(*, actor, job: ExportJob):
    """The file of a ready job, for its owner only; each download is a security event (who, which
    export, how many rows, masked or not) — the file leaves the platform again each time."""
    if job.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the user who asked for an export may download it."))
    if not job.ready:
        raise ValidationError(_("This export has no file to download (not ready, failed or expired)."))
    handle = job.file.open("rb")
    log_security(actor=actor, action=SecurityAction.EXPORT, outcome=Outcome.SUCCESS, instance=job,
                 detail={"resource": job.source, "format": job.format, "rows": job.rows_done, "download": True,
                         "job": job.pk, "size": job.size, "unmasked": job.unmasked})
    return handle


# --- Expiry and dead workers ---------------------------------------------------------------------


def exports_expire(*, now=None) -> list[int]:
    """Files whose time is up (``FANGGUAN_EXPORT_KEEP_DAYS`` after they were ready) are deleted:
    an export holds the scoped — often personal — data of a whole list. The job stays, as the
    record of what was exported, marked expired. Returns the ids of the jobs expired."""
    now = now or timezone.now()
    expired = []
    for job in ExportJob.objects.filter(status=ExportStatus.SUCCEEDED, expires_at__lte=now):
        _remove_file(job)
        job_transition(job=job, to=ExportStatus.EXPIRED, file="")
        expired.append(job.pk)
    return expired


def exports_reap(*, now=None) -> list[int]:
    """Jobs left ``running`` by a worker that died (a restart, the OOM killer) fail with that
    reason and their partial file goes. A live job writes its progress every few seconds; one
    silent for ``FANGGUAN_EXPORT_STALE_SECONDS`` has no worker any more."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=stale_seconds())
    reaped = []
    for job in ExportJob.objects.filter(status=ExportStatus.RUNNING, progress_at__lt=cutoff).select_related("owner"):
        _remove_file(job)
        with translation.override(_language(job)):
            job = job_transition(job=job, to=ExportStatus.FAILED, file="", error=_(
                "The export was interrupted: the worker running it stopped (a restart or a crash). Ask for it again."))
            _tell_owner(job)
        reaped.append(job.pk)
    return reaped
