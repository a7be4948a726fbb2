"""The demo history generator on the sample estates: deterministic, seasonal, with open,
overdue and escalated requests whose states agree with their events."""

import datetime as dt

import pytest
from django.utils import timezone

from fangguan.registry.models import Estate
from fangguan.repairs.demo import build_history
from fangguan.repairs.models import Escalation, RepairEvent, RepairRequest

pytestmark = pytest.mark.django_db


def test_the_history_is_plausible_and_deterministic():
    now = timezone.now().replace(microsecond=0)
    estates = Estate.objects.filter(buildings__homes__isnull=False).distinct()
    counts = build_history(years=2, rate=0.3, estates=estates, now=now)
    assert counts["repair_requests"] == RepairRequest.objects.count() > 100
    rows = list(RepairRequest.objects.values_list("status", "category__code", "created_at", "pk"))
    statuses = {s for s, *_ in rows}
    assert {"closed", "completed"} <= statuses and statuses & {"submitted", "accepted", "in_progress"}
    summer = sum(1 for _, code, at, _pk in rows if code in ("roof-leak", "drain-blocked") and at.month in (6, 7, 8))
    spring = sum(1 for _, code, at, _pk in rows if code in ("roof-leak", "drain-blocked") and at.month in (3, 4, 5))
    assert summer > spring
    assert Escalation.objects.exists()
    for r in RepairRequest.objects.all()[:300]:  # each history ends in the request's status
        last = RepairEvent.objects.filter(request=r).order_by("at", "pk").last()
        assert last.to_status == r.status and r.created_at <= now
    first = sorted((code, at) for _, code, at, _pk in rows)
    RepairRequest.objects.all().delete()
    build_history(years=2, rate=0.3, estates=estates, now=now)
    again = sorted(RepairRequest.objects.values_list("category__code", "created_at"))
    assert again == first
    assert dt.timedelta(0) < now - min(at for _, at in first) <= dt.timedelta(days=2 * 366 + 31)
