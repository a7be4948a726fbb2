"""Open311 GeoReport v2 (a token, as Bearer or ``api_key``) and the 12345 hotline's webhook
(its HMAC signature, never a user's token)."""

from __future__ import annotations

from django.utils import timezone

from fangguan.registry import models as rm
from fangguan.repairs import services
from fangguan.repairs.models import RepairRequest
from tests.kit.permissions import Case, demo_users, expect
from tests.kit.permissions import world as built


def world() -> dict:
    users = demo_users()
    home = rm.HomeShare.objects.as_of(timezone.localdate()).filter(person__user=users["yezhu"]).select_related(
        "home__building__estate").first().home
    r = services.create_request(users["yezhu"], estate=home.building.estate, home=home, category="water-supply",
                                description="卫生间水管漏水")
    return {"request": r, "estate": home.building.estate}


def _far():
    from tests.registry.permissions import targets

    return targets("estates")["out of scope"]


def _requests():
    return RepairRequest.objects.count()


SPEC = [
    Case("GET", "open311/v2/services.<str:fmt>", "/open311/v2/services.json", None),
    Case("GET", "open311/v2/services/<str:code>.<str:fmt>", "/open311/v2/services/water-supply.json", None),
    Case("GET", "open311/v2/requests.<str:fmt>", "/open311/v2/requests.json", None),
    # filing in yezhu's estate: yezhu (a resident there), wuye (its company), the bureau; others
    # who see the estate may not file there (403); who does not see it gets "no such estate" (400)
    Case("POST", "open311/v2/requests.<str:fmt>", "/open311/v2/requests.json",
         expect(403, admin=201, wuye=201, yezhu=201, zhujing=400, yeweihui=201, sysadmin=400, secadmin=400,
                auditadmin=400),
         multipart=True, snapshot=_requests, label="yezhu's estate",
         data=lambda: {"service_code": "lighting", "description": "楼道灯不亮", "address_id": str(built()["estate"].pk)}),
    # an estate outside every scoped account's reach answers like one that does not exist
    Case("POST", "open311/v2/requests.<str:fmt>", "/open311/v2/requests.json",
         expect(400, admin=201, auditor=403), multipart=True, snapshot=_requests, label="an estate far away",
         data=lambda: {"service_code": "lighting", "description": "楼道灯不亮", "address_id": str(_far().pk)}),
    Case("POST", "open311/v2/requests.<str:fmt>", "/open311/v2/requests.json", expect(400), multipart=True,
         snapshot=_requests, label="no such estate",
         data={"service_code": "lighting", "description": "楼道灯不亮", "address_id": "999999999"}),
    Case("GET", "open311/v2/requests/<str:request_id>.<str:fmt>", lambda: f"/open311/v2/requests/{built()['request'].pk}.json",
         None),
    Case("POST", "api/v1/hotline/orders", "/api/v1/hotline/orders", None, data={"order_id": "12345-KIT"}),
]
