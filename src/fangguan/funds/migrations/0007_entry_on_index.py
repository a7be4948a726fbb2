"""The entries' date index (the month balances read the asked month's entries by it), built
without stopping postings: ``CREATE INDEX CONCURRENTLY`` on PostgreSQL, outside a transaction."""

from django.db import migrations, models

from fangguan.core.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("funds", "0006_annual_audit_due"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="entry",
            index=models.Index(fields=["on"], name="entry_on"),
        ),
    ]
