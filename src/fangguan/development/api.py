"""Development records API (issue #8 contract): ``/api/v1/parcels``, ``/projects``,
``/permits``, ``/affordable``, ``/renovations`` — list (``{count, items}``, ``limit``/``offset``,
``town``, ``from``/``to`` inclusive, permits also ``kind``), detail, create, change, delete.

Thin: scope from ``Resource.queryset`` (``visible_to``), writes from ``services``; ids in a body
are resolved through the referenced model's scope, so "not yours" reads as "no such record".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router

from fangguan.core.api import MAX_ID
from fangguan.core.crud import Writes, add_crud_routes, resolve_references
from fangguan.core.resources import Resource
from fangguan.registry.models import Estate

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


WRITES = Writes(
    create=lambda actor, resource, data: services.development_create(actor=actor, model=resource.model, data=data),
    update=lambda actor, resource, instance, changes: services.development_update(
        actor=actor, instance=instance, changes=changes),
    delete=lambda actor, resource, instance: services.development_delete(actor=actor, instance=instance),
    resolve=resolve,
)
add_crud_routes(router, RESOURCES.values(), WRITES)
