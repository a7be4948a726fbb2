"""Issue a client system's Open311 key: long-lived, read only, acting as an account whose scope it
reads (e.g. the town office's account for a town's dashboard). The key is printed once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fangguan.accounts.services import open311_key_issue


class Command(BaseCommand):
    help = "Issue a read-only Open311 key for a client system (printed once; revoke it like any token)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the account the key acts as (its scope is what the key reads)")
        parser.add_argument("--client", required=True, help="the client system that holds the key, e.g. 市12345平台")
        parser.add_argument("--days", type=int, default=365)

    def handle(self, *args, user, client, days, **options):
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no account {user!r}") from None
        try:
            key, token = open311_key_issue(actor=None, user=account, client=client, days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from None
        self.stdout.write(f"{key}\n")
        self.stderr.write(f"key {token.prefix}… for {token.client}, acting as {account.username}, "
                          f"read-only Open311, expires {token.expires_at:%Y-%m-%d}; shown once\n")
