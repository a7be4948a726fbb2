"""The fund's clock in the background worker, as the system actor: every few minutes the
applications whose owners' vote has closed take its decision; every night the re-collection
clock runs (cases opened, decided, owners notified, closed)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangguan.core.context import audit_context

from .services import decide_due, recollection_tick


@db_periodic_task(crontab(minute="*/5"))
def funds_decide_due() -> None:
    with audit_context(cause="funds_decide"):
        decide_due()


@db_periodic_task(crontab(hour="1", minute="30"))
def funds_recollection_tick() -> None:
    with audit_context(cause="funds_recollection"):
        recollection_tick()
