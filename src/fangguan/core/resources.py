"""Resources: a module's record types declared once — model, API shapes, filters, how to fetch
them — from which the kit generates the API (``core.crud``) and the web pages (``web``).

A module lists its resources in a table (``<app>/resources.py``) and registers it under a
namespace from its ``AppConfig.ready`` (``register_resources("r", RESOURCES)``): the API gets
list, export, detail, create, change and delete; the web, where the namespace is mounted, a
list with filters and sorting, a detail page with history, forms. Reads go through
``visible_to``; writes through the module's services; who may do what, through its rule.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from ninja import FilterSchema, Schema
from pydantic import create_model

from .audit import object_type_of
from .rows import Rows


def related_count(model: type[models.Model], link: str) -> Coalesce:
    """A correlated COUNT, evaluated only for the rows of the page being returned."""
    sub = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(c=Count("*")).values("c")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class Resource:
    name: str  # URL segment: /api/v1/<name>, /<name>/
    model: type[models.Model]
    out: type[Schema]
    create_in: type[Schema] | None
    filters: type[FilterSchema]
    related: tuple[str, ...] = ()  # select_related for lists and details
    annotate: Callable[[models.QuerySet], models.QuerySet] | None = None
    references: dict[str, type[models.Model]] = field(default_factory=dict)  # input id -> model
    ordering: tuple[str, ...] = ("id",)  # sort keys a client may ask for
    deletable: bool = True
    patch_drop: tuple[str, ...] = ()
    rows: Rows | None = None  # list rows straight from values() (core.rows), where the schema allows

    @property
    def ordering_values(self) -> tuple[str, ...]:
        """Every value ``ordering`` may take: each key, ascending or (``-``) descending."""
        return tuple(v for k in self.ordering for v in (k, f"-{k}"))

    @property
    def object_type(self) -> str:
        return object_type_of(self.model)

    def order(self, qs: models.QuerySet, ordering: str | None) -> models.QuerySet:
        """Sort by an allowed key (``-`` for descending); the id breaks ties so pages are stable."""
        if ordering:
            key = ordering[1:] if ordering.startswith("-") else ordering  # one minus, never "--name"
            if key not in self.ordering:
                raise ValidationError({"ordering": [_("Cannot sort by %(key)s.") % {"key": key}]})
            return qs.order_by(ordering, "-pk" if ordering.startswith("-") else "pk")
        return qs.order_by(*(qs.model._meta.ordering or ["pk"]), "pk")

    def queryset(self, user) -> models.QuerySet:
        qs = self.model.objects.visible_to(user)
        if self.related:
            qs = qs.select_related(*self.related)
        if self.annotate is not None:
            qs = self.annotate(qs)
        return qs


# Namespace ("r" for the registry's pages at /r/<name>/) -> that namespace's resources by name.
_namespaces: dict[str, dict[str, Resource]] = {}


def register_resources(namespace: str, resources: Mapping[str, Resource]) -> None:
    _namespaces.setdefault(namespace, {}).update(resources)


def resources_in(namespace: str) -> dict[str, Resource]:
    return _namespaces.get(namespace, {})


def resource_for_object_type(object_type: str) -> Resource | None:
    """The resource whose records the change log names ``object_type``, in any namespace."""
    for resources in _namespaces.values():
        for resource in resources.values():
            if resource.object_type == object_type:
                return resource
    return None


def patch_schema(schema: type[Schema], *, drop: tuple[str, ...] = ()) -> type[Schema]:
    """The PATCH shape of an input schema: every field optional, only those sent are applied. A
    field takes ``null`` only where the input schema itself allows it (``{"address": null}`` is a
    422, not a database error); the base is the input schema's (``core.api.InSchema``: unknown
    fields refused)."""
    fields = {
        name: (info.annotation, None)
        for name, info in schema.model_fields.items()
        if name not in drop
    }
    base = schema.__mro__[1] if issubclass(schema.__mro__[1], Schema) else Schema
    return create_model(schema.__name__.replace("In", "Patch"), __base__=base, **fields)


# --- List filters, as every list page shows them (the registry's and the modules' own) ----------

PAGE_SIZES = (25, 50, 100)  # rows per page


def filter_type(annotation) -> type:
    """A FilterSchema field's value type: ``int | None`` -> ``int``, ``Id`` (an int with bounds) -> ``int``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if args else str
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def filter_params(cleaned: Mapping[str, object], names: Iterable[str]) -> dict[str, object]:
    """A filter form's valid, non-empty values under ``names`` as the API's parameters (records as ids)."""
    params = {}
    for name in names:
        value = cleaned.get(name)
        if value is None or value == "":
            continue
        params[name] = value.pk if isinstance(value, models.Model) else value
    return params
