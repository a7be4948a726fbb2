"""Background work: running an import job (huey; eager under tests), and failing the jobs of a
worker that died — every minute and whenever a worker starts."""

from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, db_task, on_startup


@db_task()
def run_import_task(job_id: int) -> None:
    from .engine import run_job

    run_job(job_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_stale_uploads() -> None:
    from .services import import_uploads_purge

    import_uploads_purge()


@db_periodic_task(crontab(minute="*"))
def reap_stale_imports() -> None:
    from .services import import_jobs_reap

    import_jobs_reap()


@on_startup("reap_stale_imports")
@close_db
def reap_when_a_worker_starts() -> None:
    from .services import import_jobs_reap

    import_jobs_reap()
