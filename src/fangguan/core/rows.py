"""List pages answered straight from ``values()`` rows into JSON bytes (orjson): no model instance,
no pydantic object per row.

A resource may declare its list rows (``Resource.rows``) as columns, one per field of its ``*Out``
schema, in the schema's order: where each comes from in ``values()`` and how it is shaped
(``plain``, ``number``, ``ref``, ``label``, ``text``). The generic list (``core.crud``) then reads
``qs.values(*paths)`` — the same scoped, filtered, ordered queryset, so the same rows, the same
queries — and serialises the page with orjson. The schema stays what the OpenAPI document says
(the route still declares it); a test compares every declared resource's fast page with the
schema's own serialisation of the same records (tests/api/test_fast_lists.py), so the two cannot
drift apart. ``FANGGUAN_FAST_LISTS=0`` answers through the schema instead (the benches compare).

Why: at 8 clients the list endpoints were CPU-bound in Python — building model instances, then
ninja/pydantic validating and serialising each row and each nested reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.http import HttpResponse

Getter = Callable[[dict], Any]

CONTENT_TYPE = "application/json; charset=utf-8"  # what ninja answers


@dataclass(frozen=True)
class Column:
    """One output field: the ``values()`` paths it reads and, per request, its getter."""

    name: str
    paths: tuple[str, ...]
    prepare: Callable[[], Getter]  # called once per request (e.g. labels in the active language)


def plain(name: str, path: str | None = None) -> Column:
    key = path or name
    return Column(name, (key,), lambda: lambda row: row[key])


def _float(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def number(name: str, path: str | None = None) -> Column:
    """A decimal as the API's ``Number`` shows it: a float, or null."""
    key = path or name
    return Column(name, (key,), lambda: lambda row: _float(row[key]))


def text(name: str, *paths: str, sep: str = " ") -> Column:
    """A name made of several columns joined (e.g. a home: estate, building number, room)."""
    return Column(name, paths, lambda: lambda row: sep.join(str(row[p]) for p in paths))


def ref(name: str, id_path: str, *name_paths: str, sep: str = " ") -> Column:
    """A related record as ``{"id", "name"}`` (``core.api.Ref``), null when the id is null; the
    name is the referenced model's ``str()`` made of ``name_paths`` joined by ``sep``."""
    if len(name_paths) == 1:
        (one,) = name_paths

        def getter(row):
            pk = row[id_path]
            return None if pk is None else {"id": pk, "name": row[one]}
    else:

        def getter(row):
            pk = row[id_path]
            return None if pk is None else {"id": pk, "name": sep.join(str(row[p]) for p in name_paths)}

    return Column(name, (id_path, *name_paths), lambda: getter)


def label(name: str, path: str, choices: Iterable[tuple[Any, Any]]) -> Column:
    """A choice's label in the request's language (``get_FOO_display``)."""
    choices = tuple(choices)

    def prepare():
        labels = {value: str(text) for value, text in choices}
        return lambda row: labels.get(row[path], str(row[path]))

    return Column(name, (path,), prepare)


@dataclass(frozen=True)
class Rows:
    """A resource's list rows declared as columns (in the ``*Out`` schema's field order)."""

    columns: tuple[Column, ...]

    def __init__(self, *columns: Column):
        object.__setattr__(self, "columns", tuple(columns))

    @property
    def paths(self) -> list[str]:
        seen: dict[str, None] = {}
        for column in self.columns:
            for path in column.paths:
                seen.setdefault(path, None)
        return list(seen)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def items(self, rows: Iterable[dict]) -> list[dict]:
        getters = [(c.name, c.prepare()) for c in self.columns]
        return [{name: get(row) for name, get in getters} for row in rows]

    def page(self, qs, limit: int | None, offset: int | None) -> HttpResponse:
        """``{"count", "items"}`` of the page as JSON bytes — the same queries as ``paginate``."""
        from .api import paginate

        count, rows = paginate(qs.values(*self.paths), limit, offset)
        return json_response({"count": count, "items": self.items(rows)})


def json_response(data: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type=CONTENT_TYPE)


def schema_fields(schema) -> Sequence[str]:
    return list(schema.model_fields)
