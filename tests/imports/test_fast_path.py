"""The fast path of bulk imports (``FieldChecks``, parsing once per distinct cell, new records
written without model instances) against its oracle, the instance path it replaces
(``FANGGUAN_FAST_IMPORTS = 0``):

- on generated values, valid and not, ``FieldChecks`` gives exactly the errors and the cleaned
  values of ``instance.clean_fields()`` + ``clean()`` — the model stays the one source of its rules;
- on generated files (valid rows, bad cells, bad values, unknown buildings, duplicates inside a
  batch and across batches, existing records, both modes), a whole import gives the same job
  (counts, problems, notes), the same error sheet, the same records and the same change log.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from fangguan.accounts.models import User
from fangguan.core.models import ChangeLog
from fangguan.imports.specs import FieldChecks, RecordSpec, fast_capable, get_spec
from fangguan.registry import models as m
from fangguan.registry.choices import HomeUse

from .conftest import csv_bytes

HOMES = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途", "不动产单元号"]

# --- FieldChecks agrees with clean_fields() + clean() -----------------------------------------

texts = st.one_of(st.just(""), st.text(min_size=1, max_size=45), st.sampled_from(["1", "101", "1201-3", " ", "\x00a"]))
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**9, max_value=10**9),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1, max_value=10**8),
    st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("0.001"), Decimal("88.5"), Decimal("88.500"),
                     Decimal("1E+3"), Decimal("99999999.99"), Decimal("100000000")]),
)
floors = st.one_of(st.integers(min_value=-40000, max_value=40000), st.sampled_from([-32768, -32769, 32767, 32768]))
values = st.fixed_dictionaries({}, optional={
    "unit": texts, "room_number": texts, "floor": st.one_of(st.none(), floors),
    "area_m2": st.one_of(st.none(), decimals),
    "use": st.one_of(st.sampled_from(HomeUse.values), st.sampled_from(["", "palace", "住宅"])),
    "property_unit_number": texts,
})

_checks: dict[str, FieldChecks] = {}


def the_instance_path(spec: RecordSpec, data: dict, building) -> tuple[dict, dict]:
    """What ``RecordSpec.prepare`` + ``validate`` do with a new record: errors and values."""
    instance = spec.model()
    for name, value in {"building": building, **data}.items():
        spec.assign(instance, name, value)
    try:
        instance.clean_fields(exclude=spec.fk_names)
        instance.clean()
    except ValidationError as exc:
        return exc.message_dict, {}
    return {}, {f.attname: getattr(instance, f.attname) for f in spec.model._meta.concrete_fields}


def plain(values: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def test_homes_take_the_fast_path():
    spec = get_spec("homes")
    assert spec.fast and fast_capable(m.Home)
    assert not fast_capable(m.Person) and not fast_capable(m.Estate)  # own rules or flagged fields


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=values)
def test_field_checks_agree_with_clean_fields(data):
    spec = get_spec("homes")
    checks = _checks.setdefault("homes", FieldChecks(spec))  # one for all examples: answers are remembered
    building = m.Building(pk=7, number="1号")
    expected_errors, expected_values = the_instance_path(spec, data, building)
    new = checks.new({"building": building, **data})
    errors = checks.check(new.values) or {}
    assert errors == expected_errors
    if not errors:
        assert plain(new.values) == plain(expected_values)
        assert new.related == {"building": building}


# --- Whole imports: the fast path against the instance path ----------------------------------

cells = st.one_of(
    st.sampled_from(["101", "102", "103", "201", "202", "１０３", " 301 ", "", "x" * 25]),  # rooms
)
rows = st.lists(
    st.tuples(
        st.sampled_from(["IMP001", "IMP002", "IMP009"]),  # IMP009: no such estate
        st.sampled_from(["1号", "2号"]),  # 2号: no such building
        st.sampled_from(["1", "", "２"]),
        cells,
        st.sampled_from(["1", "3", "-2", "abc", "40000", ""]),
        st.sampled_from(["88.5", "88.50", "0", "-1", "1,088.25", "abc", "88.555", "", "1e3"]),
        st.sampled_from(["住宅", "商业", "residential", "宫殿", ""]),
        st.sampled_from(["", "", "U1", "U2", "U" * 41]),
    ),
    min_size=1, max_size=14,
)


def capture(job) -> dict:
    job.refresh_from_db()
    sheet = None
    if job.error_sheet:
        with job.error_sheet.open("rb") as fh:
            book = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
        sheet = book.get_sheet_by_index(0).to_python()
    homes = sorted(m.Home.objects.filter(building__estate__code__in=["IMP001", "IMP002"]).values_list(
        "building__estate__code", "unit", "room_number", "floor", "area_m2", "use", "property_unit_number"))
    ids = {pk: (code, room) for pk, code, room in m.Home.objects.values_list("pk", "building__estate__code", "room_number")}
    log = sorted(
        (e.action, e.object_type, ids.get(e.object_id), e.object_repr, e.actor_name, e.cause == job.cause,
         sorted((k, v if k != "id" else ids.get(v)) for k, v in (e.after or {}).items()),
         sorted((e.before or {}).items()))
        for e in ChangeLog.objects.filter(cause=job.cause))
    return {
        "job": {f: getattr(job, f) for f in ("status", "applied", "rows_total", "created", "updated", "unchanged",
                                             "failed", "flagged", "errors", "errors_total", "notes")},
        "sheet": sheet, "homes": homes, "log": log,
    }


def run_both(run_import, user, content: bytes, **kwargs) -> tuple[dict, dict]:
    results = []
    for fast in (0, 1):
        with transaction.atomic():
            from django.test import override_settings

            with override_settings(FANGGUAN_FAST_IMPORTS=fast):
                results.append(capture(run_import(user, "homes", content, **kwargs)))
            transaction.set_rollback(True)
    return results[0], results[1]


@pytest.fixture
def existing(place):
    """A home already there (re-imported rows update it or leave it alone) and a batch size small
    enough that duplicates fall inside one batch and across batches."""
    m.Home.objects.create(building=place.building, room_number="201", floor=2, area_m2=Decimal("70"),
                          property_unit_number="U1")
    spec = get_spec("homes")
    before = spec.batch_size
    spec.batch_size = 4
    yield place
    spec.batch_size = before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(file=rows, mode=st.sampled_from(["all_or_nothing", "valid_rows"]), user=st.sampled_from(["admin", "zhujing"]))
def test_an_import_is_the_same_on_both_paths(existing, run_import, file, mode, user):
    assume(any(r[0] != "IMP009" for r in file))
    content = csv_bytes([HOMES, *[list(r) for r in file]])
    slow, fast = run_both(run_import, user, content, mode=mode)
    assert fast == slow


def test_a_valid_file_is_written_the_same_on_both_paths(existing, run_import):
    """The plain case, spelled out: every row valid, created and logged once each."""
    content = csv_bytes([HOMES, *[["IMP001", "1号", "1", f"{n}01", str(n), f"{60 + n}.5", "住宅", ""]
                                  for n in range(3, 12)]])
    slow, fast = run_both(run_import, "admin", content)
    assert fast["job"]["created"] == 9 and fast["job"]["applied"] and len(fast["log"]) == 9
    assert fast == slow


# --- The set-wise parts against their own oracles ---------------------------------------------

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="the set-wise change log is PostgreSQL's (SQLite logs through instances)")


def run_with_log(run_import, user, content: bytes, *, setwise: bool, **kwargs) -> dict:
    from django.test import override_settings

    from fangguan.imports import services

    with transaction.atomic():
        original = services._snapshot_sql
        if not setwise:  # no SQL form for any field: the log rows are built in Python (COPY)
            services._snapshot_sql = lambda field: None
        try:
            with override_settings(FANGGUAN_FAST_IMPORTS=1):
                result = capture(run_import(user, "homes", content, **kwargs))
        finally:
            services._snapshot_sql = original
        transaction.set_rollback(True)
    return result


@needs_postgres
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(file=rows, mode=st.sampled_from(["all_or_nothing", "valid_rows"]))
def test_the_set_wise_change_log_is_the_one_built_in_python(existing, run_import, file, mode):
    """``INSERT … SELECT`` with the ``after`` built by PostgreSQL gives the same job, sheet, homes
    and log rows as building each row's ``after`` in Python (``_plain`` of each value)."""
    content = csv_bytes([HOMES, *[list(r) for r in file]])
    python = run_with_log(run_import, "admin", content, setwise=False, mode=mode)
    sql = run_with_log(run_import, "admin", content, setwise=True, mode=mode)
    assert sql == python


def test_each_imported_home_s_history_is_its_snapshot(place, run_import):
    """Oracle independent of the import: each created home read back from the database, its
    ``snapshot`` and ``str()``; its history as the audit API reads it (``record_history``)."""
    from fangguan.accounts.audit_api import record_history
    from fangguan.core.audit import snapshot

    content = csv_bytes([HOMES, *[["IMP001", "1号", "1", f"{n}01", str(n), f"{60 + n}.5", "住宅", f"P{n}"]
                                  for n in range(1, 8)]])
    job = run_import("admin", "homes", content)
    assert job.created == 7
    admin = User.objects.get(username="admin")
    homes = list(m.Home.objects.filter(building=place.building).select_related("building__estate"))
    assert len(homes) == 7
    for home in homes:
        entry = ChangeLog.objects.get(object_type="home", object_id=home.pk)
        assert (entry.action, entry.cause, entry.before) == ("create", job.cause, None)
        assert entry.after == snapshot(home) and entry.object_repr == str(home)
        history = record_history(admin, "home", home.pk)
        assert [(h["action"], h["cause"]) for h in history if h["kind"] == "change"] == [("create", job.cause)]


stored_homes = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["101", "102", "201", "1201-3"])), max_size=8)
keys_of_homes = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["101", "102", "201", "1201-3", "x" * 25, ""])),
                         max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=stored_homes, keys=keys_of_homes)
def test_keys_matched_as_tuples_find_exactly_the_records_with_those_keys(place, stored, keys):
    """``specs._matching`` (a join with the keys as arrays on PostgreSQL, ``IN`` per column
    elsewhere) narrows to a set holding every record whose (building, room) is one of the keys;
    the oracle is Python's comparison of every home's pair with the keys."""
    from fangguan.imports.specs import _matching

    buildings = [place.building, place.other_building,
                 m.Building.objects.get_or_create(estate=place.estate, area=place.area, number="2号",
                                                  defaults={"floors": 3})[0]]
    with transaction.atomic():
        for b, room in dict.fromkeys(stored):
            m.Home.objects.create(building=buildings[b], room_number=room, floor=1, area_m2=Decimal("50"))
        wanted = [(buildings[b].pk, room) for b, room in keys]
        narrowed = _matching(m.Home.objects.all(), ["building_id", "room_number"], wanted)
        found = {pk for pk, b, room in narrowed.values_list("pk", "building_id", "room_number") if (b, room) in wanted}
        expected = {pk for pk, b, room in m.Home.objects.values_list("pk", "building_id", "room_number")
                    if (b, room) in wanted}
        assert found == expected
        assert bool(wanted) or not found
        transaction.set_rollback(True)
