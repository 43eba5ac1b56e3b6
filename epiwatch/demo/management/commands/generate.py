"""Generate synthetic people for a province: households, people, rosters (and the steps added later).

Deterministic: the same seed and scale make the same people. Idempotent per seed and scale: the steps already
applied are skipped. Needs the province's areas and its population for the reference year (`load_demo` loads
Bạc Liêu's).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from epiwatch.accounts import audit
from epiwatch.demo.generator.runner import DEMO_DATE, GeneratorError, generate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument(
            "--scale", required=True, help="share of the population to make, e.g. 0.05 = 5 %%"
        )
        parser.add_argument("--province", default="95", help="GSO province code (default 95, Bạc Liêu)")
        parser.add_argument("--dataset", default="vn-2021")
        parser.add_argument(
            "--date", default=DEMO_DATE.isoformat(), help="reference date for ages (default %(default)s)"
        )
        parser.add_argument("--dry-run", action="store_true", help="generate, then roll everything back")

    def handle(self, *args, **options):
        try:
            reference_date = dt.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not a date (YYYY-MM-DD)") from None
        try:
            with audit.acting(via="command"):
                report = generate(
                    options["seed"],
                    options["scale"],
                    province=options["province"],
                    dataset=options["dataset"],
                    reference_date=reference_date,
                    dry_run=options["dry_run"],
                    log=self.stdout.write if options["verbosity"] > 1 else None,
                )
        except GeneratorError as exc:
            raise CommandError(str(exc)) from None
        line = report.summary()
        people = report.count_of("households")
        if people and report.seconds:
            line += f"; {people / report.seconds:,.0f} people/s"
        self.stdout.write(line)
