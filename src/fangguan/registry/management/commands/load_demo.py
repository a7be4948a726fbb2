"""Load the generated Jinshan demo (see fangguan.registry.demo)."""

import time

from django.core.management.base import BaseCommand, CommandError

from fangguan.demo import load_all
from fangguan.registry.demo import SEED
from fangguan.registry.models import Estate


class Command(BaseCommand):
    help = "Load the deterministic Jinshan demo registry and demo accounts into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--homes", choices=["full", "sample", "none"], default="full",
                            help="build homes and owners for every estate (full, default), a few (sample) or none")
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the registry holds estates")

    def handle(self, *args, homes, seed, if_empty, **options):
        if Estate.objects.exists():
            if if_empty:
                self.stdout.write("The registry already holds data: demo not loaded.")
                return
            raise CommandError("The registry already holds data; the demo loads only into an empty database.")
        started = time.monotonic()
        self.stdout.write(f"Loading the Jinshan demo (homes: {homes}, seed {seed}) …")
        counts = load_all(homes=homes, seed=seed, out=self.stdout)
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {time.monotonic() - started:.1f} s: {summary}"))
