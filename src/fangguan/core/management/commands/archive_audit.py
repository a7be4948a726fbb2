"""Export audit rows older than the retention period to a JSON-lines file, then remove them.
Nothing is removed that was not written to the file first."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangguan.core.sealing import SEALED, archive


class Command(BaseCommand):
    help = "Archive sealed audit rows older than --before (and the retention period) to --to DIR."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", required=True, type=Path, help="directory for the archive files")

    def handle(self, *args, before, to, **options):
        if not to.is_dir():
            raise CommandError(f"{to} is not a directory")
        for table in SEALED:
            path = to / f"{table}-before-{before}.jsonl"
            rows = archive(table, before=before, path=path)
            self.stdout.write(f"{table}: {rows} rows archived to {path}" if rows else f"{table}: nothing to archive")
            if not rows and path.exists() and path.stat().st_size == 0:
                path.unlink()
