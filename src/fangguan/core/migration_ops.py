"""Migration operations of the project's own."""

from __future__ import annotations

from django.contrib.postgres import operations as postgres
from django.db import migrations


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    """An index on a big table without stopping its writes: ``CREATE INDEX CONCURRENTLY`` on
    PostgreSQL (in a migration with ``atomic = False``; docs/operations.md, Upgrades), a plain
    ``CREATE INDEX`` elsewhere — SQLite, for development and tests, has neither the option nor
    writers to spare."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
