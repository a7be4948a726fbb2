"""Background work: running an import job (huey; eager under tests)."""

from huey.contrib.djhuey import db_task


@db_task()
def run_import_task(job_id: int) -> None:
    from .engine import run_job

    run_job(job_id)
