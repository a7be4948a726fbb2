"""Handover inspection (承接查验) of a new estate: the checklist in its three groups, defects due
30 days after they are found and escalated to the bureau by the clock once past it (once), the
documents checked off, signed by both, filed at least 15 days before delivery (a later filing is
flagged) — over the API, for the developer and the incoming company; nobody else acts."""

from __future__ import annotations

import datetime as dt

import pytest

from fangguan.notifications.models import Notification
from fangguan.supervision import services
from fangguan.supervision.models import Defect, Handover
from tests.conftest import ApiClient

from .conftest import at


@pytest.fixture
def handover(world):
    return services.handover_create(actor=world.north_manager, estate=world.north, company=world.north_co,
                                    inspected_on=dt.date(2025, 5, 1), delivery_on=dt.date(2025, 6, 30))


def test_three_groups_and_the_documents(handover):
    groups = {i["group"] for i in handover.template.items}
    assert groups == {"共用部位", "共用设备", "共用设施"}
    assert [d["received"] for d in handover.documents] == [False] * 5


def test_defect_clock_and_escalation_to_the_bureau(world, handover):
    h = services.handover_act(world.north_manager, handover, "add_defect", code="H02", description="屋面渗水",
                              found_on=dt.date(2025, 5, 1))
    d = h.defects.get()
    assert (d.group, d.due_on) == ("共用部位", dt.date(2025, 5, 31))
    assert services.defects_escalate(now=at(2025, 5, 31, 23, 59)) == 0  # still within 30 days
    assert services.defects_escalate(now=at(2025, 6, 1, 0, 1)) == 1
    assert services.defects_escalate(now=at(2025, 6, 2)) == 0  # once
    d.refresh_from_db()
    assert d.escalated_at == at(2025, 6, 1, 0, 1)
    assert Notification.objects.filter(recipient=world.bureau, topic="supervision.handover.escalated").count() == 1
    with pytest.raises(Exception) as exc:  # the company does not mark the developer's fix
        services.handover_act(world.north_manager, h, "fix", defect=d.pk)
    assert exc.type.__name__ == "ActionForbidden"
    h = services.handover_act(world.developer, h, "fix", defect=d.pk, fixed_on=dt.date(2025, 6, 3))
    d.refresh_from_db()
    assert (d.status, d.fixed_on) == ("fixed", dt.date(2025, 6, 3))


def _complete(world, h):
    results = {i["code"]: "pass" for i in h.template.items}
    return services.handover_act(world.developer, h, "record", results=results,
                                 received=[d["name"] for d in h.documents])


@pytest.mark.parametrize(("filed", "late"), [(dt.date(2025, 6, 15), False), (dt.date(2025, 6, 16), True)])
def test_filing_15_days_before_delivery(world, handover, filed, late):
    with pytest.raises(Exception):  # not every item answered, documents not checked off
        services.handover_act(world.north_manager, handover, "sign", developer_signatory="甲", company_signatory="乙")
    h = _complete(world, handover)
    h = services.handover_act(world.north_manager, h, "sign", developer_signatory="开发代表", company_signatory="物业代表")
    h = services.handover_act(world.developer, h, "file", now=at(filed.year, filed.month, filed.day, 18))
    assert (h.status, h.filed_late) == ("filed", late)


def test_over_the_api_and_who_acts(world, handover):
    clients = {r: ApiClient(world.users[r].username) for r in ("developer", "north_manager", "south_manager",
                                                               "bureau", "officer", "resident")}
    url = f"/api/v1/handovers/{handover.pk}"
    for role, code in {"developer": 200, "north_manager": 200, "bureau": 200, "officer": 200,
                       "south_manager": 404, "resident": 404}.items():
        assert clients[role].get(url).status_code == code, role
    assert ApiClient(None).get(url).status_code == 401
    r = clients["developer"].post(f"{url}/defects", {"code": "H11", "description": "电梯门异响"})
    assert r.status_code == 201 and r.json()["defects"][0]["due_on"] == str(dt.date.today() + dt.timedelta(days=30))
    before = Defect.objects.count()
    for role in ("bureau", "officer"):
        assert clients[role].post(f"{url}/defects", {"description": "x"}).status_code == 403
    assert clients["south_manager"].post(f"{url}/defects", {"description": "x"}).status_code == 404
    assert Defect.objects.count() == before
    r = clients["north_manager"].post(f"{url}/actions", {"action": "sign", "developer_signatory": "a",
                                                         "company_signatory": "b"})
    assert r.status_code == 422 and Handover.objects.get(pk=handover.pk).status == "inspecting"


def test_an_estate_without_a_developer_has_no_handover(world):
    with pytest.raises(Exception) as exc:
        services.handover_create(actor=world.south_manager, estate=world.south, company=world.south_co,
                                 inspected_on=dt.date(2025, 5, 1), delivery_on=dt.date(2025, 6, 30))
    assert exc.type.__name__ == "ValidationError"


def test_the_incoming_company_opens_the_handover_of_an_estate_it_does_not_serve_yet(world):
    """The registry shows a company only the estates it serves; a new estate is not one of them
    before delivery, yet its incoming company opens the handover (found by the permission kit)."""
    from fangguan.registry import models as rm

    from .conftest import _estate

    new, _area = _estate(world.town, world.north.neighbourhood, "SV-NEW", 4, developer=world.north.developer)
    plain, _area = _estate(world.town, world.north.neighbourhood, "SV-OLD", 4)
    assert not rm.Contract.objects.filter(area__estate__in=[new, plain]).exists()
    body = {"estate": new.pk, "company": world.south_co.pk, "inspected_on": "2025-05-01",
            "delivery_on": "2025-06-30"}
    before = Handover.objects.count()
    for role, code in {"north_tech": 422, "resident": 422, "bureau": 403}.items():  # a technician opens none
        body_for = {**body, "company": world.north_co.pk} if role == "north_tech" else body
        assert ApiClient(world.users[role].username).post("/api/v1/handovers", body_for).status_code == code, role
    # an estate without a developer is no new estate: still hidden from a company that does not serve it
    r = ApiClient(world.south_manager.username).post("/api/v1/handovers", {**body, "estate": plain.pk})
    assert r.status_code == 422
    assert Handover.objects.count() == before
    r = ApiClient(world.south_manager.username).post("/api/v1/handovers", body)
    assert r.status_code == 201, r.content
    assert Handover.objects.get(pk=r.json()["id"]).company == world.south_co
