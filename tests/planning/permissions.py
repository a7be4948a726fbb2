"""Plans (issue 9): for the bureau, auditors and town offices. The demo's one plan and its indicators."""

from __future__ import annotations

from fangguan.planning.models import ENTERED, EnteredValue, Indicator, Plan
from tests.kit.permissions import Case, api_ids, expect


def plan():
    return Plan.objects.order_by("pk").first()


def world() -> dict:
    """An indicator measured by hand (the demo plan's are all computed): a copy of the first."""
    ind = Indicator.objects.order_by("pk").first()
    ind.pk, ind.code, ind.measure = None, f"{ind.code}-K"[:30], ENTERED
    ind.save()
    return {"entered": ind}


def entered():
    from tests.kit.permissions import world as built

    return built()["entered"]


def _zhujing_town():
    from tests.kit.permissions import demo_users

    return demo_users()["zhujing"].memberships.get().organisation.town_id


def _plans_seen(role, user) -> set:
    """Plans are read by the bureau, auditors and town offices."""
    return set(Plan.objects.values_list("pk", flat=True)) if role in {"admin", "zhujing", "auditor"} else set()


# Values measured by hand: a town office enters its town's, the bureau any town's.
# (auditors get the form back with its error, 422 — nothing written either way)
ENTER = expect(403, admin=302, zhujing=302, auditor=422)


def _values():
    return tuple(EnteredValue.objects.order_by("pk").values_list("pk", "value"))


def _plans():
    return tuple(Plan.objects.order_by("pk").values_list("pk", "code"))


SPEC = [
    Case("GET", "api/v1/plans", "/api/v1/plans", expect(200), rows=_plans_seen, got=api_ids),
    Case("GET", "api/v1/plans/<plan_id>/indicators", lambda: f"/api/v1/plans/{plan().pk}/indicators", expect(404, admin=200, zhujing=200, auditor=200)),
    Case("GET", "api/v1/plans/map/deliveries", "/api/v1/plans/map/deliveries", expect(200)),
    Case("GET", "api/v1/plans/map/parcels", "/api/v1/plans/map/parcels", expect(200)),
    Case("GET", "api/v1/plans/map/renovations", "/api/v1/plans/map/renovations", expect(200)),
    Case("GET", "plans/", "/plans/", expect(403, admin=200, zhujing=200, auditor=200)),
    Case("GET", "plans/<int:pk>/", lambda: f"/plans/{plan().pk}/", expect(403, admin=200, zhujing=200, auditor=200)),
    Case("GET", "plans/<int:pk>/report/", lambda: f"/plans/{plan().pk}/report/", expect(403, admin=200, zhujing=200, auditor=200)),
    Case("GET", "plans/<int:pk>/report.xlsx", lambda: f"/plans/{plan().pk}/report.xlsx", expect(403, admin=200, zhujing=200, auditor=200)),
    Case("GET", "plans/<int:pk>/next/", lambda: f"/plans/{plan().pk}/next/", expect(403, admin=200)),
    Case("POST", "plans/<int:pk>/next/", lambda: f"/plans/{plan().pk}/next/", expect(403, admin=422),
         data={"code": "KIT-16", "name": "测试规划", "span": "5"}, snapshot=_plans),
    Case("GET", "plans/indicators/<int:pk>/values/", lambda: f"/plans/indicators/{entered().pk}/values/", expect(403, admin=200, zhujing=200, auditor=200)),
    Case("POST", "plans/indicators/<int:pk>/values/", lambda: f"/plans/indicators/{entered().pk}/values/", ENTER,
         data=lambda: {"year": "2021", "value": "12", "town": str(_zhujing_town())}, snapshot=_values),
]
