"""Print the demo accounts (after load_demo)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from fangguan.registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "List the demo accounts and their password."

    def handle(self, *args, **options):
        existing = set(get_user_model().objects.filter(username__in=[u for u, _ in DEMO_ACCOUNTS])
                       .values_list("username", flat=True))
        if not existing:
            return
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, what in DEMO_ACCOUNTS:
            if username in existing:
                self.stdout.write(f"  {username:<11} {what}")
