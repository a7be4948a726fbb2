"""A synthetic registry at city scale, for benchmarks (issue #4): ``manage.py synth --estates N``.

Proportions follow Shanghai (about 13,000 estates, 8 million homes: 615 homes per estate on
average, one town per ~60 estates, one neighbourhood committee per ~2.8 estates). Everything
comes from one seeded generator, so a seed gives the same records every time; only the
ciphertexts differ between runs (each has a fresh random nonce, as ``crypto.encrypt`` gives).

Rows are written as plain tuples, not model instances — COPY on PostgreSQL, ``executemany``
on SQLite — in chunks of estates, one transaction per chunk, so memory stays flat at any size.
Personal data is stored exactly as ``Person.set_id_number`` / ``set_phone`` store it: the
``crypto`` ciphertext format under the active key, the blind index, the masked copy.

Synthetic records are recognised by their codes: every town, estate and management area code
starts with ``SYN``. The generator refuses a database holding anything else (``--force``
replaces the registry regardless).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import ric, uscc

from fangguan.core.actors import system_actor
from fangguan.core.audit import log_bulk_create
from fangguan.core.context import audit_context
from fangguan.core.db import analyze
from fangguan.core.identity import IdType, normalise
from fangguan.core.text import pinyin_key
from fangguan.core.triggers import append_only_lifted

from . import models as m
from .choices import (
    AssessmentKind,
    CommitteeRole,
    ContractKind,
    DocumentKind,
    EstateType,
    FacilityKind,
    HomeUse,
    PersonKind,
    ShareKind,
    Structure,
    TownKind,
)
from .demo import (
    COMPANY_HEADS,
    COMPANY_TAILS,
    GIVEN,
    MOBILE_PREFIXES,
    NAME_HEADS,
    NAME_TAILS,
    SURNAMES,
)

PREFIX = "SYN"
HOMES_PER_ESTATE = 615  # Shanghai: ~8M homes in ~13,000 estates
ESTATES_PER_TOWN = 60
ESTATES_PER_NEIGHBOURHOOD = 2.8
ESTATES_PER_COMPANY = 4
CHUNK_ESTATES = 25
REFERENCE_DAY = dt.date(2026, 9, 30)
# Bytes on disk per generated home, everything included (its share of people, shares, the other
# tables and all indexes): 3.01 GB for 2,486,476 homes (4,000 estates) on PostgreSQL 15 is 1,212
# (docs/performance.md); the margin covers WAL and the sorts that build the indexes.
BYTES_PER_HOME = 1250
DISK_MARGIN = 1.3

# Tables in the order they are written (references first) and wiped (reverse).
MODELS: tuple[type[models.Model], ...] = (
    m.Town, m.Neighbourhood, m.Company, m.Estate, m.ManagementArea, m.Building, m.Home, m.Person,
    m.HomeShare, m.Contract, m.OwnersCommittee, m.CommitteeMember, m.CommitteeDocument, m.Facility,
    m.Assessment,
)


class SynthRefused(Exception):
    """The database holds real records, or the size asked for will not fit on the disk."""


# --- Guards -----------------------------------------------------------------------------------


def real_records() -> list[str]:
    """What in the database is not synthetic (empty list: nothing, or only synthetic records)."""
    found = []
    if m.Town.objects.exclude(code__startswith=PREFIX).exists():
        found.append("towns")
    if m.Estate.objects.exclude(code__startswith=PREFIX).exists():
        found.append("estates")
    if m.ManagementArea.objects.exclude(code__startswith=PREFIX).exists():
        found.append("management areas")
    if not m.Estate.objects.filter(code__startswith=PREFIX).exists():
        # no synthetic estates: any other registry record is someone's data
        found += [model._meta.verbose_name_plural for model in (m.Person, m.Company, m.Home)
                  if model.objects.exists()]
    return [str(f) for f in found]


def synthetic_estates() -> int:
    return m.Estate.objects.filter(code__startswith=PREFIX).count()


def estimate_bytes(estates: int) -> int:
    return int(estates * HOMES_PER_ESTATE * BYTES_PER_HOME * DISK_MARGIN)


def database_directory() -> Path | None:
    """Where the database keeps its files, if on this machine: SQLite's file, PostgreSQL's data
    directory (readable by a superuser; otherwise None and the check is skipped with a note)."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return Path(name).resolve().parent if name and name != ":memory:" and "mode=memory" not in name else None
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SHOW data_directory")
                path = Path(cursor.fetchone()[0])
        except Exception:
            return None
        return path if path.exists() else None
    return None


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def check_disk(estates: int) -> tuple[int, int | None]:
    """Raise SynthRefused if the estimate does not fit; return (needed, free)."""
    needed = estimate_bytes(estates)
    path = database_directory()
    if path is None:
        return needed, None
    free = free_bytes(path)
    if needed > free:
        raise SynthRefused(
            f"{estates:,} estates need about {needed / 1e9:.1f} GB ({BYTES_PER_HOME:,} bytes per home × "
            f"{HOMES_PER_ESTATE} homes per estate, ×{DISK_MARGIN} margin) but {path} has only "
            f"{free / 1e9:.1f} GB free. Ask for fewer estates or free some disk."
        )
    return needed, free


# --- Writing rows -----------------------------------------------------------------------------


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


class TableWriter:
    """Buffers tuples per table (in the model's column order) and writes them in bulk: COPY on
    PostgreSQL, executemany on SQLite. Counts rows and seconds spent writing, per table."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self.buffers: dict[type[models.Model], list[tuple]] = {model: [] for model in MODELS}
        self.rows: dict[type[models.Model], int] = dict.fromkeys(MODELS, 0)
        self.seconds: dict[type[models.Model], float] = dict.fromkeys(MODELS, 0.0)
        self.columns = {model: _columns(model) for model in MODELS}
        now = timezone.now()
        self.now = now.isoformat() if self.pg else connection.ops.adapt_datetimefield_value(now)

    def add(self, model, row: tuple) -> None:
        self.buffers[model].append(row)

    def flush(self) -> None:
        for model in MODELS:  # references first: FK checks on SQLite are immediate
            rows = self.buffers[model]
            if not rows:
                continue
            started = time.perf_counter()
            self._write(model, rows)
            self.seconds[model] += time.perf_counter() - started
            self.rows[model] += len(rows)
            self.buffers[model] = []

    def _write(self, model, rows: list[tuple]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        cols = self.columns[model]
        names = ", ".join(connection.ops.quote_name(c) for c in cols)
        with connection.cursor() as cursor:
            if self.pg:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    lines = []
                    for row in rows:
                        # generated strings never hold tabs, newlines or backslashes (the tests check)
                        lines.append("\t".join([v if v.__class__ is str else "\\N" if v is None else str(v)
                                                for v in row]))
                        if len(lines) >= 5000:
                            copy.write(("\n".join(lines) + "\n").encode())
                            lines = []
                    if lines:
                        copy.write(("\n".join(lines) + "\n").encode())
            else:
                marks = ", ".join(["%s"] * len(cols))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - names from the model
                                   [tuple(_sqlite(v) for v in row) for row in rows])

    def first_ids(self) -> dict[type[models.Model], int]:
        """The first id each table's rows get: on PostgreSQL the sequence's next value (so ids
        only ever grow, even if a transaction that wrote them rolls back), else max(id) + 1."""
        first = {}
        with connection.cursor() as cursor:
            for model in MODELS:
                table = model._meta.db_table
                if self.pg:
                    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
                else:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
                first[model] = cursor.fetchone()[0]
        return first

    def reset_sequences(self, last: dict[type[models.Model], int]) -> None:
        """Explicit ids were written: move each table's id sequence to the last (PostgreSQL;
        SQLite's AUTOINCREMENT follows explicit ids by itself)."""
        if not self.pg:
            return
        with connection.cursor() as cursor:
            for model in MODELS:
                if self.rows[model]:
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                                   [model._meta.db_table, last[model]])


def _sqlite(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# The three big tables: on PostgreSQL their secondary indexes and constraints are dropped while
# they are filled and built again at the end (one sort each instead of millions of random
# insertions into B-trees of hex blind indexes), as pg_restore does.
BIG = (m.Home, m.Person, m.HomeShare)


def restore_file() -> Path:
    from django.conf import settings

    name = str(connection.settings_dict["NAME"]).replace("/", "_")
    return Path(settings.VAR_DIR) / f"synth-restore-{name}.sql"


class DeferredIndexes:
    """Drops the big tables' secondary indexes and constraints (not the primary keys) and puts
    them back from their own definitions (``pg_get_indexdef`` / ``pg_get_constraintdef``). The
    statements to put them back are written to a file first, so a run that is killed half-way is
    repaired by the next one (``repair``)."""

    def __init__(self):
        self.statements: list[str] = []

    @staticmethod
    def repair(out=None) -> None:
        path = restore_file()
        if connection.vendor != "postgresql" or not path.exists():
            return
        if out is not None:
            out.write(f"Restoring indexes and constraints an interrupted run left out ({path}) …\n")
        with connection.cursor() as cursor:
            for sql in path.read_text().split(";\n"):
                if sql.strip():
                    try:
                        with transaction.atomic():
                            cursor.execute(sql)
                    except Exception:  # noqa: S110 - already there
                        pass
        path.unlink()

    def drop(self) -> None:
        if connection.vendor != "postgresql":
            return
        drops, creates = [], []
        with connection.cursor() as cursor:
            for model in BIG:
                table = model._meta.db_table
                cursor.execute(
                    """SELECT c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c
                       WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u') ORDER BY c.contype DESC""",
                    [table])
                owned = set()
                for name, definition, _kind in cursor.fetchall():
                    drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    creates.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                    owned.add(name)
                cursor.execute(
                    """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = %s::regclass AND NOT x.indisprimary""", [table])
                for name, definition in cursor.fetchall():
                    if name not in owned:
                        drops.append(f'DROP INDEX "{name}"')
                        creates.insert(0, definition)
        # unique constraints and plain indexes first, foreign keys last (they validate in one pass)
        creates.sort(key=lambda sql: "FOREIGN KEY" in sql)
        self.statements = creates
        restore_file().parent.mkdir(parents=True, exist_ok=True)
        restore_file().write_text(";\n".join(creates) + ";\n")
        with connection.cursor() as cursor:
            # deferred checks still queued in this transaction (only inside an outer one, as in
            # tests) must run before the tables can be altered
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in drops:
                cursor.execute(sql)

    def restore(self, out=None) -> float:
        if not self.statements:
            return 0.0
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in self.statements:
                cursor.execute(sql)
        restore_file().unlink(missing_ok=True)
        self.statements = []
        return time.perf_counter() - started


def wipe() -> None:
    """Remove the whole registry (and the organisations standing for its bodies)."""
    from fangguan.accounts.models import Membership, Organisation

    linked = Organisation.objects.filter(
        Q(town__isnull=False) | Q(neighbourhood__isnull=False) | Q(company__isnull=False)
        | Q(owners_committee__isnull=False)
    )
    Membership.objects.filter(organisation__in=linked).delete()
    linked.delete()
    m.Person.objects.filter(user__isnull=False).update(user=None)
    # DELETE, not TRUNCATE: TRUNCATE would cascade to every table referring to the registry
    # (all organisations, memberships). For a large registry, a fresh database is faster.
    tables = [model._meta.db_table for model in [*dependents(), *reversed(MODELS)]]
    # ledgers and ballots hanging from the registry are append-only: a wiped registry takes them too
    with append_only_lifted(connection, tables), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def dependents() -> list[type[models.Model]]:
    """Other modules' tables that hang from the registry (repair requests, development records,
    and whatever hangs from those), the furthest first: they go with the registry they refer to."""
    from django.apps import apps

    registry = set(MODELS)
    depth: dict[type[models.Model], int] = {}
    candidates = [model for model in apps.get_models(include_auto_created=True)
                  if model not in registry and model._meta.app_label not in ("accounts", "core")]
    for _ in range(len(candidates) + 1):  # bounded: a cycle between modules cannot loop forever
        changed = False
        for model in candidates:
            targets = [f.related_model for f in model._meta.concrete_fields
                       if (f.many_to_one or f.one_to_one) and f.related_model is not model]
            level = max([0 if t in registry else depth[t] for t in targets if t in registry or t in depth]
                        or [-1]) + 1
            if level > 0 and level > depth.get(model, 0):
                depth[model], changed = level, True
        if not changed:
            break
    return sorted(depth, key=lambda model: -depth[model])


# --- Personal data, as Person.set_id_number / set_phone store it ----------------------------------


# Shanghai's urban districts whose codes were in use for every birth year generated (1940–2002):
# stdnum checks the place of birth against the year.
REGIONS = ["310101", "310103", "310104", "310105", "310106", "310107", "310108", "310109", "310110"]
BIRTH_START = dt.date(1940, 1, 1)
BIRTH_DAYS = (dt.date(2002, 12, 31) - BIRTH_START).days + 1


@lru_cache(maxsize=1)
def _birthdays() -> list[str]:
    return [f"{BIRTH_START + dt.timedelta(days=d):%Y%m%d}" for d in range(BIRTH_DAYS)]


@lru_cache(maxsize=1)
def given_names() -> list[str]:
    """400 given names from the demo's characters: few enough that each full name's pinyin is
    computed once, many enough that names repeat as they do in a city."""
    rng = random.Random(7)
    names = sorted({(rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""))[:2] for _ in range(600)})
    return names[:400]


def id_number_for(seq: int) -> str:
    """A valid resident ID, unique per sequence number (region, birth day, serial), spread so
    neighbours in the sequence do not share a birth day."""
    region = REGIONS[seq % len(REGIONS)]
    rest = seq // len(REGIONS)
    day = (rest * 7919) % BIRTH_DAYS
    serial = rest // BIRTH_DAYS
    body = f"{region}{_birthdays()[day]}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum computes it over the first 17


def phone_for(seq: int) -> str:
    """A mobile number unique per sequence number (a permutation of 8 digits per prefix)."""
    prefix = MOBILE_PREFIXES[seq % len(MOBILE_PREFIXES)]
    return prefix + f"{(seq // len(MOBILE_PREFIXES) * 48271 + 12345) % 100_000_000:08d}"


def credit_code_for(serial: int) -> str:
    body = f"91310000{serial:08d}X"
    return body + uscc.calc_check_digit(body)


# --- The generator ----------------------------------------------------------------------------


@dataclass
class Report:
    estates: int
    seed: int
    seconds: float = 0.0
    index_seconds: float = 0.0  # building the big tables' indexes and constraints at the end
    rows: dict[str, int] = field(default_factory=dict)
    write_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _d(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class Synth:
    """Generates the registry estate by estate; see the module docstring for the proportions."""

    def __init__(self, estates: int, seed: int = 1, out=None):
        self.n, self.seed, self.out = estates, seed, out
        self.rng = random.Random(seed)
        self.w = TableWriter()
        self.ids = {model: first - 1 for model, first in self.w.first_ids().items()}
        self.person_seq = 0
        self.index_seconds = 0.0
        self.given = given_names()
        self.pinyin: dict[str, str] = {}  # pinyin_key of each name, computed once (lru_cache is too small)

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def say(self, msg: str) -> None:
        if self.out is not None:
            self.out.write(msg + "\n")
            self.out.flush()

    def run(self) -> Report:
        started = time.perf_counter()
        deferred = DeferredIndexes()
        if self.w.pg:  # synthetic data: losing the last commits in a crash costs a re-run, no more
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
        with audit_context(cause="synth"):
            with transaction.atomic():
                deferred.drop()
            try:
                self.generate_all(started)
            finally:
                with transaction.atomic():
                    self.index_seconds = deferred.restore()
            with transaction.atomic():
                self.w.reset_sequences(self.ids)
                for model in MODELS:
                    log_bulk_create(actor=system_actor(), model=model, count=self.w.rows[model],
                                    note=f"synth --estates {self.n} --seed {self.seed}")
            analyze()
        report = Report(estates=self.n, seed=self.seed, seconds=time.perf_counter() - started,
                        index_seconds=self.index_seconds)
        for model in MODELS:
            report.rows[model._meta.db_table] = self.w.rows[model]
            report.write_seconds[model._meta.db_table] = self.w.seconds[model]
        return report

    def generate_all(self, started: float) -> None:
        with transaction.atomic():
            self.places_and_companies()
            self.w.flush()
        for start in range(0, self.n, CHUNK_ESTATES):
            with transaction.atomic():
                for index in range(start, min(self.n, start + CHUNK_ESTATES)):
                    self.estate(index)
                self.w.flush()
            done = min(self.n, start + CHUNK_ESTATES)
            if done % (CHUNK_ESTATES * 40) == 0 or done == self.n:
                elapsed = time.perf_counter() - started
                self.say(f"  {done:,} / {self.n:,} estates, {self.ids[m.Home]:,} homes, "
                         f"{sum(self.w.rows.values()) / elapsed:,.0f} rows/s")

    # --- Towns, neighbourhood committees, companies --------------------------------------------

    def places_and_companies(self) -> None:
        rng, w, now = self.rng, self.w, self.w.now
        n_towns = max(1, round(self.n / ESTATES_PER_TOWN))
        self.towns: list[int] = []
        for i in range(n_towns):
            pk = self.next_id(m.Town)
            kind = TownKind.SUBDISTRICT if i % 3 == 0 else TownKind.TOWN
            w.add(m.Town, (pk, now, now, f"{PREFIX}{i + 1:06d}", f"合成{i + 1}{'街道' if kind == TownKind.SUBDISTRICT else '镇'}",
                           kind, i))
            self.towns.append(pk)
        n_ncs = max(n_towns, round(self.n / ESTATES_PER_NEIGHBOURHOOD))
        self.ncs_by_town: dict[int, list[int]] = {t: [] for t in self.towns}
        for j in range(n_ncs):
            pk = self.next_id(m.Neighbourhood)
            town = self.towns[j * n_towns // n_ncs]
            since = _date(rng, dt.date(2016, 1, 1), dt.date(2025, 6, 30)) if rng.random() < 0.35 else None
            w.add(m.Neighbourhood, (pk, now, now, town, f"{PREFIX}N{j + 1:07d}", f"合成第{j + 1}居委会", since, None))
            self.ncs_by_town[town].append(pk)
        n_companies = max(3, self.n // ESTATES_PER_COMPANY)
        for k in range(n_companies):
            pk = self.next_id(m.Company)
            name = f"上海{rng.choice(COMPANY_HEADS)}{rng.choice(COMPANY_HEADS)}{k + 1}{rng.choice(COMPANY_TAILS)}"
            filed = _date(rng, dt.date(2016, 3, 1), dt.date(2025, 10, 31)) if rng.random() < 0.85 else None
            w.add(m.Company, (pk, now, now, name, pinyin_key(name), credit_code_for(k + 1), False, filed, None,
                              rng.choice(["", "一级", "二级", "三级"]), f"上海市合成路{k + 1}号",
                              f"021-5{rng.randint(1000000, 9999999)}"))
        self.companies = (self.ids[m.Company] - n_companies + 1, self.ids[m.Company])

    # --- One estate and everything in it -------------------------------------------------------

    def estate(self, index: int) -> None:
        rng, w, now = self.rng, self.w, self.w.now
        town_index = index * len(self.towns) // self.n
        town = self.towns[town_index]
        ncs = self.ncs_by_town[town]
        nc = ncs[rng.randrange(len(ncs))] if ncs and rng.random() < 0.95 else None
        homes_target = int(rng.triangular(100, 1500, 245))  # mean (100 + 1500 + 245) / 3 = 615
        delivered = _date(rng, dt.date(1980, 1, 1), dt.date(2025, 12, 31))
        removed = _date(rng, delivered + dt.timedelta(days=400), REFERENCE_DAY) if rng.random() < 0.005 and \
            delivered < dt.date(2020, 1, 1) else None
        etype = rng.choices(
            [EstateType.COMMERCIAL, EstateType.SOLD_PUBLIC, EstateType.DIRECT_PUBLIC, EstateType.AFFORDABLE,
             EstateType.RESETTLEMENT, EstateType.RURAL, EstateType.MIXED],
            [50, 25, 3, 6, 10, 3, 3])[0]
        high_share = 0.0 if delivered.year < 1995 else (0.5 if delivered.year < 2010 else 0.8)
        name = f"{rng.choice(NAME_HEADS)}{rng.choice(NAME_TAILS)}"
        if rng.random() < 0.3:
            name += f"{rng.randint(2, 5)}期"
        code = f"{PREFIX}{index + 1:08d}"
        estate = self.next_id(m.Estate)
        n_areas = 2 if rng.random() < 0.15 else 1
        areas = []
        for k in range(n_areas):
            area = self.next_id(m.ManagementArea)
            established = delivered + dt.timedelta(days=rng.randint(0, 120))
            w.add(m.ManagementArea, (area, now, now, estate, f"{code}-{k + 1}", f"{name}{'' if n_areas == 1 else f'{k + 1}区'}",
                                     established))
            areas.append((area, f"{name}{'' if n_areas == 1 else f'{k + 1}区'}"))

        # Buildings and homes
        building_no = 0
        homes_made = 0
        floor_area = Decimal("0")
        high_any = False
        home_rows: list[tuple[int, int]] = []  # (home id, building's area)
        while homes_made < homes_target:
            building_no += 1
            high = rng.random() < high_share
            high_any |= high
            floors = rng.randint(11, 33) if high else rng.randint(5, 7)
            units = rng.randint(1, 2) if high else rng.randint(2, 4)
            per_floor = rng.choice([2, 2, 3, 4]) if high else 2
            left = homes_target - homes_made
            if floors * units * per_floor > left:
                floors = max(1, left // (units * per_floor))
            size = rng.uniform(85, 140) if high else rng.uniform(50, 95)
            b_area = Decimal(f"{size * 1.2 * floors * units * per_floor:.2f}")
            floor_area += b_area
            building = self.next_id(m.Building)
            area_id = areas[(building_no - 1) % n_areas][0]
            structure = Structure.SHEAR_WALL if high else (Structure.BRICK_CONCRETE if delivered.year < 2000 else Structure.FRAME)
            w.add(m.Building, (building, now, now, estate, area_id, f"{building_no}号", floors, units, structure,
                               delivered.year - (1 if rng.random() < 0.5 else 0), high, b_area))
            for floor in range(1, floors + 1):
                for unit in range(1, units + 1):
                    for k in range(1, per_floor + 1):
                        home = self.next_id(m.Home)
                        w.add(m.Home, (home, now, now, building, str(unit), f"{unit}{floor:02d}{k:02d}", floor,
                                       _d(size * rng.uniform(0.76, 0.86)),
                                       HomeUse.RESIDENTIAL, ""))
                        home_rows.append((home, area_id))
                        homes_made += 1
        w.add(m.Estate, (
            estate, now, now, code, name, pinyin_key(name), f"上海市合成{town_index + 1}路{index + 1}号", town, nc, etype, delivered,
            removed, _d(float(floor_area) * rng.uniform(0.3, 0.6)), floor_area,
            Decimal(f"{rng.uniform(30.70, 31.50):.6f}"), Decimal(f"{rng.uniform(121.00, 121.90):.6f}"),
            rng.random() < 0.9, rng.random() < 0.8, f"021-6{rng.randint(1000000, 9999999)}", f"{name}物业管理处",
            None,  # the developer: synthetic estates hold no developer records
        ))

        # Owners and tenants
        tenant = etype == EstateType.DIRECT_PUBLIC
        for home, _area in home_rows:
            since = _date(rng, delivered, REFERENCE_DAY) if rng.random() < 0.3 else delivered
            if not tenant and rng.random() < 0.2:
                for _ in range(2):
                    self.share(home, self.person(), ShareKind.OWNER, Decimal("50.00"), since)
            else:
                self.share(home, self.person(), ShareKind.PUBLIC_TENANT if tenant else ShareKind.OWNER,
                           Decimal("100.00"), since)

        # Contracts and owners' committees, per management area
        for area, area_name in areas:
            self.contracts_and_committee(area, area_name, delivered, nc)

        # Facilities and assessments
        def facility(kind, location, quantity, installed, building=None):
            w.add(m.Facility, (self.next_id(m.Facility), now, now, estate, building, kind, location, quantity,
                               installed, None, "in_service"))

        facility(FacilityKind.SECONDARY_WATER, "水泵房", 1, delivered)
        if rng.random() < 0.8:
            facility(FacilityKind.EBIKE_CHARGING, "小区集中充电棚", rng.randint(1, 4),
                     max(delivered, _date(rng, dt.date(2018, 3, 1), dt.date(2025, 11, 30))))
        if rng.random() < 0.7:
            facility(FacilityKind.CCTV, "小区出入口及主干道", rng.randint(8, 60),
                     max(delivered, _date(rng, dt.date(2012, 1, 1), dt.date(2024, 1, 1))))
        if rng.random() < 0.5:
            facility(FacilityKind.PARCEL_LOCKER, "小区出入口", rng.randint(1, 6),
                     max(delivered, _date(rng, dt.date(2016, 1, 1), dt.date(2025, 1, 1))))
        if high_any:
            facility(FacilityKind.ELEVATOR, "高层住宅", rng.randint(2, 40), delivered)
        if rng.random() < 0.85 and delivered < dt.date(2021, 1, 1):
            passed = max(delivered + dt.timedelta(days=30), _date(rng, dt.date(2018, 4, 1), dt.date(2024, 12, 31)))
            w.add(m.Assessment, (self.next_id(m.Assessment), now, now, estate, AssessmentKind.MEILI_STANDARD, passed,
                                 None, Decimal(f"{rng.uniform(80, 98):.1f}")))
            if rng.random() < 0.12:
                w.add(m.Assessment, (self.next_id(m.Assessment), now, now, estate, AssessmentKind.MEILI_MODEL,
                                     passed + dt.timedelta(days=rng.randint(200, 700)), None,
                                     Decimal(f"{rng.uniform(90, 99):.1f}")))

    def person(self) -> int:
        rng, now = self.rng, self.w.now
        self.person_seq += 1
        seq = self.person_seq
        pk = self.next_id(m.Person)
        id_type = IdType.RESIDENT_ID
        id_number = id_number_for(seq)
        if rng.random() < 0.015:  # a few owners hold other documents
            id_type = rng.choice([IdType.PASSPORT, IdType.HK_MACAU_PERMIT])
            id_number = f"E{seq:08d}" if id_type == IdType.PASSPORT else f"{rng.choice('HM')}{seq:08d}"
        name = rng.choice(SURNAMES) + rng.choice(self.given)
        pinyin = self.pinyin.get(name)
        if pinyin is None:
            pinyin = self.pinyin[name] = pinyin_key(name)
        id_cols = m.stored_id_number(normalise(id_number))
        phone_cols = m.stored_phone(phone_for(seq)) if rng.random() < 0.9 else ("", "", "")
        self.w.add(m.Person, (pk, now, now, PersonKind.NATURAL, name, pinyin, id_type, *id_cols, False,
                              *phone_cols, "", None))
        return pk

    def share(self, home: int, person: int, kind: str, percent: Decimal, since: dt.date) -> None:
        now = self.w.now
        self.w.add(m.HomeShare, (self.next_id(m.HomeShare), now, now, home, person, kind, percent, since, None))

    def contracts_and_committee(self, area: int, area_name: str, delivered: dt.date, nc: int | None) -> None:
        rng, w, now = self.rng, self.w, self.w.now

        def contract(company, kind, start, end):
            w.add(m.Contract, (self.next_id(m.Contract), now, now, area, company, kind, start, end, None,
                               _d(rng.uniform(1.8, 3.5)), _d(rng.uniform(0.6, 1.8)), None))

        company = rng.randint(*self.companies)
        has_committee = delivered <= dt.date(2023, 6, 30) and rng.random() < 0.7
        if not has_committee:
            contract(company, ContractKind.PRELIMINARY, delivered, None)
            return
        founded = _date(rng, delivered + dt.timedelta(days=365), max(delivered + dt.timedelta(days=365), dt.date(2024, 6, 30)))
        formal = max(founded + dt.timedelta(days=rng.randint(30, 80)), dt.date(2017, 1, 1) + dt.timedelta(days=rng.randint(0, 365)))
        contract(company, ContractKind.PRELIMINARY, delivered, formal - dt.timedelta(days=1))
        start = formal
        while start <= REFERENCE_DAY:
            end = dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1)
            if rng.random() < 0.2:
                company = rng.randint(*self.companies)
            contract(company, ContractKind.FORMAL, start, end)
            start = end + dt.timedelta(days=1)
        committee = self.next_id(m.OwnersCommittee)
        term_start = founded
        while dt.date(term_start.year + 5, term_start.month, 1) <= REFERENCE_DAY:
            term_start = dt.date(term_start.year + 5, term_start.month, 1)
        term_end = dt.date(term_start.year + 5, term_start.month, 1) - dt.timedelta(days=1)
        party = _date(rng, max(founded, dt.date(2017, 7, 1)), REFERENCE_DAY) if rng.random() < 0.6 else None
        w.add(m.OwnersCommittee, (committee, now, now, area, f"{area_name}业主委员会", founded, founded, term_start,
                                  term_end, None, party))
        for seat in range(rng.randint(5, 7)):
            role = CommitteeRole.CHAIR if seat == 0 else (CommitteeRole.VICE_CHAIR if seat == 1 else CommitteeRole.MEMBER)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            overlap = nc if (nc is not None and seat == 2 and rng.random() < 0.25) else None
            w.add(m.CommitteeMember, (self.next_id(m.CommitteeMember), now, now, committee, None, name, role,
                                      term_start, None, overlap))
        for kind, title in ((DocumentKind.RULES, "业主大会议事规则"), (DocumentKind.COVENANT, "管理规约")):
            w.add(m.CommitteeDocument, (self.next_id(m.CommitteeDocument), now, now, committee, kind,
                                        f"{area_name}{title}", founded, ""))


def generate(estates: int, *, seed: int = 1, force: bool = False, out=None) -> Report:
    """Check, wipe and generate. Raises SynthRefused before touching anything if the database
    holds real records (without ``force``) or the size will not fit on the disk."""
    if estates < 1:
        raise SynthRefused("Ask for at least one estate.")
    found = real_records()
    if found and not force:
        raise SynthRefused(
            "The database holds records that are not synthetic (" + ", ".join(found) + "). synth replaces "
            "the whole registry: run it against a benchmark database, or pass --force to replace them."
        )
    check_disk(estates)
    DeferredIndexes.repair(out)
    with transaction.atomic():
        wipe()
    return Synth(estates, seed=seed, out=out).run()
