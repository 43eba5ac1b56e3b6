"""Assess the epidemic level of every commune, district and province for a week, or play what-if with a file.

    epiwatch assess_levels --week-ending 2021-11-04 [--province 95] [--dry-run]
    epiwatch assess_levels --nightly                    # the week ending yesterday, every province
    epiwatch assess_levels --inputs FILE.csv --rules BYT-4800 [--format csv|json] [--lang vi|en] [--out PATH]

The weekly mode stores proposals (replacing those not yet declared; declared levels are never touched) and
prints one summary line. Without --province every province of the dataset that has areas is assessed. The
what-if mode stores nothing: it writes each row's inputs with rate_per_100k, band, level and explanation, and
exits with status 1 and row-numbered messages when a row is bad. Status 2 on bad usage.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.geo.models import Area, AreaKind
from epiwatch.levels import assessing, rules, whatif
from epiwatch.lib.dates import DateError, parse_date

USAGE = 2
BAD_INPUT = 1


class Command(BaseCommand):
    help = "Assess epidemic levels for a week (--week-ending / --nightly), or what-if from a file (--inputs)."

    def add_arguments(self, parser):
        parser.add_argument("--week-ending", metavar="DATE", help="last day of the 7-day window (YYYY-MM-DD)")
        parser.add_argument("--nightly", action="store_true", help="the week ending yesterday")
        parser.add_argument(
            "--province", metavar="CODE", action="append", help="only this province (repeatable)"
        )
        parser.add_argument("--dataset", default=assessing.DEFAULT_DATASET)
        parser.add_argument("--dry-run", action="store_true", help="assess and report, store nothing")
        parser.add_argument("--inputs", metavar="FILE", help="what-if: a CSV or XLSX of inputs per area")
        parser.add_argument("--rules", metavar="NAME", help="what-if: the levels rule set, e.g. BYT-4800")
        parser.add_argument("--format", choices=whatif.FORMATS, default="csv", help="what-if output format")
        parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="what-if explanation language")
        parser.add_argument("--out", metavar="PATH", help="what-if: write here instead of stdout")

    def handle(self, *args, **options):
        if options["inputs"]:
            if options["week_ending"] or options["nightly"]:
                raise CommandError("--inputs does not go with --week-ending or --nightly.", returncode=USAGE)
            return self.what_if(options)
        return self.assess(options)

    # --- the weekly assessment --------------------------------------------------------------------------------

    def assess(self, options) -> None:
        if options["rules"]:
            raise CommandError(
                "--rules goes with --inputs (what-if); an assessment uses the rule set in force.",
                returncode=USAGE,
            )
        if bool(options["week_ending"]) == bool(options["nightly"]):
            raise CommandError(
                "Give either --week-ending DATE or --nightly (or --inputs FILE).", returncode=USAGE
            )
        if options["nightly"]:
            week_ending = timezone.localdate() - dt.timedelta(days=1)
        else:
            try:
                week_ending = parse_date(options["week_ending"])
            except DateError as error:
                raise CommandError(f"--week-ending: {error}", returncode=USAGE) from None
        dataset = options["dataset"]
        provinces = None
        if options["province"]:
            codes = [c.strip() for c in options["province"]]
            found = {
                a.code: a
                for a in Area.objects.filter(dataset=dataset, kind=AreaKind.PROVINCE, code__in=codes)
            }
            unknown = [c for c in codes if c not in found]
            if unknown:
                raise CommandError(
                    f"Unknown province code {unknown[0]!r} in dataset {dataset}.", returncode=USAGE
                )
            provinces = [found[c] for c in codes]
        with audit.acting(via="command"):
            result = assessing.assess_week(
                week_ending, provinces, dataset=dataset, dry_run=options["dry_run"]
            )
        for skipped in result.skipped[:20]:
            self.stderr.write(f"skipped {skipped.area.code} {skipped.area.name}: {skipped.why}")
        if len(result.skipped) > 20:
            self.stderr.write(f"... and {len(result.skipped) - 20} more skipped")
        prefix = "dry run: would have " if options["dry_run"] else ""
        self.stdout.write(prefix + result.summary())

    # --- what-if ----------------------------------------------------------------------------------------------

    def what_if(self, options) -> None:
        if not options["rules"]:
            raise CommandError("--inputs needs --rules NAME (e.g. BYT-4800).", returncode=USAGE)
        try:
            ruleset = rules.get(options["rules"])
        except LookupError:
            raise CommandError(
                f"Unknown levels rule set {options['rules']!r}; known: {', '.join(rules.names())}.",
                returncode=USAGE,
            ) from None
        try:
            rows = whatif.read(options["inputs"], dataset=options["dataset"])
            results = whatif.assess_rows(rows, ruleset, lang=options["lang"])
        except FileNotFoundError:
            raise CommandError(f"No such file: {options['inputs']}", returncode=USAGE) from None
        except whatif.WhatIfError as error:
            raise CommandError(
                f"{options['inputs']}: {len(error.errors)} problem(s), nothing assessed:\n" + str(error),
                returncode=BAD_INPUT,
            ) from None
        if options["out"]:
            with open(options["out"], "w", encoding="utf-8", newline="") as out:
                whatif.write(results, out, options["format"])
            self.stdout.write(f"assessed {len(results)} rows with {ruleset.name} to {options['out']}")
        else:
            whatif.write(results, self.stdout, options["format"])
