"""Periodic work of the core: sealing the audit tables into their hash chain every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sealing import SEALED, seal_pending


@db_periodic_task(crontab(minute="*"))
def seal_audit_tables() -> None:
    for table in SEALED:
        seal_pending(table)
