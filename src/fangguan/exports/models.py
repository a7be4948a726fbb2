"""An export job: one list (or report), with the filters as the user gave them, written to a file
in the background because it is too big to answer within a request.

The job keeps what its owner needs to come back to it — status, rows done of rows in all, the
file, its size and when it expires — and, for a failed job, the reason. The filters are stored as
given (not the rows): the worker reads the list again as the owner, through the list's own scope,
so the file holds exactly what the owner could see when it ran.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.scopes import ScopedQuerySet

from .choices import FINISHED, ExportFormat, ExportStatus


def background_threshold() -> int:
    """Exports of more rows than this are jobs (``FANGGUAN_EXPORT_BACKGROUND_ROWS``)."""
    return int(getattr(settings, "FANGGUAN_EXPORT_BACKGROUND_ROWS", 5000))


def keep_days() -> int:
    return int(getattr(settings, "FANGGUAN_EXPORT_KEEP_DAYS", 7))


def stale_seconds() -> int:
    return int(getattr(settings, "FANGGUAN_EXPORT_STALE_SECONDS", 300))


class ExportJob(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+")
    source = models.CharField(_("list"), max_length=64)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    ordering = models.CharField(_("ordering"), max_length=64, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    unmasked = models.BooleanField(_("personal data in clear"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    created_at = models.DateTimeField(pgettext_lazy("export job", "asked for"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True, db_index=True)
    error = models.TextField(_("reason"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="exports_owner_created")]

    def __str__(self) -> str:
        return f"{self.source} · {self.format} · {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def ready(self) -> bool:
        return self.status == ExportStatus.SUCCEEDED and bool(self.file)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
