"""Restore a backup archive into an empty database, then prove it: record counts against the
manifest and the audit hash chain (verify_audit)."""

import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fangguan.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore ARCHIVE into the (empty) configured database and MEDIA_ROOT, then verify it."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        try:
            result = restore(archive, verify=True)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        for problem in result.problems:
            self.stderr.write(f"PROBLEM {problem}")
        if result.problems:
            sys.exit(1)
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(
            f"restored {manifest['records']} records in {len(manifest['tables'])} tables (counts match the "
            f"manifest) and {len(manifest['files'])} files in {result.seconds:.1f} s; audit chain intact")
