"""The votes' clock in the background worker: every minute, close the votes whose window ended
(counting and sealing them) as the system actor."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangguan.core.context import audit_context

from .services import close_due


@db_periodic_task(crontab(minute="*"))
def votes_close_due() -> None:
    with audit_context(cause="votes_close"):
        close_due()
