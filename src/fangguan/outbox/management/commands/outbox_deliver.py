"""Deliver the outbox's due events now (what the worker does every minute)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangguan.outbox.services import deliver_due


def _instant(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not an ISO-8601 instant: {value}") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Send due outbox deliveries; --now sends every pending one regardless of its back-off."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="do not wait for back-off: try every pending delivery")
        parser.add_argument("--at", type=_instant, help="the instant to run for (ISO-8601), default the clock")

    def handle(self, *args, now, at, **options):
        report = deliver_due(now=at, everything=now)
        for line in report.errors:
            self.stderr.write(line)
        self.stdout.write(f"delivered {report.delivered}, failed {report.failed}")
