"""Locks in one order under real concurrency (PostgreSQL): a filing that points at an earlier
request (its possible duplicate) or a merge that points at its target takes that request's lock
before the figures' cells, as any action on that request does. Left to the deferred foreign-key
check at COMMIT, it came after the cells, and a dispatcher working on the earlier request
deadlocked with the filing (bench/soak.py, docs/performance.md "Soak").

The oracle is PostgreSQL itself: from a second connection, locking the earlier request NOWAIT
must fail while the filing's transaction is still open (before its COMMIT)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.repairs import services
from fangguan.repairs.choices import Channel
from fangguan.repairs.models import RepairRequest
from tests.kit.threads import in_thread

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL")]


def locked_elsewhere(pk: int) -> bool:
    """Whether another connection finds the request's row locked (FOR UPDATE NOWAIT refused)."""

    def probe():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM repairs_repairrequest WHERE id = %s FOR UPDATE NOWAIT", [pk])
                assert cursor.fetchone() is not None, "the row must be committed for another connection to see it"
        except OperationalError:
            return True
        return False

    return in_thread(probe)


@pytest.fixture
def earlier():
    """An open request filed an hour ago, committed (another connection must see it): written
    as a bare row — no event, change log or figures — and removed after the test, whose own
    writes roll back."""
    from fangguan.registry.models import Estate
    from fangguan.repairs.models import Category

    def make():
        now = timezone.now()
        estate = Estate.objects.order_by("pk").first()
        return RepairRequest.objects.create(
            estate=estate, category=Category.objects.filter(active=True).order_by("pk").first(),
            description="楼道灯不亮", channel=Channel.HOTLINE, external_id="LOCK-ORDER-0",
            created_at=now - dt.timedelta(hours=1), response_due_at=now + dt.timedelta(days=1),
            complete_due_at=now + dt.timedelta(days=3)).pk

    pk = in_thread(make)
    # the test runs in a savepoint rolled back before the cleanup: that releases the locks it
    # took, which the cleanup's own connection would otherwise wait for (the test's transaction
    # ends only after this fixture)
    with transaction.atomic():
        yield RepairRequest.objects.select_related("estate", "category").get(pk=pk)
        transaction.set_rollback(True)
    in_thread(lambda: RepairRequest.objects.filter(pk=pk).delete())


def file_again(earlier, external_id: str, now=None) -> RepairRequest:
    return services.create_request(system_actor(), estate=earlier.estate, category=earlier.category,
                                   channel=Channel.HOTLINE, external_id=external_id,
                                   description="同一处再次报修", now=now)


def test_a_filing_locks_its_possible_duplicate_before_the_figures(earlier):
    assert not locked_elsewhere(earlier.pk)  # nobody holds it before
    req = file_again(earlier, "LOCK-ORDER-1")
    assert req.possible_duplicate_of_id == earlier.pk
    assert locked_elsewhere(earlier.pk)  # held now, inside the filing's open transaction


def test_a_filing_without_a_duplicate_locks_no_other_request(earlier):
    req = file_again(earlier, "LOCK-ORDER-2", now=timezone.now() + dt.timedelta(days=30))
    assert req.possible_duplicate_of_id is None
    assert not locked_elsewhere(earlier.pk)


def test_a_merge_locks_its_target_before_the_figures(earlier):
    from fangguan.accounts.models import User

    dup = file_again(earlier, "LOCK-ORDER-3", now=timezone.now() + dt.timedelta(days=30))
    assert not locked_elsewhere(earlier.pk)
    services.act(User.objects.get(username="admin"), dup, "merge", into=earlier.pk)
    dup.refresh_from_db()
    assert dup.merged_into_id == earlier.pk
    assert locked_elsewhere(earlier.pk)
