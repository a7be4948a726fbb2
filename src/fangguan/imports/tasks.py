"""Background work: running an import job (huey; eager under tests)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_import_task(job_id: int) -> None:
    from .engine import run_job

    run_job(job_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_stale_uploads() -> None:
    from .services import import_uploads_purge

    import_uploads_purge()
