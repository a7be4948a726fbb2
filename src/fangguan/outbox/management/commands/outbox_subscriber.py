"""Manage outbox subscribers from the command line (the bureau also has a page)."""

from django.core.management.base import BaseCommand, CommandError

from fangguan.outbox.models import Subscriber
from fangguan.outbox.services import subscriber_create


class Command(BaseCommand):
    help = "List, add or deactivate outbox subscribers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        add = sub.add_parser("add")
        add.add_argument("name")
        add.add_argument("url")
        add.add_argument("--topics", default="*", help="comma-separated patterns, e.g. 'repairs.*,hotline.*'")
        add.add_argument("--secret", default="", help="shared secret (generated and printed if omitted)")
        off = sub.add_parser("deactivate")
        off.add_argument("name")

    def handle(self, *args, action, **options):
        if action == "list":
            for s in Subscriber.objects.order_by("name"):
                pending = s.deliveries.filter(status="pending").count()
                self.stdout.write(f"{s.name}\t{s.url}\t{','.join(s.topics)}\t{'active' if s.active else 'inactive'}\tpending {pending}")
        elif action == "add":
            topics = [t.strip() for t in options["topics"].split(",") if t.strip()]
            subscriber, secret = subscriber_create(None, name=options["name"], url=options["url"], topics=topics,
                                                   secret=options["secret"])
            self.stdout.write(f"added {subscriber.name}; secret: {secret}")
        else:
            updated = Subscriber.objects.filter(name=options["name"]).update(active=False)
            if not updated:
                raise CommandError(f"no subscriber {options['name']}")
            self.stdout.write(f"deactivated {options['name']}")
