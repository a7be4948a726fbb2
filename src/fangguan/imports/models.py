"""An import job: one uploaded file of one kind, checked (dry run) or applied, in the background.

The job keeps what a user needs to come back to it: status and progress, the counts of rows
created / updated / unchanged / failed, every problem as row / column / message (the first
``IMPORT_ERRORS_KEPT``; the error sheet holds all failed rows), and the normalisations made.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.scopes import ScopedQuerySet

from .choices import JobStatus, Mode


def max_upload_bytes() -> int:
    """The size limit of an uploaded file: the ``IMPORT_MAX_BYTES`` setting, else the
    ``FANGGUAN_IMPORT_MAX_BYTES`` environment variable, else 20 MB."""
    return int(getattr(settings, "IMPORT_MAX_BYTES", 0) or os.environ.get("FANGGUAN_IMPORT_MAX_BYTES") or 20 * 1024 * 1024)


def errors_kept() -> int:
    return int(getattr(settings, "IMPORT_ERRORS_KEPT", 0) or 1000)


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(pgettext_lazy("import job", "started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    dry_run = models.BooleanField(_("dry run"), default=True)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    source = models.ForeignKey(
        "self", verbose_name=_("checked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(pgettext_lazy("import rows", "created"), default=0)
    updated = models.PositiveIntegerField(pgettext_lazy("import rows", "updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    flagged = models.PositiveIntegerField(_("flagged for review"), default=0)
    applied = models.BooleanField(_("written"), default=False)
    errors = models.JSONField(_("problems"), default=list, blank=True)
    errors_total = models.PositiveIntegerField(_("problems in all"), default=0)
    notes = models.JSONField(_("normalisations"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    error_sheet = models.FileField(_("error sheet"), upload_to="imports/%Y/%m/", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.filename}"

    @property
    def cause(self) -> str:
        """What the change log names as the cause of every record this job writes."""
        return f"import:{self.pk}"

    @property
    def finished(self) -> bool:
        from .choices import FINISHED

        return self.status in FINISHED

    @property
    def file_format(self) -> str:
        return "xlsx" if self.filename.lower().endswith(".xlsx") else "csv"
