"""Registry API: list, detail, create, update and delete for every resource in ``RESOURCES``,
plus the registry figures, exact people search and the reveal of one personal value.

Handlers are thin: scope comes from ``Resource.queryset`` (which goes through ``visible_to``),
writes from the services. Ids sent in a body are resolved through the referenced model's scope,
so "not yours" and "does not exist" answer alike there too.
"""


import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from fangguan.core.api import MAX_ID, get_or_404, paginate
from fangguan.core.exports import CONTENT_TYPES

from . import services
from .exports import export_resource
from .models import Person
from .resources import RESOURCES, Resource
from .schemas import PersonOut, patch_schema
from .selectors import registry_stats

router = Router(tags=["registry"])


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


def _register(resource: Resource) -> None:
    """Add the five operations of one resource to the router."""
    name, out = resource.name, resource.out
    filters_cls = resource.filters
    list_schema = type(f"{out.__name__}List", (Schema,), {"__annotations__": {"count": int, "items": list[out]}})

    @router.get(f"/{name}", response=list_schema, operation_id=f"list_{name.replace('-', '_')}",
                summary=f"List {name}")
    def list_view(request, filters: Query[filters_cls], limit: int | None = None, offset: int | None = None,
                  ordering: str | None = None):
        qs = resource.order(filters.filter(resource.queryset(request.user)), ordering)
        count, items = paginate(qs, limit, offset)
        return {"count": count, "items": items}

    @router.get(f"/{name}/export", operation_id=f"export_{name.replace('-', '_')}",
                summary=f"Export {name} as CSV or .xlsx", response={200: None},
                openapi_extra={"responses": {200: {"description": "CSV (UTF-8 with BOM) or .xlsx file",
                                                     "content": {c: {} for c in CONTENT_TYPES.values()}}}})
    def export_view(request, filters: Query[filters_cls], format: Literal["csv", "xlsx"] = "csv",
                    ordering: str | None = None):
        qs = resource.order(filters.filter(resource.queryset(request.user)), ordering)
        return export_resource(request.user, resource, qs, format, filters.dict())

    @router.get(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"get_{name.replace('-', '_')}",
                summary=f"One of {name}")
    def detail_view(request, obj_id: int):
        return get_or_404(resource.queryset(request.user), obj_id)

    if resource.create_in is not None:
        create_in = resource.create_in
        patch_in = _patch_schemas[name]

        @router.post(f"/{name}", response={201: out}, operation_id=f"create_{name.replace('-', '_')}",
                     summary=f"Create one of {name}")
        def create_view(request, payload: create_in):
            data = resolve_references(resource, request.user, payload.dict())
            if resource.model is Person:
                share = data.pop("share", None)
                if share:
                    share = resolve_references(RESOURCES["shares"], request.user, share)
                obj = services.person_create(actor=request.user, data=data, share=share)
            else:
                obj = services.registry_create(actor=request.user, model=resource.model, data=data)
            return 201, resource.queryset(request.user).get(pk=obj.pk)

        @router.patch(f"/{name}/{{int:obj_id}}", response=out, operation_id=f"update_{name.replace('-', '_')}",
                      summary=f"Change one of {name}")
        def update_view(request, obj_id: int, payload: patch_in):
            obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
            changes = resolve_references(resource, request.user, payload.dict(exclude_unset=True))
            services.registry_update(actor=request.user, instance=obj, changes=changes)
            return resource.queryset(request.user).get(pk=obj.pk)

    if resource.deletable:

        @router.delete(f"/{name}/{{int:obj_id}}", response={204: None}, operation_id=f"delete_{name.replace('-', '_')}",
                       summary=f"Delete one of {name}")
        def delete_view(request, obj_id: int):
            obj = get_or_404(resource.model.objects.visible_to(request.user), obj_id)
            services.registry_delete(actor=request.user, instance=obj)
            return 204, None


# --- Registry figures -----------------------------------------------------------------------


class TownFigures(Schema):
    town: dict
    estates: int
    managed_floor_area_m2: float
    companies_serving: int
    companies_filed: int
    owners_committees: int
    committees_with_party_group: int
    neighbourhood_committees_with_overlap: int
    neighbourhood_committees_with_property_subcommittee: int
    estates_meili_passed: int
    estates_with_charging: int


class RegistryFigures(TownFigures):
    as_of: dt.date
    town: None = None
    by_town: list[TownFigures]


@router.get("/stats/registry", response=RegistryFigures, operation_id="registry_stats", tags=["stats"])
def stats_registry(request, as_of: dt.date | None = None):
    """The plan's registry figures on ``as_of`` (default today), in total and by town."""
    return registry_stats(request.user, as_of or timezone.localdate())


# --- People: exact search and reveal ---------------------------------------------------------


class PeopleSearchIn(Schema):
    id_number: str | None = None
    phone: str | None = None


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str


class RevealOut(Schema):
    value: str


class PeopleFound(Schema):
    count: int
    items: list[PersonOut]


@router.post("/people/search", response=PeopleFound, operation_id="search_people")
def people_search(request, payload: PeopleSearchIn):
    """Exact match by identity number or phone, sent in the body so it never lands in a URL or log."""
    from fangguan.core.identity import check_phone, normalise

    from .models import id_number_index, phone_index

    qs = RESOURCES["people"].queryset(request.user)
    if payload.id_number:
        qs = qs.filter(id_number_index=id_number_index(normalise(payload.id_number)))
    elif payload.phone:
        try:
            phone = check_phone(payload.phone)
        except ValidationError:
            return {"count": 0, "items": []}
        qs = qs.filter(phone_index=phone_index(phone))
    else:
        raise ValidationError(_("Give an identity number or a phone number."))
    items = list(qs[:50])
    return {"count": len(items), "items": items}


@router.post("/people/{int:obj_id}/reveal", response=RevealOut, operation_id="reveal_person")
def people_reveal(request, obj_id: int, payload: RevealIn):
    person = get_or_404(Person.objects.visible_to(request.user), obj_id)
    return {"value": services.person_reveal(actor=request.user, person=person, field=payload.field, reason=payload.reason)}


# Patch shapes are built once (pydantic models must not be rebuilt per request).
_patch_schemas = {
    name: patch_schema(res.create_in, drop=res.patch_drop) for name, res in RESOURCES.items() if res.create_in
}
for _resource in RESOURCES.values():
    _register(_resource)
