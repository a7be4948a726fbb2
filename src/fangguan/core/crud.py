"""The generic API of a module's resources: list, export, detail, create, change and delete for
every ``Resource`` of a table, added to the module's router by one call (``add_crud_routes``).

Handlers are thin: scope comes from ``Resource.queryset`` (``visible_to``); ids sent in a body are
resolved through the referenced model's scope, so "not yours" and "does not exist" answer alike
there too; writes go to the module's services (``Writes``), which ask the model's rule for the
action and log the change. Lists answer ``{"count", "items"}`` with ``limit``/``offset``,
``ordering`` among the resource's keys and the resource's filters.

(No ``from __future__ import annotations`` here: ninja reads the handlers' annotations.)
"""


from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from .api import MAX_ID, get_or_404, paginate
from .exports import CONTENT_TYPES
from .resources import Resource, patch_schema


def resolve_references(resource: Resource, user, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids in a payload into records the user can see; unknown or hidden ids are errors."""
    resolved = dict(data)
    for name, model in resource.references.items():
        if name not in resolved:
            continue
        value = resolved[name]
        if value is None:
            resolved[name] = None
            continue
        obj = model.objects.visible_to(user).filter(pk=value).first() if 0 < value <= MAX_ID else None
        if obj is None:
            raise ValidationError({name: [_("No such record: %(id)s.") % {"id": value}]})
        resolved[name] = obj
    return resolved


@dataclass(frozen=True)
class Writes:
    """The module's services behind the generic routes: ``create(actor, resource, data)``,
    ``update(actor, resource, instance, changes)``, ``delete(actor, resource, instance)``, and how a
    payload's ids become records (``resolve(resource, user, data)``)."""

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., None]
    resolve: Callable[[Resource, Any, dict], dict] = resolve_references


class ExportQueued(Schema):
    """The answer to an export too big to write within the request (202): the background job,
    its URL to poll (``GET /api/v1/exports/{id}``) and the page listing the user's exports."""

    id: int
    status: str
    rows_total: int
    url: str
    page: str


def add_crud_routes(router: Router, resources: Iterable[Resource], writes: Writes,
                    export: Callable[..., Any] | None = None) -> None:
    """Add the operations of each resource to ``router``; ``export(user, resource, qs, fmt,
    filters, ordering=…)`` adds ``/<name>/export`` (CSV or .xlsx; or 202 and an ``ExportQueued``
    for a list too big to write at once)."""
    for resource in resources:
        _add(router, resource, writes, export)


def _add(router: Router, resource: Resource, writes: Writes, export) -> None:
    name, out = resource.name, resource.out
    filters_cls = resource.filters
    op = name.replace("-", "_")
    Ordering = Literal[resource.ordering_values]  # an enum in the OpenAPI document  # noqa: N806
    list_schema = type(f"{out.__name__}List", (Schema,), {"__annotations__": {"count": int, "items": list[out]}})

    @router.get(f"/{name}", response=list_schema, operation_id=f"list_{op}", summary=f"List {name}")
    def list_view(request, filters: Query[filters_cls], limit: int | None = None, offset: int | None = None,
                  ordering: Ordering | None = None):
        qs = resource.order(filters.filter(resource.queryset(request.user)), ordering)
        if resource.rows is not None and settings.FANGGUAN_FAST_LISTS:
            return resource.rows.page(qs, limit, offset)  # JSON bytes from values(): same rows, same queries
        count, items = paginate(qs, limit, offset)
        return {"count": count, "items": items}

    if export is not None:

        @router.get(f"/{name}/export", operation_id=f"export_{op}", summary=f"Export {name} as CSV or .xlsx",
                    response={200: None, 202: ExportQueued},
                    openapi_extra={"responses": {200: {"description": "CSV (UTF-8 with BOM) or .xlsx file",
                                                         "content": {c: {} for c in CONTENT_TYPES.values()}}}})
        def export_view(request, filters: Query[filters_cls], format: Literal["csv", "xlsx"] = "csv",
                        ordering: Ordering | None = None):
            """The rows as a file; more rows than FANGGUAN_EXPORT_BACKGROUND_ROWS: 202 and a
            background job instead (its file is downloaded from ``GET /api/v1/exports/{id}/file``)."""
            qs = resource.order(filters.filter(resource.queryset(request.user)), ordering)
            return export(request.user, resource, qs, format, filters.dict(), ordering=ordering)

    @router.get(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"get_{op}", summary=f"One of {name}")
    def detail_view(request, obj_id: int):
        return get_or_404(resource.queryset(request.user), obj_id)

    if resource.create_in is not None:
        _add_writes(router, resource, writes)
    if resource.deletable:
        _add_delete(router, resource, writes)


def _add_writes(router: Router, resource: Resource, writes: Writes) -> None:
    name, out, op = resource.name, resource.out, resource.name.replace("-", "_")
    create_in = resource.create_in
    patch_in = patch_schema(create_in, drop=resource.patch_drop)

    @router.post(f"/{name}", response={201: out}, operation_id=f"create_{op}", summary=f"Create one of {name}")
    def create_view(request, payload: create_in):
        data = writes.resolve(resource, request.user, payload.dict())
        obj = writes.create(request.user, resource, data)
        return 201, resource.queryset(request.user).get(pk=obj.pk)

    @router.patch(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"update_{op}", summary=f"Change one of {name}")
    def update_view(request, obj_id: int, payload: patch_in):
        obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
        changes = writes.resolve(resource, request.user, payload.dict(exclude_unset=True))
        writes.update(request.user, resource, obj, changes)
        return resource.queryset(request.user).get(pk=obj.pk)


def _add_delete(router: Router, resource: Resource, writes: Writes) -> None:
    name, op = resource.name, resource.name.replace("-", "_")

    @router.delete(f"/{name}/{{int:obj_id}}", response={204: None}, operation_id=f"delete_{op}",
                   summary=f"Delete one of {name}")
    def delete_view(request, obj_id: int):
        obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
        writes.delete(request.user, resource, obj)
        return 204, None
