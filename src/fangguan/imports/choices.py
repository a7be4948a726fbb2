"""Import job statuses and modes, with the allowed status changes in one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import status", "queued")
    RUNNING = "running", pgettext_lazy("import status", "running")
    SUCCEEDED = "succeeded", pgettext_lazy("import status", "succeeded")
    FAILED = "failed", pgettext_lazy("import status", "failed")


# The only status changes a job may make (tests walk every pair). A file that cannot be read at
# all fails before it runs; a finished job never changes again.
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
}
FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


class Mode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("all rows or none")
    VALID_ROWS = "valid_rows", _("the valid rows")
