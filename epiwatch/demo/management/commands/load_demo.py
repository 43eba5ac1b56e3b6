"""Load the Bạc Liêu demo of 2021-11-04: areas, villages, population, organizations, demo users and people.

Idempotent: running it again changes nothing and creates no duplicates. Prints the demo logins and one summary
line with the elapsed time. The password of every demo user comes from DEMO_PASSWORD.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from epiwatch.accounts import audit
from epiwatch.demo import loading
from epiwatch.demo.generator.runner import GeneratorError
from epiwatch.demo.organizations import DemoError, what_they_see


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=loading.DEMO_SEED, help="seed of the synthetic people"
        )
        parser.add_argument(
            "--scale",
            default=str(loading.DEMO_SCALE),
            help="share of the population generated as people (default %(default)s; 1 = everyone)",
        )
        parser.add_argument("--no-people", action="store_true", help="skip the synthetic people")
        parser.add_argument("--dry-run", action="store_true", help="do everything, then roll it back")

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or loading.DEFAULT_PASSWORD
        try:
            with audit.acting(via="command"):
                summary = loading.load_demo(
                    seed=options["seed"],
                    scale=options["scale"],
                    password=password,
                    people=not options["no_people"],
                    dry_run=options["dry_run"],
                    log=self.stdout.write if options["verbosity"] > 1 else None,
                )
        except (GeneratorError, DemoError) as exc:
            raise CommandError(str(exc)) from None
        self.print_logins(summary, password)
        self.stdout.write(self.summary_line(summary, options["dry_run"]))

    def print_logins(self, summary, password):
        self.stdout.write("Demo logins (the same password for all, from DEMO_PASSWORD):")
        rows = [("username", "password", "organization", "role", "sees")]
        for user, org in summary.users:
            organization = f"{org.name} ({org.code})" if org else "-"
            rows.append((user.username, password, organization, user.role or "-", what_they_see(org)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
            self.stdout.write("  " + "  ".join([*cells, row[4]]))

    def summary_line(self, summary, dry_run):
        a = summary.areas
        line = (
            f"load_demo{' (dry run, nothing saved)' if dry_run else ''}: Bạc Liêu — "
            f"{a.get('district', 0)} districts, {a.get('commune', 0)} communes, {a.get('village', 0)} villages; "
            f"population {summary.population:,} ({summary.adults:,} adults); "
            f"{summary.organizations} organizations; {len(summary.users)} demo users"
        )
        report = summary.report
        if report is not None:
            people = report.count_of("households")
            made = (
                ", ".join(f"{o.name} {o.created:,}" for o in report.outcomes if not o.skipped)
                or "nothing new"
            )
            line += f"; people seed {report.seed} scale {report.scale.normalize()}: {made}"
            if people and report.seconds:
                line += f" ({people / report.seconds:,.0f} people/s)"
        return line + f"; {summary.seconds:.1f} s"
