"""``python manage.py vote_verify ID``: recompute a closed vote's electorate digest, figures and
result digest from the stored rows and compare them with the sealed result and with the digest
written into the audit chain. Exit status 1 on any difference (a changed ballot, a changed home
of the electorate, a replaced result)."""

from django.core.management.base import BaseCommand, CommandError

from fangguan.votes.verification import verify


class Command(BaseCommand):
    help = "Recompute a closed vote's result and digests and compare them with the sealed ones."

    def add_arguments(self, parser):
        parser.add_argument("vote", type=int)

    def handle(self, *args, vote, **options):
        report = verify(vote)
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("the recomputed result differs from the sealed one", returncode=1)
        self.stdout.write("OK")
