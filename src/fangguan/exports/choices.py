"""Export job statuses, with the allowed status changes in one table."""

from django.db import models
from django.utils.translation import pgettext_lazy


class ExportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("export status", "queued")
    RUNNING = "running", pgettext_lazy("export status", "running")
    SUCCEEDED = "succeeded", pgettext_lazy("export status", "ready")
    FAILED = "failed", pgettext_lazy("export status", "failed")
    EXPIRED = "expired", pgettext_lazy("export status", "expired")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"


# The only status changes a job may make (tests walk every pair). A ready file expires (it is
# deleted after FANGGUAN_EXPORT_KEEP_DAYS); a failed or expired job never changes again.
TRANSITIONS: dict[str, frozenset[str]] = {
    ExportStatus.QUEUED: frozenset({ExportStatus.RUNNING, ExportStatus.FAILED}),
    ExportStatus.RUNNING: frozenset({ExportStatus.SUCCEEDED, ExportStatus.FAILED}),
    ExportStatus.SUCCEEDED: frozenset({ExportStatus.EXPIRED}),
    ExportStatus.FAILED: frozenset(),
    ExportStatus.EXPIRED: frozenset(),
}
FINISHED = frozenset({ExportStatus.SUCCEEDED, ExportStatus.FAILED, ExportStatus.EXPIRED})
