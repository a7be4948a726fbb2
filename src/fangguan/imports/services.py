"""Every write of the imports app: starting a job, moving it through its statuses, and the bulk
writer that imports use for records whose rules allow writing a batch at once."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangguan.core import jobs
from fangguan.core.archives import ArchiveRefused, check_archive
from fangguan.core.audit import change_entry, object_type_of, snapshot
from fangguan.core.models import ChangeAction, ChangeLog
from fangguan.core.scopes import fields_many

from .choices import TRANSITIONS, JobStatus, Mode
from .models import ImportJob, max_upload_bytes
from .reading import FileProblem, sniff
from .specs import get_spec


def import_create(*, actor, kind: str, upload: File, filename: str, dry_run: bool = True,
                  mode: str = Mode.ALL_OR_NOTHING, source: ImportJob | None = None,
                  background: bool = True) -> ImportJob:
    """Accept an upload and queue its job. A file that is plainly not importable (empty, too
    large, not what its name says) is refused here, before anything is stored."""
    try:
        spec = get_spec(kind)
    except KeyError:
        raise ValidationError({"kind": [_("Unknown import kind: %(kind)s.") % {"kind": kind}]}) from None
    if not spec.offered(actor):
        raise PermissionDenied(_("You may not import records of this kind."))
    if mode not in Mode.values:
        raise ValidationError({"mode": [_("Unknown mode: %(mode)s.") % {"mode": mode}]})
    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise ValidationError({"file": [_("The file is larger than the limit of %(mb)s MB.") % {
            "mb": f"{limit / 1024 / 1024:g}"}]})
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    try:
        fmt = sniff(filename, head)
    except FileProblem as exc:
        raise ValidationError({"file": [exc.message]}) from None
    if fmt == "xlsx":
        try:
            check_archive(upload)  # a compression bomb is refused before it is stored or read
        except ArchiveRefused as exc:
            raise ValidationError({"file": exc.messages}) from None
    with transaction.atomic():
        job = ImportJob(kind=kind, created_by=actor, filename=filename[:200], dry_run=dry_run, mode=mode,
                        source=source, language=translation.get_language() or "")
        job.file.save(_safe_name(filename), upload, save=False)
        job.full_clean(exclude=["file"])
        job.save()
        if background:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def import_apply(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """Apply the file a dry run checked: a new job, same file, written this time."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("You may not change this record."))
    with job.file.open("rb") as fh:
        content = ContentFile(fh.read())
    return import_create(actor=actor, kind=job.kind, upload=content, filename=job.filename, dry_run=False,
                         mode=mode, source=job)


def _safe_name(filename: str) -> str:
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"upload{suffix}"


def _enqueue(job_id: int) -> None:
    from .tasks import run_import_task

    run_import_task(job_id)


def job_transition(*, job: ImportJob, to: str, **fields: Any) -> ImportJob:
    """Move a job to status ``to`` (only along TRANSITIONS) and save the given fields with it."""
    stamp = "started_at" if to == JobStatus.RUNNING else "finished_at"
    return jobs.move(job, to, TRANSITIONS, _("An import cannot go from %(from)s to %(to)s."),
                     **{stamp: timezone.now(), **fields})


# --- Writing records in bulk ------------------------------------------------------------------


class RowsRefused(Exception):
    """Some rows would be written outside the writer's scope; nothing of the batch was kept."""

    def __init__(self, indexes: list[int]):
        super().__init__(indexes)
        self.indexes = indexes


def records_bulk_write(*, actor, model: type[models.Model], creates: list,
                       updates: list[tuple[models.Model, dict, list[str]]]) -> None:
    """``core.services.record_create`` / ``record_update`` for a batch of already validated records:
    one transaction, the scope check before (updates) and after the write (all, with one query per
    grant), then one change-log row per record, whose cause is the audit context's (``import:<id>``).

    ``creates`` are model instances, or ``specs.NewRecord`` values (the fast path: on PostgreSQL
    they are written and logged without model instances, ``_insert_new``; elsewhere they become
    instances here and take the same path as any).

    Raises RowsRefused (with the batch rolled back) when some records are not the writer's to
    write; the caller drops them and writes the rest again.
    """
    from .specs import NewRecord

    if creates and isinstance(creates[0], NewRecord):
        if connection.vendor == "postgresql" and not updates:
            _insert_new(actor=actor, model=model, creates=creates)
            return
        instances = [_instance_of(model, new) for new in creates]
        try:
            records_bulk_write(actor=actor, model=model, creates=instances, updates=updates)
        finally:
            for new, obj in zip(creates, instances, strict=True):
                new.values["id"] = obj.pk
        return
    with transaction.atomic():
        if updates:
            grants = fields_many(actor, [obj for obj, _b, _f in updates])
            refused = [len(creates) + i for i, (obj, _b, fields) in enumerate(updates)
                       if not grants[obj.pk].covers(fields)]
            if refused:
                raise RowsRefused(refused)
        now = timezone.now()
        derived = _derived(model)
        for obj in creates:
            derived(obj)
        if creates:
            insert_rows(model, creates)
        if updates:
            names = {name for _o, _b, fields in updates for name in fields}
            for obj, _b, _f in updates:
                derived(obj)
                if hasattr(obj, "updated_at"):
                    obj.updated_at = now
            names |= {"updated_at"} if hasattr(model, "updated_at") else set()
            names |= {"name_pinyin"} if "name" in names and hasattr(model, "name_pinyin") else set()
            model._default_manager.bulk_update([obj for obj, _b, _f in updates], sorted(names), batch_size=1000)
        written = creates + [obj for obj, _b, _f in updates]
        grants = fields_many(actor, written)
        refused = [i for i, obj in enumerate(creates) if not grants[obj.pk].all]
        refused += [len(creates) + i for i, (obj, _b, fields) in enumerate(updates)
                    if not grants[obj.pk].covers(fields)]
        if refused:
            raise RowsRefused(refused)
        entries = [change_entry(actor=actor, action=ChangeAction.CREATE, instance=obj, after=snapshot(obj))
                   for obj in creates]
        for obj, before, _fields in updates:
            after = snapshot(obj)
            changed = sorted(k for k in after if after[k] != before.get(k) and k != "updated_at")
            if changed:
                entries.append(change_entry(actor=actor, action=ChangeAction.UPDATE, instance=obj,
                                            before={k: before.get(k) for k in changed},
                                            after={k: after[k] for k in changed}))
        insert_rows(ChangeLog, entries)


def _instance_of(model: type[models.Model], new) -> models.Model:
    obj = model(**new.values)
    for name, value in new.related.items():
        setattr(obj, name, value)
    return obj


def _insert_new(*, actor, model: type[models.Model], creates: list) -> None:
    """The fast path's write of new records on PostgreSQL, without model instances: ids from the
    sequence, one COPY of the rows, the scope re-check (one query per grant, as for any write),
    one COPY of their change-log rows — each row's ``after`` is ``core.audit.snapshot`` of the
    record (the same fields, the same plain values), its ``object_repr`` the record's ``str()``."""
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    auto = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    derived = _derived(model)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(creates)])
            ids = [row[0] for row in cursor.fetchall()]
            table = connection.ops.quote_name(meta.db_table)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
            dumpers = [_copy_value(f) for f in fields]
            attnames = [f.attname for f in fields]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for new, pk in zip(creates, ids, strict=True):
                    values = new.values
                    values["id"] = pk
                    for name in auto:
                        values[name] = now
                    if derived is not _no_derived:
                        obj = new.instance(model)
                        derived(obj)
                        values["name_pinyin"] = obj.name_pinyin
                    copy.write_row([pk, *[dump(values[a]) for a, dump in zip(attnames, dumpers, strict=True)]])
        instances = [new.instance(model) for new in creates]
        grants = fields_many(actor, instances)
        refused = [i for i, obj in enumerate(instances) if not grants[obj.pk].all]
        if refused:
            raise RowsRefused(refused)
        template = change_entry(actor=actor, action=ChangeAction.CREATE, instance=None, object_type="x")
        exclude = _snapshot_exclude(model)
        kept = [f for f in meta.concrete_fields if f.name not in exclude and f.attname not in exclude]
        constant = {"at": now, "actor_id": template.actor_id, "actor_name": template.actor_name,
                    "action": ChangeAction.CREATE, "object_type": object_type_of(model), "before": None,
                    "request_id": template.request_id, "cause": template.cause}
        if all(_snapshot_sql(f) is not None for f in kept):
            _log_created_setwise(model, kept, constant, creates, instances)
        else:
            _log_created_copy(model, kept, constant, creates, instances)


def _log_created_copy(model, kept, constant, creates, instances) -> None:
    """One change-log row per new record by COPY, its ``after`` built here: ``snapshot``'s fields,
    ``core.audit._plain``'s values (for models with a field ``_snapshot_sql`` has no form for)."""
    kept = [(f.name, f.attname, _plain_of(f)) for f in kept]
    log = ChangeLog._meta
    log_fields = [f for f in log.concrete_fields if f is not log.pk]
    log_columns = ", ".join(connection.ops.quote_name(f.column) for f in log_fields)
    after_dump = _copy_value(log.get_field("after"))
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(log.db_table)} ({log_columns}) FROM STDIN") as copy:
        for new, obj in zip(creates, instances, strict=True):
            values = new.values
            after = {name: (value if plain is None or value is None else plain(value))
                     for name, attname, plain in kept for value in (values[attname],)}
            row = dict(constant, object_id=values["id"], object_repr=str(obj)[:200], after=after_dump(after))
            copy.write_row([row[f.attname] for f in log_fields])


def _log_created_setwise(model, kept, constant, creates, instances) -> None:
    """One change-log row per new record in one ``INSERT … SELECT`` from the rows just written:
    ``after`` is built by PostgreSQL from the stored columns (``_snapshot_sql``: the same keys as
    ``snapshot``, the same plain values ``core.audit._plain`` gives — ids and numbers as numbers,
    decimals as their text, dates as ISO text), in the records' order; only ``object_repr`` (the
    record's ``str()``) comes from Python. Read back like any entry (``record_history``)."""
    meta = model._meta
    log = ChangeLog._meta
    q = connection.ops.quote_name
    log_fields = [f for f in log.concrete_fields if f is not log.pk]
    given = [f for f in log_fields if f.attname not in ("object_id", "object_repr", "after")]
    pairs = ", ".join(f"'{f.name}', {_snapshot_sql(f).format(q('t') + '.' + q(f.column))}" for f in kept)
    columns = ", ".join(q(f.column) for f in [*given, log.get_field("object_id"), log.get_field("object_repr"),
                                                log.get_field("after")])
    # only the models' own table, column and field names (identifiers) are put into the text
    sql = (f"INSERT INTO {q(log.db_table)} ({columns}) "  # noqa: S608
           f"SELECT {', '.join(['%s'] * len(given))}, t.{q(meta.pk.column)}, r.repr, jsonb_build_object({pairs}) "
           f"FROM unnest(%b::bigint[], %b::text[]) WITH ORDINALITY AS r(id, repr, n) "
           f"CROSS JOIN LATERAL (SELECT * FROM {q(meta.db_table)} WHERE {q(meta.pk.column)} = r.id OFFSET 0) t "
           f"ORDER BY r.n")
    params = [_copy_value(f)(constant[f.attname]) for f in given]
    params += [[new.values["id"] for new in creates], [str(obj)[:200] for obj in instances]]
    with binary_cursor() as cursor:
        cursor.execute(sql, params, prepare=False)


def binary_cursor():
    """A cursor of this connection (same transaction) that sends its parameters to the server
    apart from the text, arrays in binary (``%b``): Django's own cursor quotes each element of a
    1,000-element array into the SQL text. Execute with ``prepare=False``: a prepared statement's
    generic plan does not know the arrays' length and, measured, turned the keys' index join into
    scans that grew with the table (an import of 20,000 rows took twice as long). For the same
    reason the statements look rows up through ``LATERAL (… OFFSET 0)``: one index probe per key,
    whatever the planner believes of a table that grows inside the import's own transaction
    (its statistics are those of before the import; measured, a hash join over the whole table
    took 27–53 ms a batch at 50,000 homes)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _snapshot_sql(field) -> str | None:
    """The SQL giving ``core.audit._plain(value)`` of this field's column as JSON (``{}`` is the
    column), or None where there is none here (the log rows are then built in Python)."""
    as_is = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
             models.ForeignKey, models.AutoField, models.BigAutoField, models.SmallAutoField)
    if isinstance(field, models.FileField):
        return None
    if isinstance(field, as_is):
        return "{}"
    if isinstance(field, models.DecimalField):
        return "{}::text"  # numeric(…, places) as text is str() of the Decimal at that scale
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return "to_char({}, 'YYYY-MM-DD')"
    return None


def _plain_of(field):
    """``core.audit._plain`` for the values this field holds once cleaned: None where it keeps
    them as they are (numbers, text, booleans), else ``_plain`` itself."""
    from fangguan.core.audit import _plain

    kept_as_is = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
                  models.ForeignKey, models.AutoField, models.BigAutoField, models.SmallAutoField)
    if isinstance(field, kept_as_is) and not isinstance(field, models.FileField):
        return None
    return _plain


def _snapshot_exclude(model) -> frozenset:
    from fangguan.core.audit import NOISE

    return NOISE | getattr(model, "audit_exclude", frozenset())


def _no_derived(obj) -> None:
    return None


def _derived(model):
    """What the model's save() derives and bulk writes skip: the pinyin search key of a name
    (the same ``pinyin_key`` the models' save() and the demo loader use)."""
    if not any(f.name == "name_pinyin" for f in model._meta.concrete_fields):
        return _no_derived
    from fangguan.core.text import pinyin_key

    def derive(obj):
        obj.name_pinyin = pinyin_key(obj.name)

    return derive


def insert_rows(model: type[models.Model], objs: list[models.Model]) -> None:
    """``bulk_create`` for objects already validated; on PostgreSQL through COPY, with the ids
    taken from the table's sequence first (so each object knows its id, as after bulk_create).
    What save() would fill in (``auto_now`` timestamps) is filled by the fields' own pre_save."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
        dumpers = [_copy_value(f) for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                copy.write_row([pk, *[dump(f.pre_save(obj, True)) for f, dump in zip(fields, dumpers, strict=True)]])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_value(field):
    if isinstance(field, models.JSONField):
        encoder = field.encoder or DjangoJSONEncoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)
    return lambda value: value


def import_uploads_purge(*, now=None) -> int:
    """Uploaded files hold personal data in clear: a dry run that was never applied keeps its
    file for ``FANGGUAN_IMPORT_KEEP_DAYS`` (7) days so it can still be applied, then the file goes
    (the job's report, problems and error sheet stay). Returns how many files were removed."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    days = int(getattr(settings, "FANGGUAN_IMPORT_KEEP_DAYS", 7))
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    removed = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(file=""):
        job.file.delete(save=False)
        job.save(update_fields=["file"])
        removed += 1
    return removed


# --- Jobs whose worker died -------------------------------------------------------------------

def stale_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "FANGGUAN_JOB_STALE_SECONDS", 30))


def import_jobs_reap(*, now=None) -> list[int]:
    """Jobs left ``running`` by a worker that was killed (power cut, OOM killer, SIGKILL, a
    restart) fail with that reason; returns their ids. Nothing of such a job was written: its rows
    and its final status commit in one transaction (``engine._run``), which a dead worker never
    committed. A job still being run is never touched: its worker holds the job's row lock for the
    whole run (PostgreSQL: the row is skipped while locked; SQLite: the reaper's write transaction
    waits for the import's to end, then sees it finished). Only jobs that started more than
    ``FANGGUAN_JOB_STALE_SECONDS`` (30) ago are looked at, which covers the instant between a
    worker marking a job running and taking its lock."""
    import datetime as dt

    from django.db import OperationalError

    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=stale_seconds())
    reaped = []
    for pk in ImportJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=cutoff).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                qs = ImportJob.objects.filter(pk=pk, status=JobStatus.RUNNING)
                if connection.features.has_select_for_update_skip_locked:
                    qs = qs.select_for_update(skip_locked=True, no_key=True)
                job = qs.first()
                if job is None:
                    continue  # finished meanwhile, or a live worker holds it
                with translation.override(job.language or None):
                    message = _("The import was interrupted: the worker running it stopped (a restart or a "
                                "crash). Nothing was written. Start the import again.")
                job_transition(job=job, to=JobStatus.FAILED, progress=100, errors_total=1,
                               errors=[{"row": 0, "column": "", "message": message}])
                reaped.append(pk)
        except OperationalError:  # SQLite: a long import still holds the database; next time
            continue
    return reaped
