"""Upgrades must not lock the big tables: an index on one of them is built with
``AddIndexConcurrently`` (django.contrib.postgres.operations, ``CREATE INDEX CONCURRENTLY``) in a
migration with ``atomic = False`` — a plain ``CREATE INDEX`` holds a lock that stops every write
to the table while it builds, minutes on a district's millions of rows.

The test walks every operation of every migration of the project (Django's own loader, not our
code) and fails on anything that builds an index on a large table another way: ``AddIndex``,
a field added or altered with an index (``db_index``, ``unique``, a foreign key), a unique
constraint or ``unique_together``/``index_together``, or raw SQL with ``CREATE INDEX`` without
``CONCURRENTLY``. ``SHIPPED`` lists the ones already released while their tables were empty
(written when each table was created, before the first installation held data); each entry must
still exist, so the list cannot rot, and nothing may be added to it.
"""

from __future__ import annotations

import re

from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

# The tables that grow with the district: every home, person and share, every repair and its
# events, every fund entry, every change and security log row, every outbox event.
LARGE = {
    ("registry", "home"), ("registry", "person"), ("registry", "homeshare"), ("registry", "building"),
    ("repairs", "repairrequest"), ("repairs", "repairevent"), ("repairs", "photo"), ("repairs", "escalation"),
    ("funds", "entry"), ("funds", "posting"),
    ("core", "changelog"), ("core", "securityevent"), ("core", "securityeventsubject"), ("core", "datachange"),
    ("outbox", "outboxevent"), ("outbox", "delivery"), ("outbox", "deliveryattempt"),
    ("votes", "ballot"), ("votes", "voter"), ("votes", "electorhome"),
}

# (app, migration, operation description): shipped before any installation held data (the tables
# were empty when they ran); a new one is never added here.
SHIPPED: set[tuple[str, str, str]] = {
    ("core", "0003_login_security", "Create index securityevent_account on field(s) action, actor_name, -at of model securityevent"),
    ("core", "0003_login_security", "Create index securityevent_address on field(s) action, source_ip, -at of model securityevent"),
    ("repairs", "0002_status_completed_index", "Create index repairs_status_completed on field(s) status, completed_at of model repairrequest"),
    ("repairs", "0003_working_indexes", "Create index repairs_working_due on field(s) complete_due_at, id of model repairrequest"),
    ("repairs", "0003_working_indexes", "Create index repairs_working_response on field(s) response_due_at of model repairrequest"),
    ("repairs", "0005_figures_cells", "Create index repairs_unresponded on field(s) response_due_at of model repairrequest"),
    ("repairs", "0005_figures_cells", "Create index repairs_uncompleted on field(s) complete_due_at of model repairrequest"),
}

CREATE_INDEX = re.compile(r"create\s+(unique\s+)?index\s+(?!concurrently)", re.I)


def _indexed(field) -> bool:
    return bool(getattr(field, "db_index", False) or getattr(field, "unique", False)
                or isinstance(field, models.ForeignKey) and field.db_index)


def _large_tables() -> set[str]:
    from django.apps import apps

    tables = set()
    for app_label, model_name in LARGE:
        try:
            tables.add(apps.get_model(app_label, model_name)._meta.db_table)
        except LookupError:
            continue
    return tables


def offences(on_disk: dict | None = None) -> list[tuple[str, str, str]]:
    """Every operation that builds an index on a large table without CONCURRENTLY."""
    from django.contrib.postgres.operations import AddIndexConcurrently

    if on_disk is None:
        on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    tables = _large_tables()
    found = []
    for (app, name), migration in sorted(on_disk.items()):
        if not type(migration).__module__.startswith("fangguan."):
            continue
        # a table created by this same migration is empty while its indexes are built: free
        created = {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}
        for op in migration.operations:
            model = (getattr(op, "model_name", None) or getattr(op, "name_lower", None) or "").lower()
            large = (app, model) in LARGE and model not in created
            bad = False
            if isinstance(op, AddIndexConcurrently):
                bad = large and migration.atomic  # CONCURRENTLY cannot run inside a transaction
            elif isinstance(op, migrations.AddIndex):
                bad = large
            elif isinstance(op, migrations.AddField | migrations.AlterField):
                bad = large and _indexed(op.field)
            elif isinstance(op, migrations.AddConstraint):
                bad = large and isinstance(op.constraint, models.UniqueConstraint)
            elif isinstance(op, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
                bad = large and bool(op.option_value)
            elif isinstance(op, migrations.RunSQL):
                sql = op.sql if isinstance(op.sql, str) else " ".join(map(str, op.sql))
                bad = not created and any(re.search(rf"{CREATE_INDEX.pattern}.*?\bon\s+\"?{re.escape(t)}\b", sql, re.I | re.S)
                          for t in tables)
            if bad:
                found.append((app, name, op.describe()))
    return found


def test_no_index_is_built_on_a_large_table_without_concurrently():
    new = [o for o in offences() if o not in SHIPPED]
    assert not new, (
        "an index on a large table must be built with AddIndexConcurrently in a migration with "
        f"atomic = False (docs/operations.md, Upgrades): {new}")


def test_the_shipped_list_holds_only_what_still_exists():
    assert set(offences()) >= SHIPPED


def test_the_check_sees_what_it_must_refuse():
    """The rule applied to hand-made migrations: each forbidden way is found, the allowed one not."""
    from django.contrib.postgres.operations import AddIndexConcurrently

    index = models.Index(fields=["created_at"], name="x_created")
    cases = {
        "plain": (True, [migrations.AddIndex("repairrequest", index)]),
        "field": (True, [migrations.AddField("repairrequest", "x", models.CharField(max_length=3, db_index=True))]),
        "fk": (True, [migrations.AddField("repairrequest", "y", models.ForeignKey("registry.home", models.CASCADE))]),
        "unique": (True, [migrations.AddConstraint("repairrequest", models.UniqueConstraint(fields=["x"], name="u"))]),
        "sql": (True, [migrations.RunSQL('CREATE INDEX x ON "repairs_repairrequest" (x)')]),
        "concurrent-atomic": (True, [AddIndexConcurrently("repairrequest", index)]),
        "concurrent": (False, [AddIndexConcurrently("repairrequest", index)]),
        "sql-concurrent": (False, [migrations.RunSQL('CREATE INDEX CONCURRENTLY x ON "repairs_repairrequest" (x)')]),
        "small-table": (False, [migrations.AddIndex("category", index)]),
        "new-table": (False, [migrations.CreateModel("repairrequest", [("id", models.AutoField(primary_key=True))]),
                              migrations.AddIndex("repairrequest", index)]),
        "plain-field": (False, [migrations.AddField("repairrequest", "z", models.CharField(max_length=3, null=True))]),
    }
    for label, (refused, operations) in cases.items():
        migration = type("Migration", (migrations.Migration,), {
            "__module__": "fangguan.repairs.migrations.9999_probe", "operations": operations,
            "atomic": label != "concurrent"})("9999_probe", "repairs")
        assert bool(offences({("repairs", "9999_probe"): migration})) is refused, label
