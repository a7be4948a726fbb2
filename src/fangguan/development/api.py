"""Development records API (issue #8 contract): ``/api/v1/parcels``, ``/projects``,
``/permits``, ``/affordable``, ``/renovations`` — list (``{count, items}``, ``limit``/``offset``,
``town``, ``from``/``to`` inclusive, permits also ``kind``), detail, create, change, delete.

Thin: scope from ``Resource.queryset`` (``visible_to``), writes from ``services``; ids in a body
are resolved through the referenced model's scope, so "not yours" reads as "no such record".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from fangguan.core.api import MAX_ID, get_or_404, paginate
from fangguan.registry.api import resolve_references
from fangguan.registry.models import Estate
from fangguan.registry.resources import Resource
from fangguan.registry.schemas import patch_schema

from . import services
from .resources import RESOURCES

router = Router(tags=["development"])


def resolve(resource: Resource, user, data: dict) -> dict:
    """The registry's reference resolution, plus the renovations' list of estate ids."""
    resolved = resolve_references(resource, user, data)
    if "estates" in resolved and resolved["estates"] is not None:
        ids = {i for i in resolved["estates"] if 0 < i <= MAX_ID}
        found = list(Estate.objects.visible_to(user).filter(pk__in=ids))
        if len(found) != len(set(resolved["estates"])):
            raise ValidationError({"estates": [_("No such record: %(id)s.") % {"id": sorted(set(resolved["estates"]) - {e.pk for e in found})[0]}]})
        resolved["estates"] = found
    return resolved


def _register(resource: Resource) -> None:
    name, out = resource.name, resource.out
    filters_cls = resource.filters
    op = name.replace("-", "_")
    list_schema = type(f"{out.__name__}List", (Schema,), {"__annotations__": {"count": int, "items": list[out]}})
    patch_in = patch_schema(resource.create_in)

    @router.get(f"/{name}", response=list_schema, operation_id=f"list_{op}", summary=f"List {name}")
    def list_view(request, filters: Query[filters_cls], limit: int | None = None, offset: int | None = None,
                  ordering: str | None = None):
        qs = resource.order(filters.filter(resource.queryset(request.user)), ordering)
        count, items = paginate(qs, limit, offset)
        return {"count": count, "items": items}

    @router.get(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"get_{op}", summary=f"One of {name}")
    def detail_view(request, obj_id: int):
        return get_or_404(resource.queryset(request.user), obj_id)

    @router.post(f"/{name}", response={201: out}, operation_id=f"create_{op}", summary=f"Create one of {name}")
    def create_view(request, payload: resource.create_in):
        data = resolve(resource, request.user, payload.dict())
        obj = services.development_create(actor=request.user, model=resource.model, data=data)
        return 201, resource.queryset(request.user).get(pk=obj.pk)

    @router.patch(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"update_{op}", summary=f"Change one of {name}")
    def update_view(request, obj_id: int, payload: patch_in):
        obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
        changes = resolve(resource, request.user, payload.dict(exclude_unset=True))
        services.development_update(actor=request.user, instance=obj, changes=changes)
        return resource.queryset(request.user).get(pk=obj.pk)

    @router.delete(f"/{name}/{{int:obj_id}}", response={204: None}, operation_id=f"delete_{op}",
                   summary=f"Delete one of {name}")
    def delete_view(request, obj_id: int):
        obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
        services.development_delete(actor=request.user, instance=obj)
        return 204, None


for _resource in RESOURCES.values():
    _register(_resource)
