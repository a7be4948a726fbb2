"""Import kinds are registered specs: what columns a file of that kind has, how a row finds its
record (system id or natural key), and how it is written. The registry registers its nine kinds
in ``registry/imports.py``; a later module (development records, plan indicators …) registers
its own the same way, from its AppConfig.ready(), and gets upload, dry run, apply, progress,
error sheet, template, API and command for free.

``RecordSpec`` covers the usual case declaratively — one row, one record of one model, with
references by natural key — and has two ways to write:

- ``bulk=True`` for models whose validation does not depend on other rows of the same table
  (estates, areas, buildings, homes, companies, facilities). Each row is validated by the model's
  own ``clean_fields()`` and ``clean()``; foreign keys are not re-checked row by row because they
  were resolved, in scope, by one query per batch; uniqueness is checked for the whole batch with
  one query per unique constraint, using the model's own list of checks and its own error
  message. Rows are then written by ``services.records_bulk_write`` (one INSERT / UPDATE per batch,
  one change-log row per record, scope re-checked with one query per grant).
- ``bulk=False`` for the rest (contracts, whose overlap rule looks at the other contracts; owners'
  shares, whose sum is checked against the other shares): each row goes through the registry's
  own services, in a savepoint, exactly as a form or an API call would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.core.audit import snapshot
from fangguan.core.exports import looks_like_formula
from fangguan.core.scopes import ADD, can

from . import cells
from .reading import header_key

# --- The registry of kinds --------------------------------------------------------------------

_SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    _SPECS[spec.kind] = spec
    return spec


def get_spec(kind: str) -> ImportSpec:
    return _SPECS[kind]


def all_specs() -> list[ImportSpec]:
    return list(_SPECS.values())


def kinds_for(user) -> list[ImportSpec]:
    """The kinds this user may import (offered in menus; each row is still checked on write)."""
    return [s for s in _SPECS.values() if s.offered(user)]


# --- Columns and rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # as templates and exports write it
    name: str  # key of the parsed value (a model field name for plain fields)
    parse: Callable[[Any], tuple[Any, str | None]] = cells.text
    required: bool = False  # the header must be present
    help: Any = ""  # the notes sheet: what it means
    allowed: Any = ""  # the notes sheet: what may be written
    example: Any = ""
    group: Any = ""  # the template's merged heading above the column
    get: Callable[[Any], Any] | None = None  # export: the cell value of a record
    personal: bool = False  # never shown in notes or messages
    aliases: tuple[str, ...] = ()  # earlier headings still read (a file made from an older template)


CREATE, UPDATE, UNCHANGED = "created", "updated", "unchanged"


class Row:
    """One data row of the file on its way through parsing, matching, validation and writing."""

    __slots__ = ("number", "raw", "values", "present", "errors", "action", "flagged", "instance", "before",
                 "changes", "data", "extra")

    def __init__(self, number: int, raw: list[Any]):
        self.number, self.raw = number, raw
        self.values: dict[str, Any] = {}
        self.present: set[str] | frozenset[str] = set()
        self.errors: list[tuple[str, str]] = []
        self.action: str | None = None
        self.flagged = False
        self.instance: models.Model | None = None
        self.before: dict | None = None
        self.changes: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, str(message)))


class Touched:
    """Which records this import has already matched (created, updated or left unchanged): a
    second row for the same record is a duplicate. A bitmap by primary key, so memory follows the
    table's id range, not the file's length."""

    def __init__(self):
        self.bits: dict[str, bytearray] = {}

    def seen(self, label: str, pk: int) -> bool:
        bits = self.bits.get(label)
        return bits is not None and (pk >> 3) < len(bits) and bool(bits[pk >> 3] & (1 << (pk & 7)))

    def mark(self, label: str, pk: int) -> None:
        bits = self.bits.setdefault(label, bytearray())
        need = (pk >> 3) + 1
        if need > len(bits):
            bits.extend(bytes(max(need - len(bits), len(bits))))
        bits[pk >> 3] |= 1 << (pk & 7)


@dataclass
class Context:
    actor: Any
    dry_run: bool
    touched: Touched = field(default_factory=Touched)
    memo: dict[str, Any] = field(default_factory=dict)  # per-file state a spec keeps


# --- Specs ----------------------------------------------------------------------------------


class ImportSpec:
    kind: str
    label: Any
    model: type[models.Model]
    columns: list[Column]
    batch_size = 1000

    def header_map(self) -> dict[str, Column]:
        mapping = {}
        for col in self.columns:
            mapping[header_key(col.header)] = col
            mapping.setdefault(header_key(col.name), col)
            for alias in col.aliases:
                mapping.setdefault(header_key(alias), col)
        return mapping

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def header_of(self, name: str) -> str:
        col = self.column(name)
        return col.header if col else ""

    def offered(self, user) -> bool:
        return can(user, ADD, self.model)

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        raise NotImplementedError

    def write(self, rows: list[Row], ctx: Context) -> None:
        raise NotImplementedError

    def export_rows(self, qs, user, reveal: bool) -> Iterator[list[Any]]:
        for obj in qs.iterator(chunk_size=2000):
            yield [c.get(obj) if c.get else getattr(obj, c.name, "") for c in self.columns]

    def export_count(self, qs, user) -> int:
        return qs.count()

    def people_of(self, qs, user) -> list[int]:
        """The people whose personal data an export of ``qs`` holds (the clear export names them)."""
        return []


@dataclass(frozen=True)
class Ref:
    """A foreign key given by a natural key spread over one or more columns."""

    field: str  # the model's foreign key
    model: type[models.Model]
    columns: tuple[str, ...]  # value names in the row
    lookups: tuple[str, ...]  # the related model's lookups they match
    related: tuple[str, ...] = ()  # select_related for the related records
    required: bool = True

    def key_of(self, obj) -> tuple:
        values = []
        for lookup in self.lookups:
            value = obj
            for part in lookup.split("__"):
                value = getattr(value, part)
            values.append(value)
        return tuple(values)


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _same(a, b) -> bool:
    if isinstance(a, models.Model) or isinstance(b, models.Model):
        return getattr(a, "pk", a) == getattr(b, "pk", b)
    return a == b


class RecordSpec(ImportSpec):
    """One row = one record of ``model``, matched by ``id`` or by the natural ``key``."""

    def __init__(self, *, kind: str, label, model, columns: list[Column], key: tuple[str, ...],
                 refs: tuple[Ref, ...] = (), bulk: bool = False, related: tuple[str, ...] = (),
                 offered: Callable[[Any], bool] | None = None, export_related: tuple[str, ...] = (),
                 fast: bool = False):
        self.kind, self.label, self.model, self.columns = kind, label, model, columns
        self.key, self.refs, self.bulk, self.related = key, refs, bulk, related
        self._offered = offered
        self.export_related = export_related
        ref_columns = {c for r in refs for c in r.columns}
        self.fields = [c.name for c in columns
                       if c.name != "id" and c.name not in ref_columns and _field(model, c.name) is not None]
        self.fk_names = [f.name for f in model._meta.concrete_fields if f.is_relation]
        if fast and not (bulk and fast_capable(model)):
            raise ValueError(f"{kind}: the fast path needs bulk=True and a model fast_capable() accepts")
        self.fast = fast

    @cached_property
    def _blank(self) -> models.Model:
        """What class-level questions (unique checks, their messages) are asked of."""
        return self.model()

    def is_fast(self) -> bool:
        """Whether new records of this kind skip model instances in this run (``FANGGUAN_FAST_IMPORTS``)."""
        from django.conf import settings

        return self.fast and bool(getattr(settings, "FANGGUAN_FAST_IMPORTS", 1))

    def offered(self, user) -> bool:
        return self._offered(user) if self._offered else can(user, ADD, self.model)

    # -- where an error about a model field is shown
    def header_for_field(self, name: str) -> str:
        for ref in self.refs:
            if ref.field == name:
                return self.header_of(ref.columns[-1])
        return self.header_of(name) or ""

    def add_validation_errors(self, row: Row, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                header = "" if name == "__all__" else self.header_for_field(name)
                for message in errors:
                    row.error(header, message)
        else:
            for message in exc.messages:
                row.error("", message)

    # -- matching ---------------------------------------------------------------------------
    def resolve_refs(self, rows: list[Row], ctx: Context) -> None:
        for ref in self.refs:
            wanted: dict[tuple, list[Row]] = {}
            for row in rows:
                if not row.ok:
                    continue
                given = [c for c in ref.columns if c in row.present]
                if not given:
                    continue
                values = tuple(row.values.get(c) for c in ref.columns)
                if values[-1] in (None, "") and not ref.required:
                    row.data[ref.field] = None
                    continue
                if all(v in (None, "") for v in values):
                    if ref.required:
                        row.error(self.header_of(ref.columns[-1]), _("This value is required."))
                    else:
                        row.data[ref.field] = None
                    continue
                missing = [c for c, v in zip(ref.columns, values, strict=True) if v in (None, "")]
                if missing:
                    row.error(self.header_of(missing[0]), _("This value is required."))
                    continue
                wanted.setdefault(values, []).append(row)
            if not wanted:
                continue
            qs = ref.model.objects.visible_to(ctx.actor)
            if ref.related:
                qs = qs.select_related(*ref.related)
            for i, lookup in enumerate(ref.lookups):
                qs = qs.filter(**{f"{lookup}__in": {k[i] for k in wanted}})
            found = {ref.key_of(obj): obj for obj in qs}
            for values, waiting in wanted.items():
                obj = found.get(values)
                for row in waiting:
                    if obj is None:
                        row.error(self.header_of(ref.columns[-1]), _("No %(what)s 「%(key)s」 in your scope.") % {
                            "what": ref.model._meta.verbose_name, "key": " ".join(str(v) for v in values)})
                    else:
                        row.data[ref.field] = obj

    def key_values(self, row: Row) -> tuple | None:
        values = []
        for name in self.key:
            value = row.data.get(name, row.values.get(name))
            if value is None:
                return None
            values.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(values)

    def base_queryset(self, ctx: Context):
        """Records rows may match, in the importer's scope; locked until the job's transaction
        ends (as ``record_update`` locks the one record it changes)."""
        qs = self.model.objects.visible_to(ctx.actor)
        if self.related:
            qs = qs.select_related(*self.related)
        return qs.select_for_update(of=("self",))

    def find_existing(self, rows: list[Row], ctx: Context) -> dict[int, models.Model]:
        """Each row's existing record, by id or natural key (in scope): {row number: record}."""
        found: dict[int, models.Model] = {}
        ids = {row.values["id"]: row for row in rows if row.ok and row.values.get("id") is not None}
        if ids:
            by_id = self.base_queryset(ctx).in_bulk(list(ids))
            for row in rows:
                pk = row.values.get("id") if row.ok else None
                if pk is None:
                    continue
                obj = by_id.get(pk)
                if obj is None:
                    row.error("id", _("No record with id %(id)s in your scope.") % {"id": pk})
                else:
                    found[row.number] = obj
        keyed: dict[tuple, list[Row]] = {}
        for row in rows:
            if row.ok and row.number not in found:
                key = self.key_values(row)
                if key is None:
                    continue
                keyed.setdefault(key, []).append(row)
        if keyed:
            qs = self.base_queryset(ctx)
            attnames = [self.model._meta.get_field(name).attname for name in self.key]
            qs = _matching(qs, attnames, list(keyed))
            for obj in qs:
                key = tuple(getattr(obj, a) for a in attnames)
                for row in keyed.get(key, ()):
                    found[row.number] = obj
        return found

    def check_duplicates(self, rows: list[Row], found: dict[int, models.Model], ctx: Context) -> None:
        first_of: dict[Any, int] = {}
        for row in rows:
            if not row.ok:
                continue
            obj = found.get(row.number)
            mark = ("pk", obj.pk) if obj is not None else ("key", self.key_values(row))
            if mark[1] is None:
                continue
            if mark in first_of:
                row.error("", _("Duplicate of row %(row)s (the same record twice in one file).") % {"row": first_of[mark]})
            elif obj is not None and ctx.touched.seen(self.kind, obj.pk):
                row.error("", _("Duplicate: an earlier row of this file already matched this record."))
            else:
                first_of[mark] = row.number

    # -- building instances ------------------------------------------------------------------
    def row_fields(self, row: Row) -> dict[str, Any]:
        """Model field -> value for the columns this file has (plus resolved references)."""
        data = {name: row.values[name] for name in self.fields if name in row.present}
        data.update(row.data)
        return data

    def assign(self, instance, name: str, value) -> None:
        field = self.model._meta.get_field(name)
        # 88.5 is stored as 88.50: say so now, so the change log shows what the database holds
        # (more places than the field has are left for the model to refuse)
        if (isinstance(value, Decimal) and isinstance(field, models.DecimalField)
                and -value.as_tuple().exponent <= field.decimal_places):
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        setattr(instance, name, value)

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        fast = self.field_checks(ctx) if self.is_fast() else None
        self.resolve_refs(rows, ctx)
        found = self.find_existing(rows, ctx)
        self.check_duplicates(rows, found, ctx)
        for row in rows:
            if not row.ok:
                continue
            data = self.row_fields(row)
            existing = found.get(row.number)
            if existing is None:
                missing = [r for r in self.refs if r.required and r.field not in data]
                if missing:
                    row.error(self.header_of(missing[0].columns[-1]), _("This value is required for a new record."))
                    continue
                row.action, row.changes = CREATE, data
                if fast is not None:
                    row.extra["new"] = fast.new(data)
                elif self.bulk:
                    instance = self.model()
                    for name, value in data.items():
                        self.assign(instance, name, value)
                    row.instance = instance
            else:
                changes = {k: v for k, v in data.items() if not _same(getattr(existing, k), v)}
                row.instance, row.changes = existing, changes
                row.action = UPDATE if changes else UNCHANGED
                if self.bulk and changes:
                    row.before = snapshot(existing)
                    for name, value in changes.items():
                        self.assign(existing, name, value)
            if fast is not None and row.action == CREATE:
                errors = fast.check(row.extra["new"].values)
                if errors:
                    self.add_validation_errors(row, ValidationError(errors))
            elif self.bulk and row.action in (CREATE, UPDATE):
                self.validate(row)
        if self.bulk:
            self.check_unique([r for r in rows if r.ok and r.action in (CREATE, UPDATE)])

    def field_checks(self, ctx: Context) -> FieldChecks:
        checks = ctx.memo.get("field_checks")
        if checks is None:
            checks = ctx.memo["field_checks"] = FieldChecks(self)
        return checks

    def validate(self, row: Row) -> None:
        """The model's own field and record rules; foreign keys were resolved in scope already."""
        instance = row.instance
        try:
            instance.clean_fields(exclude=self.fk_names)
            instance.clean()
        except ValidationError as exc:
            self.add_validation_errors(row, exc)
        row.flagged = any(getattr(instance, f.attname) is True for f in self.model._meta.concrete_fields
                          if f.name.endswith("_flagged"))

    def check_unique(self, rows: list[Row]) -> None:
        """Every unique constraint of the model, for the whole batch: within the batch, and against
        the database with one query per constraint (the model's own error message)."""
        if not rows:
            return
        checks = [fields for _m, fields in self._blank._get_unique_checks(include_meta_constraints=True)[0]
                  if fields != ("id",)]
        checks += [c.fields for c in self.model._meta.constraints
                   if isinstance(c, models.UniqueConstraint) and c.condition is not None and c.fields]
        for fields in checks:
            attnames = [self.model._meta.get_field(f).attname for f in fields]
            seen: dict[tuple, Row] = {}
            mine: dict[tuple, list[Row]] = {}
            for row in rows:
                values = tuple(_attr(row, a) for a in attnames)
                if any(v in (None, "") for v in values):
                    continue
                if values in seen:
                    row.error(self.header_for_field(fields[-1]), _("The same value as row %(row)s.") % {
                        "row": seen[values].number})
                    continue
                seen[values] = row
                mine.setdefault(values, []).append(row)
            if not mine:
                continue
            qs = _matching(self.model._default_manager.all(), attnames, list(mine))
            for pk, *values in qs.values_list("pk", *attnames):
                for row in mine.get(tuple(values), ()):
                    if _attr(row, "pk") != pk and row.ok:
                        message = self._blank.unique_error_message(self.model, fields)
                        row.error(self.header_for_field(fields[-1]), " ".join(message.messages))

    # -- writing -----------------------------------------------------------------------------
    def write(self, rows: list[Row], ctx: Context) -> None:
        if self.bulk:
            self.write_bulk(rows, ctx)
        else:
            for row in rows:
                if row.ok and row.action in (CREATE, UPDATE):
                    self.write_one(row, ctx)
        for row in rows:
            pk = _attr(row, "pk") if row.ok else None
            if pk is not None:
                ctx.touched.mark(self.kind, pk)

    def write_bulk(self, rows: list[Row], ctx: Context) -> None:
        from .services import RowsRefused, records_bulk_write

        todo = [r for r in rows if r.ok and r.action in (CREATE, UPDATE)]
        while todo:
            try:
                records_bulk_write(
                    actor=ctx.actor, model=self.model,
                    creates=[r.extra.get("new", r.instance) for r in todo if r.action == CREATE],
                    updates=[(r.instance, r.before, list(r.changes)) for r in todo if r.action == UPDATE],
                )
            except RowsRefused as refused:
                ordered = [r for r in todo if r.action == CREATE] + [r for r in todo if r.action == UPDATE]
                for i in refused.indexes:
                    ordered[i].error("", _("You may not change this record."))
                for r in todo:
                    if r.action == CREATE:
                        _unsaved(r)  # rolled back: to be inserted again
                todo = [r for r in todo if r.ok]
                continue
            except (IntegrityError, DatabaseError):
                for r in todo:
                    if r.action == CREATE:
                        _unsaved(r)
                if len(todo) == 1:
                    todo[0].error("", _("The database refused this row (a duplicate or a broken reference)."))
                    return
                # find the row(s) the database refuses, one by one
                for r in todo:
                    self.write_bulk([r], ctx)
                return
            return

    def service_data(self, row: Row) -> dict[str, Any]:
        return dict(row.changes)

    def create(self, actor, data: dict[str, Any]):
        """The owning app's service that creates one record: each app's spec class names its own
        (the import machinery is infrastructure and knows no domain's services)."""
        raise NotImplementedError(f"{type(self).__name__} names no create service")

    def update(self, actor, instance, changes: dict[str, Any]):
        """The owning app's service that changes one record (as ``create``)."""
        raise NotImplementedError(f"{type(self).__name__} names no update service")

    def write_one(self, row: Row, ctx: Context) -> None:
        try:
            with transaction.atomic():
                if row.action == CREATE:
                    row.instance = self.create(ctx.actor, self.service_data(row))
                else:
                    row.instance = self.update(ctx.actor, row.instance, self.service_data(row))
        except ValidationError as exc:
            self.add_validation_errors(row, exc)
        except PermissionDenied as exc:
            row.error("", str(exc) or _("You may not change this record."))
        except IntegrityError:
            row.error("", _("The database refused this row (a duplicate or a broken reference)."))
        else:
            row.flagged = any(getattr(row.instance, f.attname) is True for f in self.model._meta.concrete_fields
                              if f.name.endswith("_flagged"))


def _matching(qs, attnames: list[str], keys: list[tuple]):
    """``qs`` narrowed to the records whose ``attnames`` may equal one of ``keys`` (the caller
    compares each record's values with its keys, as before). On PostgreSQL the keys are matched as
    tuples, set-wise: one statement with the keys as arrays (``unnest``), one index probe per key
    (``services.binary_cursor`` says why it is written so), gives the ids, so a batch's rows find
    their records by index whatever the other rows hold; elsewhere (or for a
    column type not listed here) each column is filtered by its set of values (``IN``), which may
    match more records than needed but never fewer."""
    model = qs.model
    if len(attnames) > 1 and connection.vendor == "postgresql":
        types = [_array_type(model._meta.get_field(a)) for a in attnames]
        if None not in types:
            q = connection.ops.quote_name
            on = " AND ".join(f"{q(model._meta.get_field(a).column)} = k.c{i}" for i, a in enumerate(attnames))
            arrays = ", ".join(f"%b::{t}[]" for t in types)
            names = ", ".join(f"c{i}" for i in range(len(attnames)))
            # only the model's own (quoted) table and column names are put into the text
            sql = (f"SELECT t.pk FROM unnest({arrays}) AS k({names}) CROSS JOIN LATERAL "  # noqa: S608
                   f"(SELECT {q(model._meta.pk.column)} AS pk FROM {q(model._meta.db_table)} WHERE {on} OFFSET 0) t")
            from .services import binary_cursor

            try:  # the values as the columns compare them; else (say, a text for a number) the IN filters
                arrays_of = [[(str if t == "text" else int)(k[i]) for k in keys] for i, t in enumerate(types)]
            except (TypeError, ValueError):
                arrays_of = None
            if arrays_of is not None:
                with binary_cursor() as cursor:
                    cursor.execute(sql, arrays_of, prepare=False)
                    return qs.filter(pk__in=[pk for (pk,) in cursor.fetchall()])
    for i, a in enumerate(attnames):
        qs = qs.filter(**{f"{a}__in": {k[i] for k in keys}})
    return qs


def _array_type(field) -> str | None:
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    if isinstance(field, models.IntegerField | models.AutoField):
        return "bigint"
    return None


def _attr(row: Row, attname: str) -> Any:
    """A field of the row's record: the new record's values (fast path) or its instance."""
    new = row.extra.get("new")
    if new is not None:
        return new.values["id" if attname == "pk" else attname]
    return getattr(row.instance, attname) if row.instance is not None else None


def _unsaved(row: Row) -> None:
    new = row.extra.get("new")
    if new is not None:
        new.values["id"] = None
    else:
        row.instance.pk = None
        row.instance._state.adding = True


def fast_capable(model: type[models.Model]) -> bool:
    """Whether ``FieldChecks`` is the whole of what ``clean_fields()`` + ``clean()`` check for this
    model: no ``clean()`` of its own (record rules need the record), no ``*_flagged`` fields (set by
    such rules), no many-to-many fields, and only the timestamps fill themselves in on save."""
    meta = model._meta
    if model.clean is not models.Model.clean or meta.many_to_many:
        return False
    for f in meta.concrete_fields:
        if f.name.endswith("_flagged") or f.generated:
            return False
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        if auto and not isinstance(f, models.DateTimeField):
            return False
        if type(f).pre_save is not models.Field.pre_save and not isinstance(f, models.DateField):
            return False
    return True


class NewRecord:
    """A record the fast path will insert: its column values by attname (``id`` once written) and
    the related records resolved for it (what ``str()`` of the record reads)."""

    __slots__ = ("values", "related")

    def __init__(self, values: dict[str, Any], related: dict[str, Any]):
        self.values, self.related = values, related

    def instance(self, model: type[models.Model]) -> models.Model:
        """A model instance over these values without running ``Model.__init__`` (for ``str()``
        and the scope rules, which read attributes only)."""
        from django.db.models.base import ModelState

        obj = model.__new__(model)
        obj.__dict__.update(self.values)
        state = obj._state = ModelState()
        state.adding, state.db = self.values.get("id") is None, connection.alias
        state.fields_cache = dict(self.related)
        return obj


class FieldChecks:
    """The model's own ``clean_fields()``, checked once per distinct value of each field.

    For every field ``clean_fields()`` would check, the same skip (a blank field's empty value)
    and the same call (``field.clean``: ``to_python``, ``validate``, the field's validators): the
    rules stay in the model, only their answers are remembered. A field's clean is a function of
    the value alone for the fields this is used on (foreign keys are resolved in scope and
    excluded, as the instance path excludes them), so a column of a million areas with 8,000
    distinct values costs 8,000 checks. The messages are remembered in the job's language (one
    ``FieldChecks`` per job). ``tests/imports/test_fast_path.py`` checks on generated rows that
    the answers equal ``instance.clean_fields()`` + ``clean()``.
    """

    LIMIT = 50_000  # remembered answers before the memory is emptied (memory flat in file size)

    def __init__(self, spec: RecordSpec):
        model = spec.model
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if f.name not in spec.fk_names]
        self.by_name = {f.name: f for f in meta.concrete_fields}
        self.instance = model()
        self.defaults = {f.attname: f.get_default() for f in meta.concrete_fields
                         if not (f.has_default() and callable(f.default))}
        self.callable_defaults = [f for f in meta.concrete_fields if f.has_default() and callable(f.default)]
        self.memo: dict[tuple, tuple[bool, Any]] = {}

    def new(self, data: dict[str, Any]) -> NewRecord:
        """The values ``model()`` + ``RecordSpec.assign`` would give an instance."""
        values = dict(self.defaults)
        for f in self.callable_defaults:
            values[f.attname] = f.get_default()
        related = {}
        for name, value in data.items():
            f = self.by_name[name]
            if f.is_relation:
                values[f.attname] = value.pk if value is not None else None
                related[name] = value
            else:
                if (isinstance(value, Decimal) and isinstance(f, models.DecimalField)
                        and -value.as_tuple().exponent <= f.decimal_places):
                    value = value.quantize(Decimal(1).scaleb(-f.decimal_places))
                values[f.attname] = value
        return NewRecord(values, related)

    def check(self, values: dict[str, Any]) -> dict[str, list[str]] | None:
        """``clean_fields()`` on ``values`` (cleaned values written back, as it does): the
        errors by field name, as ``ValidationError.message_dict`` gives them, or None."""
        errors = None
        memo = self.memo
        for f in self.fields:
            raw = values[f.attname]
            if f.blank and raw in f.empty_values:
                continue
            key = (f.attname, raw.__class__, str(raw) if raw.__class__ is Decimal else raw)
            hit = memo.get(key)
            if hit is None:
                if len(memo) >= self.LIMIT:
                    memo.clear()
                try:
                    hit = (True, f.clean(raw, self.instance))
                except ValidationError as exc:
                    hit = (False, ValidationError(exc.error_list).messages)
                memo[key] = hit
            if hit[0]:
                values[f.attname] = hit[1]
            else:
                if errors is None:
                    errors = {}
                errors[f.name] = hit[1]
        return errors


# A text a spreadsheet program would run as a formula: kept as text (every file the platform writes
# writes it as text, see core.exports), and the importer is told.
N_FORMULA_TEXT = gettext_lazy("text that a spreadsheet would read as a formula: kept as text, check it")


def parse_row(spec: ImportSpec, number: int, raw: list[Any], columns: list[Column | None],
              note: Callable[[Column, str, Row, Any, Any], None], memo: dict | None = None) -> Row:
    """One row's cells parsed by their columns. With ``memo`` (one dict per job: the messages are
    in the job's language) each column's parser runs once per distinct cell value — the parsers
    are functions of the cell alone — and its answer is reused; without, every cell is parsed."""
    row = Row(number, raw)
    for index, col in enumerate(columns):
        if col is None:
            continue
        row.present.add(col.name)
        value = raw[index] if index < len(raw) else None
        if isinstance(value, str) and value.startswith("'") and looks_like_formula(value[1:]):
            value = value[1:]  # the ' our own CSV exports put before such a text (core.exports.csv_cell)
        if memo is None:
            hit = _parse_cell(col, value)
        else:
            cache = memo.get(index)
            if cache is None or len(cache) >= PARSE_MEMO_LIMIT:
                cache = memo[index] = {}
            key = (value.__class__, value)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = _parse_cell(col, value)
        kind, parsed, normalised, formula = hit
        if kind is _EMPTY:
            row.values[col.name] = parsed
            continue
        if kind is _FAILED:
            row.error(col.header, parsed)
            continue
        row.values[col.name] = parsed
        if normalised:
            note(col, normalised, row, value, parsed)
        if formula:
            note(col, str(N_FORMULA_TEXT), row, value, parsed)
    return row


def parse_rows(spec: ImportSpec, batch: list[tuple[int, list[Any]]], columns: list[Column | None],
               note: Callable[[Column, str, Row, Any, Any], None], memo: dict) -> list[Row]:
    """``parse_row`` with the job's memo for a batch of (number, cells): the same rows, errors
    and notes in the same order, with what is the same for every row (the columns present, each
    column's memory) looked up once per batch."""
    present = frozenset(col.name for col in columns if col is not None)
    plan = []
    for index, col in enumerate(columns):
        if col is None:
            continue
        cache = memo.get(index)
        if cache is None or len(cache) >= PARSE_MEMO_LIMIT:
            cache = memo[index] = {}
        plan.append((index, col, col.name, cache))
    rows = []
    for number, raw in batch:
        row = Row(number, raw)
        row.present = present
        values = row.values
        width = len(raw)
        for index, col, name, cache in plan:
            value = raw[index] if index < width else None
            if isinstance(value, str) and value.startswith("'") and looks_like_formula(value[1:]):
                value = value[1:]  # the ' our own CSV exports put before such a text (core.exports.csv_cell)
            key = (value.__class__, value)
            hit = cache.get(key)
            if hit is None:
                if len(cache) >= PARSE_MEMO_LIMIT:
                    cache.clear()
                hit = cache[key] = _parse_cell(col, value)
            kind, parsed, normalised, formula = hit
            if kind is _FAILED:
                row.error(col.header, parsed)
                continue
            values[name] = parsed
            if kind is _EMPTY:
                continue
            if normalised:
                note(col, normalised, row, value, parsed)
            if formula:
                note(col, str(N_FORMULA_TEXT), row, value, parsed)
        rows.append(row)
    return rows


PARSE_MEMO_LIMIT = 20_000  # remembered cells per column before that memory is emptied
_EMPTY, _FAILED, _PARSED = object(), object(), object()


def _parse_cell(col: Column, value: Any) -> tuple[object, Any, str | None, bool]:
    """(what happened, the value or the error message, the normalisation made, formula-like)."""
    if cells.is_empty(value):
        return _EMPTY, ("" if col.parse in (cells.text, cells.code) else None), None, False
    try:
        parsed, normalised = col.parse(value)
    except cells.CellError as exc:
        return _FAILED, str(exc), None, False
    if col.name == "id" and parsed is not None:
        parsed = int(parsed)
    return _PARSED, parsed, normalised, bool(looks_like_formula(parsed))


def chunks(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
