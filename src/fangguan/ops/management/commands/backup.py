"""Back up the database, the uploaded files and the key ring's public metadata into one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangguan.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a backup archive (database + uploaded files + manifest) into --to or FANGGUAN_BACKUP_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="folder to write the archive into")

    def handle(self, *args, to=None, **options):
        try:
            result = backup(to=to)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"{result.path}: {manifest['records']} records in {len(manifest['tables'])} tables, "
            f"{len(manifest['files'])} files, {result.path.stat().st_size} bytes, {result.seconds:.1f} s")
