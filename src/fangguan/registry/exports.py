"""Exports of registry lists: exactly the rows the user may see, with the filters of the list,
and a security-log entry for every export (who, what, how many rows, masked or not).

Lists that are also an import kind (``registry/imports.py``) are written in that kind's columns —
Chinese headings, the system ``id``, choice labels, related records by their natural keys — so
an export, edited in Excel, is a valid import file (a masked cell there means "unchanged").
Personal data is masked in every export, for everyone; ``export_clear`` is the one way to a file
with identity numbers and phones in clear (a POST with the permission, reason, purpose, a row
limit, the second factor where required; logged naming every person; watermarked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja import Status

from fangguan.accounts.roles import may_reveal
from fangguan.core.audit import log_security
from fangguan.core.context import audit_context, current
from fangguan.core.exports import (
    CONTENT_TYPES,
    SYSTEM_ID,
    csv_lines,
    file_response,
    workbook_response,
    xlsx_book,
)
from fangguan.core.models import Outcome, SecurityAction
from fangguan.core.resources import Resource
from fangguan.core.text import has_control_characters


def _header(resource: Resource, name: str) -> str:
    if name == "id":
        return SYSTEM_ID  # the system id: an exported row can be matched back to its record
    try:
        return str(resource.model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        labels = {"id_number": _("identity number"), "phone": _("phone"), "name": _("name"),
                  "town": _("town"), "estate": _("estate"), "buildings_count": _("buildings"),
                  "homes_count": _("homes"), "estate_type_label": _("type (label)")}
        return str(labels.get(name, name))


def import_spec_of(resource: Resource):
    """The import kind whose file format this list is exported in, if any."""
    try:
        from fangguan.imports.specs import get_spec
    except ImportError:  # pragma: no cover - the imports app is not installed
        return None
    try:
        return get_spec(resource.name)
    except KeyError:
        return None


def personal_resource(resource: Resource) -> bool:
    """Whether the list's file holds personal data (identity numbers, phones) that exports mask."""
    spec = import_spec_of(resource)
    return spec is not None and any(c.personal for c in spec.columns)


def _logged(rows: Iterable[list[Any]], on_end: Callable[[int, bool], None]) -> Iterator[list[Any]]:
    """The rows, counted; ``on_end(rows written, finished)`` once the last one is out — or the file
    broke off (client gone, worker stopped, error) — so the log states what really left."""
    written, finished = 0, False
    try:
        for row in rows:
            yield row
            written += 1
        finished = True
    finally:
        on_end(written, finished)


def _outcome_logger(user, resource: Resource, fmt: str, filters: dict, detail: dict):
    ctx = current()  # a streamed file ends after the request's context is gone: keep its ids

    def on_end(written: int, finished: bool) -> None:
        with audit_context(request_id=ctx.request_id, source_ip=ctx.source_ip, cause=ctx.cause):
            log_security(actor=user, action=SecurityAction.EXPORT, object_type=resource.object_type,
                         outcome=Outcome.SUCCESS if finished else Outcome.FAILURE,
                         detail={"resource": resource.name, "format": fmt, "rows": written, **detail,
                                 "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}})

    return on_end


def export_table(user, resource: Resource, qs, *, unmasked: bool = False) -> tuple[list[str], Iterator[list[Any]]]:
    """The list's header and rows — the one description of a list's file, for an immediate export,
    a background one and the clear one alike. The rows are read with ``.iterator()`` in chunks,
    so a file of any size is written with flat memory."""
    spec = import_spec_of(resource)
    if spec is not None:
        return [c.header for c in spec.columns], spec.export_rows(qs, user, unmasked)

    fields = list(resource.out.model_fields)

    def rows():
        for obj in qs.iterator(chunk_size=2000):
            data = resource.out.from_orm(obj).model_dump()
            yield [data[f] for f in fields]

    return [_header(resource, f) for f in fields], rows()


def export_count(user, resource: Resource, qs) -> int:
    """The rows the list's file will have (a person with two homes is two rows)."""
    spec = import_spec_of(resource)
    return spec.export_count(qs, user) if spec is not None else qs.count()


def export_resource(user, resource: Resource, qs, fmt: str, filters: dict, *, ordering: str | None = None):
    """The list as a file, personal data masked — for everyone: a clear export is its own act
    (``export_clear``). The export is logged when the file has really been written out. A list of
    more rows than ``FANGGUAN_EXPORT_BACKGROUND_ROWS`` is not written within the request (it
    would time the worker out): it becomes a background job and the answer is 202 with the job."""
    from fangguan.exports.models import background_threshold

    total = export_count(user, resource, qs)
    if total > background_threshold():
        return Status(202, queued(_start(user, resource, filters, ordering, fmt, total)))
    headers, rows = export_table(user, resource, qs)
    on_end = _outcome_logger(user, resource, fmt, filters, {"unmasked": False})
    return file_response(fmt, _file_name(resource), headers, _logged(rows, on_end), sheet=sheet_name(resource))


def _file_name(resource: Resource) -> str:
    return f"{resource.name}-{timezone.localtime().strftime('%Y%m%d-%H%M')}"


def sheet_name(resource: Resource) -> str:
    """The sheet's title: the list's name as its page says it (小区), not the URL's (estates)."""
    return capfirst(str(resource.model._meta.verbose_name_plural))


# --- Background exports (fangguan/exports) ----------------------------------------------------


def _start(user, resource: Resource, filters: dict, ordering: str | None, fmt: str, total: int):
    from fangguan.exports.services import export_job_start

    return export_job_start(owner=user, source=resource.name, filters=filters, ordering=ordering, fmt=fmt,
                            rows_total=total)


def queued(job) -> dict:
    """The 202 answer for a job (``core.crud.ExportQueued``)."""
    from django.urls import reverse

    return {"id": job.pk, "status": job.status, "rows_total": job.rows_total,
            "url": reverse("api:get_export", kwargs={"job_id": job.pk}), "page": reverse("exports:list")}


def _query(user, resource: Resource, params: dict, ordering: str | None):
    """The list as ``user`` sees it with these filters — the same reading as the list's API."""
    try:
        filters = resource.filters(**{k: v for k, v in params.items() if v not in (None, "")})
    except pydantic.ValidationError:
        raise ValidationError(_("The filter values are not valid.")) from None
    return filters, resource.order(filters.filter(resource.queryset(user)), ordering or None)


def _source(resource: Resource):
    from fangguan.exports.sources import Source, Table

    def table(job) -> Table:
        if job.unmasked:
            # personal data in clear leaves only through export_clear's checks, never a job's
            raise ValidationError(_("A background export is always masked; export personal data in clear "
                                    "with its own form."))
        filters, qs = _query(job.owner, resource, job.filters, job.ordering)
        headers, rows = export_table(job.owner, resource, qs)
        on_end = _outcome_logger(job.owner, resource, job.format, filters.dict(),
                                 {"unmasked": False, "job": job.pk})
        return Table(headers=headers, rows=_logged(rows, on_end), total=job.rows_total, name=_file_name(resource),
                     sheet=sheet_name(resource))

    def start(user, params: dict, fmt: str):
        params = dict(params)
        ordering = params.pop("ordering", "") or None
        filters, qs = _query(user, resource, params, ordering)
        return _start(user, resource, filters.dict(), ordering, fmt, export_count(user, resource, qs))

    return Source(name=resource.name, label=resource.model._meta.verbose_name_plural, table=table, start=start)


def register_sources() -> None:
    from fangguan.exports.sources import register

    from .resources import RESOURCES

    for resource in RESOURCES.values():
        register(_source(resource))


def clear_export_limit() -> int:
    return int(getattr(settings, "FANGGUAN_CLEAR_EXPORT_MAX_ROWS", 2000))


# The lists whose clear export is offered (API ``POST /api/v1/<name>/export/clear`` and the page
# ``/r/<name>/export/clear/``): those holding identity numbers and phones.
CLEAR_EXPORTS = ("people", "committees")


def export_clear(user, resource: Resource, qs, fmt: str, filters: dict, *, reason: str, purpose: str,
                 otp: str | None = None):
    """The list with identity numbers and phones in clear: a deliberate act (PIPL Art. 51, 等保
    L3). It needs the reveal permission, a stated reason and purpose, a second factor where the
    role requires one, and at most ``FANGGUAN_CLEAR_EXPORT_MAX_ROWS`` rows; before a byte leaves,
    one security event names every person revealed (so each one's history shows it), and the file
    carries a watermark (who, when, request id). Anything refused is logged too and reveals nothing."""
    from fangguan.accounts import security

    spec = import_spec_of(resource)
    if spec is None or not any(c.personal for c in spec.columns):
        raise ValidationError({"resource": [_("This list holds no masked personal data.")]})
    reason, purpose = (reason or "").strip(), (purpose or "").strip()
    problems = {}
    if len(reason) < 2:
        problems["reason"] = [_("Give the reason for viewing this personal data.")]
    if len(purpose) < 2:
        problems["purpose"] = [_("Give the purpose the exported personal data will be used for.")]
    for field, text in (("reason", reason), ("purpose", purpose)):
        if has_control_characters(text):
            problems[field] = [_("Use plain text only: remove the control characters.")]
    if problems:
        raise ValidationError(problems)
    base = {"resource": resource.name, "format": fmt, "unmasked": True, "reason": reason[:200],
            "purpose": purpose[:200], "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}}

    def refuse(message: str, why: str, exc=PermissionDenied):
        log_security(actor=user, action=SecurityAction.REVEAL, outcome=Outcome.DENIED,
                     object_type=resource.object_type, detail={**base, "refused": why})
        raise exc(message)

    if not may_reveal(user):
        refuse(_("You may not view unmasked personal data."), "permission")
    if security.otp_required(user):
        from django_otp import match_token

        if not otp or match_token(user, otp.strip()) is None:
            refuse(_("A valid one-time code (otp) is required."), "second factor")
    rows_total = spec.export_count(qs, user)
    if rows_total > clear_export_limit():
        refuse(_("%(n)s rows: at most %(max)s rows may be exported in clear at once; narrow the filters.") % {
            "n": rows_total, "max": clear_export_limit()}, "rows", ValidationError)
    people = spec.people_of(qs, user)
    event = log_security(actor=user, action=SecurityAction.REVEAL, object_type=resource.object_type,
                         detail={**base, "rows": rows_total, "people": len(people)}, subjects=("person", people))
    ctx = current()
    stamp = timezone.localtime()
    mark = (_("Personal data in clear, exported by %(user)s at %(at)s, request %(request)s, for: %(purpose)s. "
              "Do not pass on.") % {"user": user.get_username(), "at": stamp.strftime("%Y-%m-%d %H:%M:%S"),
                                    "request": ctx.request_id, "purpose": purpose[:100]})
    on_end = _outcome_logger(user, resource, fmt, filters, {"unmasked": True, "reveal_event": event.pk})
    headers, rows = export_table(user, resource, qs, unmasked=True)
    rows = _logged(rows, on_end)
    name = f"{resource.name}-clear-{stamp.strftime('%Y%m%d-%H%M')}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows, preamble=[mark]), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    book = xlsx_book(name, headers, rows, sheet=sheet_name(resource))
    watermark(book, mark, user=user.get_username())
    return workbook_response(book, name)


def watermark(book, mark: str, *, user: str) -> None:
    """Who exported the file, when and by which request: in the workbook's properties, in every
    printed page's header and on a sheet of its own (after the data: an import reads the first)."""
    from fangguan.core.exports import append_row

    book.properties.creator = user
    book.properties.description = mark
    book.properties.keywords = "watermark"
    for sheet in book.worksheets:
        if hasattr(sheet, "oddHeader"):
            sheet.oddHeader.center.text = mark[:250]
    info = book.create_sheet(_("Export"))
    append_row(info, [mark])


register_sources()  # found by the exports app when the apps are ready (autodiscover "exports")
