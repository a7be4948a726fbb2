"""Exports of registry lists: exactly the rows the user may see, with the filters of the list,
and a security-log entry for every export (who, what, how many rows, masked or not).

Lists that are also an import kind (``registry/imports.py``) are written in that kind's columns —
Chinese headings, the system ``id``, choice labels, related records by their natural keys — so
an export, edited in Excel, is a valid import file (a masked cell there means "unchanged").
Personal data is masked unless the user holds the reveal permission.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.accounts.roles import may_reveal
from fangguan.core.audit import log_security
from fangguan.core.exports import file_response
from fangguan.core.models import SecurityAction
from fangguan.core.resources import Resource


def _header(resource: Resource, name: str) -> str:
    if name == "id":
        return "id"  # the system id: an exported row can be matched back to its record
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


def export_resource(user, resource: Resource, qs, fmt: str, filters: dict):
    spec = import_spec_of(resource)
    reveal = spec is not None and any(c.personal for c in spec.columns) and may_reveal(user)
    rows_total = spec.export_count(qs, user) if spec is not None else qs.count()
    log_security(actor=user, action=SecurityAction.EXPORT, object_type=resource.object_type,
                 detail={"resource": resource.name, "format": fmt, "rows": rows_total, "unmasked": reveal,
                         "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if spec is not None:
        headers = [c.header for c in spec.columns]
        return file_response(fmt, f"{resource.name}-{stamp}", headers, spec.export_rows(qs, user, reveal))

    fields = list(resource.out.model_fields)

    def rows():
        for obj in qs.iterator(chunk_size=2000):
            data = resource.out.from_orm(obj).model_dump()
            yield [data[f] for f in fields]

    return file_response(fmt, f"{resource.name}-{stamp}", [_header(resource, f) for f in fields], rows())
