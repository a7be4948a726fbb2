"""Manage outbox subscribers from the command line (the bureau also has a page)."""

from django.core.management.base import BaseCommand, CommandError

from fangguan.core.actors import system_actor
from fangguan.core.context import audit_context
from fangguan.outbox.models import Subscriber
from fangguan.outbox.services import subscriber_create, subscriber_update


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
        """Writes go through the services as the system actor (cause ``command:outbox_subscriber``)."""
        with audit_context(cause="command:outbox_subscriber"):
            self._handle(action, options)

    def _handle(self, action, options):
        if action == "list":
            for s in Subscriber.objects.order_by("name"):
                pending = s.deliveries.filter(status="pending").count()
                self.stdout.write(f"{s.name}\t{s.url}\t{','.join(s.topics)}\t{'active' if s.active else 'inactive'}\tpending {pending}")
        elif action == "add":
            topics = [t.strip() for t in options["topics"].split(",") if t.strip()]
            subscriber, secret = subscriber_create(system_actor(), name=options["name"], url=options["url"], topics=topics,
                                                   secret=options["secret"])
            self.stdout.write(f"added {subscriber.name}; secret: {secret}")
        else:
            subscriber = Subscriber.objects.filter(name=options["name"]).first()
            if subscriber is None:
                raise CommandError(f"no subscriber {options['name']}")
            subscriber_update(system_actor(), subscriber, active=False)
            self.stdout.write(f"deactivated {options['name']}")
