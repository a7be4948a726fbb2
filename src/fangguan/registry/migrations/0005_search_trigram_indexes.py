"""Trigram indexes for the top bar's search (issue 18, ``fangguan.search``) on PostgreSQL: the
names and pinyin keys of people (the big table: millions of rows in a city) and of estates and
companies, so ``name LIKE '%…%'`` is an index search instead of a scan. SQLite has no such
index; its searches scan (the demo's tables are small there).

``pg_trgm`` is a trusted extension (PostgreSQL ≥ 13): the database's owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("registry_person", "name"), ("registry_person", "name_pinyin"),
    ("registry_estate", "name"), ("registry_estate", "name_pinyin"),
    ("registry_company", "name"), ("registry_company", "name_pinyin"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" USING gin ("{column}" gin_trgm_ops)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_estate_developer")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
