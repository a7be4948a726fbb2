"""``python manage.py repairs_tick [--now ISO-8601]`` — the repair clock at an instant (default
now): auto-close, escalation to the committee and, past the grace period, to the town office.
Idempotent; the background worker runs it every minute (``repairs.tasks``)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fangguan.core.context import audit_context
from fangguan.repairs.deadlines import LOCAL
from fangguan.repairs.services import tick


class Command(BaseCommand):
    help = "Run the repair clock (escalations, auto-close) at an instant; safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the instant, ISO 8601 (Shanghai time if no offset is given)")

    def handle(self, *args, now=None, **options):
        instant = timezone.now()
        if now:
            instant = parse_datetime(now)
            if instant is None:
                raise CommandError(f"not an ISO 8601 date and time: {now!r}")
            if timezone.is_naive(instant):
                instant = instant.replace(tzinfo=LOCAL)
        with audit_context(cause="repairs_tick"):
            counts = tick(instant)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
