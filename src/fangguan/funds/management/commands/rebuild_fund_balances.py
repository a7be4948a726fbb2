"""Recompute the fund's stored month balances (``funds.periods``) from the ledger's entries: for
data written before the balances existed, or after a bulk load that bypassed ``ledger.post``."""

from django.core.management.base import BaseCommand

from fangguan.funds import periods


class Command(BaseCommand):
    help = "Recompute the maintenance fund's stored month balances from the ledger entries."

    def handle(self, *args, **options):
        cells = periods.rebuild()
        self.stdout.write(f"{cells} month balances written")
