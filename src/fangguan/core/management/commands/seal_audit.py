"""Seal audit rows into the hash chain now (the background worker does this every minute)."""

from django.core.management.base import BaseCommand

from fangguan.core.sealing import SEALED, seal_pending


class Command(BaseCommand):
    help = "Seal unsealed audit rows (older than a minute) into the hash chain."

    def handle(self, *args, **options):
        for table in SEALED:
            self.stdout.write(f"{table}: {seal_pending(table)} rows sealed")
