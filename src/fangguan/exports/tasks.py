"""Background work: running an export job (huey; eager under tests), deleting expired files every
hour, and failing the jobs of a worker that died, every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_export_task(job_id: int) -> None:
    from .services import run_export

    run_export(job_id)


@db_periodic_task(crontab(minute="41"))
def expire_exports() -> None:
    from .services import exports_expire

    exports_expire()


@db_periodic_task(crontab(minute="*"))
def reap_stale_exports() -> None:
    from .services import exports_reap

    exports_reap()
