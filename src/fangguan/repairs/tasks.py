"""The repair clock in the background worker: every minute, at the worker's now."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangguan.core.context import audit_context

from .services import tick


@db_periodic_task(crontab(minute="*"))
def repairs_tick() -> None:
    with audit_context(cause="repairs_tick"):
        tick()
