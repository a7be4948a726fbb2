"""Running an import job: read the file, check every row, write (or, for a dry run, write and roll
back), count, report.

The dry run and the real run are the same code: both write inside one transaction, and a dry run
(or an all-or-nothing run with any failed row) rolls that transaction back at the end. So the dry
run reports exactly what applying would do — the scope re-check after writing and the
database's own constraints included — and writes nothing.

Rows are handled in batches (``spec.batch_size``): each batch is parsed, matched with one query
per reference and per key, validated, written and counted before the next is read, so memory
does not grow with the file (CSV and .xlsx alike are streamed, ``reading``). Each column's parser
runs once per distinct cell value of the job and, for the kinds that opt in (``fast=True``), the
model's field rules once per distinct value (``specs.FieldChecks``).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import tempfile
from collections.abc import Callable
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.core.context import audit_context
from fangguan.core.demomark import EXPORT_MARK

from .choices import JobStatus, Mode
from .models import ImportJob, errors_kept
from .reading import REASON_HEADER, FileProblem, formula_cells, open_table
from .services import job_transition
from .specs import CREATE, UNCHANGED, UPDATE, Column, Context, Row, chunks, get_spec, parse_rows

log = logging.getLogger(__name__)

N_FORMULA = gettext_lazy("formula: its cached value used")
PROGRESS_KEY = "imports:progress:{}"


def live_progress(job: ImportJob) -> int:
    """A running job's progress as the worker last reported it (0–100)."""
    if job.status != JobStatus.RUNNING:
        return job.progress
    from huey.contrib.djhuey import HUEY

    value = HUEY.get(PROGRESS_KEY.format(job.pk), peek=True)
    return int(value) if value is not None else job.progress


def _forget_progress(job: ImportJob) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.delete(PROGRESS_KEY.format(job.pk))


def _report_progress(job: ImportJob, percent: int) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.put(PROGRESS_KEY.format(job.pk), int(percent))


class Report:
    """Counts, problems, normalisations and the failed rows of one run."""

    def __init__(self, job: ImportJob, headers: list[str] | None = None):
        self.job = job
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, "failed": 0, "flagged": 0}
        self.errors: list[dict[str, Any]] = []
        self.errors_total = 0
        self.notes: dict[tuple[str, str], dict[str, Any]] = {}
        self.rows = 0
        self.headers = headers
        self._sheet = None
        self._sheet_file = None

    def note(self, col: Column, what: str, row: Row, raw: Any, value: Any) -> None:
        entry = self.notes.get((col.header, what))
        if entry is None:
            entry = {"column": col.header, "what": what, "count": 0, "row": row.number}
            if not col.personal:
                entry["from"], entry["to"] = str(raw), str(value)
            self.notes[(col.header, what)] = entry
        entry["count"] += 1

    def error(self, row: int, column: str, message: str) -> None:
        self.errors_total += 1
        if len(self.errors) < errors_kept():
            self.errors.append({"row": row, "column": column, "message": message})

    def add(self, row: Row) -> None:
        self.rows += 1
        if row.errors:
            self.counts["failed"] += 1
            for column, message in row.errors:
                self.error(row.number, column, message)
            self._failed_row(row)
        else:
            self.counts[row.action] += 1
            if row.flagged:
                self.counts["flagged"] += 1

    def _failed_row(self, row: Row) -> None:
        from openpyxl import Workbook

        from fangguan.core.exports import append_row

        if self._sheet is None:
            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("错误行")
            append_row(self._sheet, [*self.headers, REASON_HEADER])
        reason = _("Row %(row)s: ") % {"row": row.number} + "；".join(
            f"「{c}」{m}" if c else m for c, m in row.errors)
        cells = list(row.raw[: len(self.headers)]) + [None] * (len(self.headers) - len(row.raw))
        append_row(self._sheet, [*[_plain(c) for c in cells], reason])

    def save_sheet(self, job: ImportJob) -> None:
        if self._sheet is None:
            return
        with tempfile.TemporaryFile() as fh:
            self._book.save(fh)
            fh.seek(0)
            job.error_sheet.save("errors.xlsx", File(fh), save=False)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return value if hasattr(value, "year") else str(value)


def run_job(job_id: int, *, on_progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Run a queued job to its end. Never raises for a bad file: the job fails with the reason."""
    with transaction.atomic():  # one runner per job, even if the queue delivers it twice
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        if job.status != JobStatus.QUEUED:
            return job
        job_transition(job=job, to=JobStatus.RUNNING)
    with translation.override(job.language or None), audit_context(cause=job.cause):
        try:
            return _run(job, on_progress)
        except FileProblem as exc:
            return job_transition(job=job, to=JobStatus.FAILED, progress=100, errors=[
                {"row": exc.row, "column": exc.column, "message": exc.message}], errors_total=1)
        except Exception:
            log.exception("import %s failed", job.pk)
            return job_transition(job=job, to=JobStatus.FAILED, progress=100, errors=[
                {"row": 0, "column": "", "message": _("The import stopped on an internal error; nothing was written.")}],
                errors_total=1)
        finally:
            _forget_progress(job)


def _run(job: ImportJob, on_progress) -> ImportJob:
    """The rows, the counts and the job's final status commit together, in one transaction that
    holds the job's row lock from start to end: a worker killed at any point leaves no row of the
    file written and the job ``running`` with its lock released, which is how ``reap_stale``
    knows it died. The upload is discarded only after the commit."""
    with transaction.atomic(), _no_full_collections():
        _lock(job)
        job = _run_locked(job, on_progress)
    if not job.dry_run:  # applied or refused: the clear personal data is not kept
        _discard_uploads(job)
    return job


@contextlib.contextmanager
def _no_full_collections():
    """The objects alive when the job starts (Django, the apps, the caches) are set aside from the
    cyclic garbage collector for the run (``gc.freeze``), and the young generation is collected
    less often: a job allocates millions of short-lived objects (rows, cells, dicts), and each
    full collection walked the whole heap again — a fifth of a 50,000-row import's time. Memory
    stays flat: rows are freed by reference counting batch by batch, and the collector still runs
    (less often) for the cycles. Both settings are put back afterwards."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 20_000), threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _lock(job: ImportJob) -> None:
    from django.db import connection

    qs = ImportJob.objects.filter(pk=job.pk)
    # NO KEY: a new job naming this one as its source may still be inserted meanwhile.
    qs = qs.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    list(qs.values_list("pk", flat=True))


def _run_locked(job: ImportJob, on_progress) -> ImportJob:
    spec = get_spec(job.kind)
    ctx = Context(actor=job.created_by, dry_run=job.dry_run)
    last = -1
    with job.file.open("rb") as fh:
        formulas = formula_cells(fh) if job.file_format == "xlsx" else set()
        table = open_table(fh, job.filename, spec)
        report = Report(job, table.headers)
        if table.demo_row is not None:
            report.notes[("", "demo")] = {
                "column": EXPORT_MARK, "count": 1, "row": table.demo_row,
                "what": _("Row %(row)s is the 演示数据 (demo data) mark of an export, not a record: skipped.") % {
                    "row": table.demo_row}}
        formula_columns = {i: c for i, c in enumerate(table.columns) if c is not None}
        parsed: dict = {}  # each column's parsed cells, for this job (parse_rows)
        with transaction.atomic():
            for batch in chunks(table.rows, spec.batch_size):
                rows = parse_rows(spec, batch, table.columns, report.note, parsed)
                if formulas:
                    _formulas(rows, formulas, formula_columns, report)
                spec.prepare(rows, ctx)
                spec.write(rows, ctx)
                for row in rows:
                    report.add(row)
                done = report.rows
                fraction = (done / table.total) if table.total else (table.position() if table.position else 0)
                percent = min(99, int(fraction * 100))
                if percent != last:
                    _report_progress(job, percent)
                    last = percent
                if on_progress:
                    on_progress(done, percent)
            if report.rows == 0:
                raise FileProblem(_("The file has a header but no rows."), row=table.header_rows + 1)
            failed = report.counts["failed"] > 0
            applied = not job.dry_run and (job.mode == Mode.VALID_ROWS or not failed)
            if not applied:
                transaction.set_rollback(True)
    report.save_sheet(job)
    status = JobStatus.FAILED if (not job.dry_run and not applied) else JobStatus.SUCCEEDED
    return job_transition(
        job=job, to=status, progress=100, rows_total=report.rows, applied=applied,
        created=report.counts[CREATE], updated=report.counts[UPDATE], unchanged=report.counts[UNCHANGED],
        failed=report.counts["failed"], flagged=report.counts["flagged"], errors=report.errors,
        errors_total=report.errors_total, notes=list(report.notes.values()),
    )


def _discard_uploads(job: ImportJob) -> None:
    """Once a file has been applied (or refused), the upload and its dry run's copy are not kept:
    they hold personal data in clear. The result, the problems and the error sheet stay."""
    for holder in (job, job.source):
        if holder is not None and holder.file:
            holder.file.delete(save=False)
            holder.save(update_fields=["file"])


def _formulas(rows: list[Row], formulas: set, columns: dict[int, Column], report: Report) -> None:
    for row in rows:
        for index, col in columns.items():
            if (row.number, index) in formulas:
                value = row.raw[index] if index < len(row.raw) else None
                if value is None or value == "":
                    row.error(col.header, _("A formula without a computed value: open and save the file in a spreadsheet program."))
                else:
                    report.note(col, str(N_FORMULA), row, value, row.values.get(col.name))
