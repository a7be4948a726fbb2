"""Periodic work of the core: sealing the audit tables into their hash chain every minute;
compacting the data-version log daily."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import dataversion
from .models import DataChange
from .sealing import SEALED, seal_pending


@db_periodic_task(crontab(minute="*"))
def seal_audit_tables() -> None:
    for table in SEALED:
        seal_pending(table)


@db_periodic_task(crontab(minute="23", hour="3"))
def compact_data_versions() -> None:
    for name in DataChange.objects.values_list("name", flat=True).distinct():
        dataversion.compact(name)
