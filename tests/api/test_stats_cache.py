"""The registry figures are cached per version of the tables they are read from: every table
they read is watched, any write path changes the version, a rolled-back write leaves nothing
stale behind, and a cached answer costs one query."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from fangguan.accounts.roles import OWNER, grants
from fangguan.core.dataversion import version
from fangguan.registry import models as m
from fangguan.registry.selectors import registry_figures, registry_stats

DAY = dt.date(2024, 6, 30)
STAFF = ["admin", "zhujing", "juweihui", "wuye", "yeweihui", "auditor"]


def tables_read(user) -> set[str]:
    with CaptureQueriesContext(connection) as ctx:
        registry_figures(user, DAY)
    return {t for q in ctx.captured_queries for t in re.findall(r'"(registry_[a-z_]+)"', q["sql"])}


def cached(user) -> bool:
    return not any(g.kind == OWNER for g in grants(user))


@pytest.mark.django_db
def test_every_table_the_figures_read_is_watched(users):
    """For every user whose figures are cached (the others' reach hangs from homes and shares)."""
    assert not cached(users["yezhu"]) and cached(users["wuye"])
    tables = set().union(*(tables_read(users[name]) for name in STAFF if cached(users[name])))
    assert {"registry_estate", "registry_contract", "registry_committeemember"} <= tables
    for table in sorted(tables):
        before = version("registry")
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" SET id = id WHERE id = (SELECT MIN(id) FROM "{table}")')
            assert cursor.rowcount == 1, table
        assert version("registry") != before, f"{table} is read by the figures but not watched"


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF)
def test_a_write_by_any_path_shows_in_the_next_answer(users, name):
    user = users[name]
    first = registry_stats(user, DAY)
    counted = m.Estate.objects.visible_to(user).as_of(DAY).order_by("pk").first()
    m.Estate.objects.filter(pk=counted.pk).update(floor_area_m2=F("floor_area_m2") + 1000)
    assert registry_stats(user, DAY)["managed_floor_area_m2"] == pytest.approx(first["managed_floor_area_m2"] + 1000)
    assert registry_stats(user, DAY) == registry_figures(user, DAY)


@pytest.mark.django_db(transaction=False)
def test_a_rolled_back_write_leaves_nothing_stale(users):
    admin = users["admin"]
    base = registry_stats(admin, DAY)["managed_floor_area_m2"]
    estate = m.Estate.objects.as_of(DAY).order_by("pk").first()
    with pytest.raises(RuntimeError), transaction.atomic():
        m.Estate.objects.filter(pk=estate.pk).update(floor_area_m2=F("floor_area_m2") + 1000)
        assert registry_stats(admin, DAY)["managed_floor_area_m2"] == pytest.approx(base + 1000)  # cached now
        raise RuntimeError("roll back")
    assert registry_stats(admin, DAY)["managed_floor_area_m2"] == pytest.approx(base)
    m.Estate.objects.filter(pk=estate.pk).update(floor_area_m2=F("floor_area_m2") + Decimal("5"))
    assert registry_stats(admin, DAY)["managed_floor_area_m2"] == pytest.approx(base + 5)


@pytest.mark.django_db
def test_a_cached_answer_costs_one_query(users, django_assert_num_queries):
    admin = users["admin"]
    registry_stats(admin, DAY)
    with django_assert_num_queries(1):
        again = registry_stats(admin, DAY)
    assert again == registry_figures(admin, DAY)


@pytest.mark.django_db
def test_scopes_do_not_share_answers(users):
    """The same date for the bureau and a town office: different keys, different figures."""
    district = registry_stats(users["admin"], DAY)
    town = registry_stats(users["zhujing"], DAY)
    assert town["estates"] < district["estates"]
    assert town == registry_figures(users["zhujing"], DAY)


@pytest.mark.django_db
def test_residents_figures_are_computed_every_time(users):
    """A resident's reach hangs from shares, which are not watched: their figures are computed
    every time (never served from another version of their shares)."""
    resident = users["yezhu"]
    first = registry_stats(resident, DAY)
    assert first["estates"] >= 1
    with CaptureQueriesContext(connection) as ctx:
        registry_stats(resident, DAY)
    assert len(ctx.captured_queries) > 1


@pytest.mark.django_db
def test_compacting_the_version_log_keeps_answers_right(users):
    """After compaction one row is left and the version is new: the figures are computed again
    and then follow writes as before."""
    from fangguan.core.dataversion import compact
    from fangguan.core.models import DataChange

    admin = users["admin"]
    m.Estate.objects.filter(pk=m.Estate.objects.as_of(DAY).order_by("pk").first().pk).update(
        floor_area_m2=F("floor_area_m2") + 7)
    before_version, before = version("registry"), registry_stats(admin, DAY)
    assert compact("registry") >= 1
    assert DataChange.objects.filter(name="registry").count() == 1
    assert version("registry") != before_version
    assert registry_stats(admin, DAY) == before
    estate = m.Estate.objects.as_of(DAY).order_by("pk").first()
    m.Estate.objects.filter(pk=estate.pk).update(floor_area_m2=F("floor_area_m2") + 1000)
    assert registry_stats(admin, DAY)["managed_floor_area_m2"] == pytest.approx(before["managed_floor_area_m2"] + 1000)
