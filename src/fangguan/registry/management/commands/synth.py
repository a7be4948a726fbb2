"""Generate a synthetic city-scale registry for benchmarks (see fangguan.registry.synth)."""

from django.core.management.base import BaseCommand, CommandError

from fangguan.registry import synth


class Command(BaseCommand):
    help = ("Replace the registry with N synthetic estates in Shanghai's proportions (~615 homes each), "
            "deterministic for a seed. Refuses a database holding real records unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--estates", type=int, required=True, help="number of estates (Shanghai: ~13,000)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true",
                            help="replace the registry even if it holds records that are not synthetic")
        parser.add_argument("--if-size", action="store_true",
                            help="do nothing if the database already holds exactly that many synthetic estates")

    def handle(self, *args, estates, seed, force, if_size, **options):
        if if_size and synth.synthetic_estates() == estates and not synth.real_records():
            self.stdout.write(f"The database already holds {estates:,} synthetic estates: nothing to do.")
            return
        needed, free = synth.check_disk(max(estates, 1)) if estates > 0 else (0, None)
        where = f"{free / 1e9:,.1f} GB free" if free is not None else "free space unknown (not checked)"
        self.stdout.write(f"Generating {estates:,} estates (seed {seed}): about {needed / 1e9:,.2f} GB needed, {where}.")
        try:
            report = synth.generate(estates, seed=seed, force=force, out=self.stdout)
        except synth.SynthRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'table':<32} {'rows':>12} {'write s':>9} {'rows/s':>10}")
        for table, rows in report.rows.items():
            seconds = report.write_seconds[table]
            rate = f"{rows / seconds:,.0f}" if seconds > 0 else "-"
            self.stdout.write(f"{table:<32} {rows:>12,} {seconds:>9.1f} {rate:>10}")
        if report.index_seconds:
            self.stdout.write(f"indexes and constraints of the big tables built afterwards in {report.index_seconds:.1f} s")
        self.stdout.write(self.style.SUCCESS(
            f"{report.total_rows:,} rows in {report.seconds:.1f} s: {report.total_rows / report.seconds:,.0f} rows/s "
            f"overall (generation, encryption, writing, indexes)."))
