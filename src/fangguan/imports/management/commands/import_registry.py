"""python manage.py import_registry KIND FILE [--dry-run] [--valid-rows] --user USERNAME

Runs an import in this process, with a progress bar on the terminal, as USERNAME (whose scope
applies, as on the web page); the change log names the job (``import:<id>``) as the cause."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from fangguan.imports.choices import JobStatus, Mode
from fangguan.imports.engine import run_job
from fangguan.imports.services import import_create
from fangguan.imports.specs import all_specs


class Command(BaseCommand):
    help = "Import a registry list (.xlsx or .csv) of one kind."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[s.kind for s in all_specs()])
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--valid-rows", action="store_true", help="write the valid rows even if some fail")
        parser.add_argument("--user", required=True, help="the account the import runs as (its scope applies)")

    def handle(self, *args, kind, file, dry_run, valid_rows, user, **options):
        try:
            actor = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no active user {user!r}") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        mode = Mode.VALID_ROWS if valid_rows else Mode.ALL_OR_NOTHING
        try:
            with path.open("rb") as fh:
                upload = File(fh, name=path.name)
                upload.size = path.stat().st_size
                job = import_create(actor=actor, kind=kind, upload=upload, filename=path.name, dry_run=dry_run,
                                    mode=mode, background=False)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        tty = sys.stderr.isatty()

        def bar(rows: int, percent: int) -> None:
            filled = percent * 30 // 100
            line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%  {rows} rows"
            if tty:
                self.stderr.write(line, ending="")
            elif rows % 10000 == 0:
                self.stderr.write(line.strip())

        job = run_job(job.pk, on_progress=bar)
        if tty:
            self.stderr.write("")
        self.stdout.write(
            f"import {job.pk}: {job.status}{' (dry run)' if job.dry_run else ''}; rows {job.rows_total}: "
            f"created {job.created}, updated {job.updated}, unchanged {job.unchanged}, failed {job.failed}, "
            f"flagged {job.flagged}; written: {'yes' if job.applied else 'no'}"
        )
        for note in job.notes:
            self.stdout.write(f"  normalised 「{note['column']}」: {note['what']} ({note['count']} rows)")
        for error in job.errors[:50]:
            self.stdout.write(f"  row {error['row']} 「{error['column']}」 {error['message']}")
        if job.errors_total > 50:
            self.stdout.write(f"  … {job.errors_total - 50} more problems (see the error sheet: {job.error_sheet.path})")
        if job.status == JobStatus.FAILED:
            raise CommandError("import failed: nothing was written")
