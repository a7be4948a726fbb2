"""The outbox worker: every minute, deliver what is due (huey; several workers may run)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def deliver_outbox() -> None:
    from .services import deliver_due

    deliver_due()


@db_periodic_task(crontab(minute="41", hour="3"))
def purge_outbox() -> None:
    from .services import purge_delivered

    purge_delivered()
