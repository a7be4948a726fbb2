"""Prove the audit tables intact: exit 0 if every sealed row is as sealed, else exit 1 naming
the first broken row. Works even if someone dropped the append-only triggers."""

import sys

from django.core.management.base import BaseCommand

from fangguan.core.models import AuditSeal
from fangguan.core.sealing import SEALED, verify


class Command(BaseCommand):
    help = "Verify the audit hash chain; non-zero exit status names the first broken row."

    def handle(self, *args, **options):
        broken = []
        for table, model in SEALED.items():
            problems = list(verify(table))
            last = AuditSeal.objects.filter(table=table).order_by("-id").first()
            unsealed = model.objects.filter(pk__gt=last.last_id if last else 0).count()
            if problems:
                broken.append(problems[0])
                for problem in problems[:20]:
                    self.stderr.write(f"BROKEN {problem}")
            else:
                head = last.hash if last else "-"
                self.stdout.write(f"{table}: intact; {unsealed} rows not sealed yet; chain head {head}")
        if broken:
            self.stderr.write(f"first broken row: {broken[0]}")
            sys.exit(1)
