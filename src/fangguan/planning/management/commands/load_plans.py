"""``manage.py load_plans``: create the 十四五 plan with every annex indicator (idempotent)."""

from django.core.management.base import BaseCommand

from fangguan.core.context import audit_context


class Command(BaseCommand):
    help = "Load the 十四五 plan (2021–2025) and its annex indicators, if not there yet."

    def handle(self, *args, **options):
        from fangguan.planning.services import plan_load_fourteenth

        with audit_context(cause="load_plans"):
            plan = plan_load_fourteenth()
        self.stdout.write(f"{plan.code}: {plan.indicators.count()} indicators")
