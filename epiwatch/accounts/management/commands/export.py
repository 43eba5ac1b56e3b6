"""Export one kind of data as CSV (to stdout by default) or XLSX, with full rights.

    epiwatch export areas --area 95 > bac-lieu.csv
    epiwatch export people --area 954 --format xlsx --out people-954.xlsx
    epiwatch export areas --dataset vn-2025 --out areas-2025.csv

`--area CODE` restricts the export to that area's subtree (in `--dataset`, vn-2021 by default); `--from/--to`
(dd/mm/yyyy or ISO) filter the kinds that have dates. CSV written to a file starts with a BOM (Excel then reads
Vietnamese correctly); on stdout it does not (it would stick to the first column name in a pipe). XLSX needs
`--out`. With `--out` one summary line is printed. Exit status 2 on bad usage (unknown kind, area or dataset, bad
date, a date filter on a kind without dates).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from epiwatch.accounts import access, audit
from epiwatch.geo.datasets import DATASETS
from epiwatch.geo.models import Area
from epiwatch.lib import exporting
from epiwatch.lib.dates import DateError, parse_date
from epiwatch.lib.importing import UnknownKind

USAGE = 2
DEFAULT_DATASET = "vn-2021"


class Command(BaseCommand):
    help = "Export KIND (e.g. areas, orgs, people) as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what to export, e.g. areas, orgs, people")
        parser.add_argument("--area", metavar="CODE", help="only this area's subtree")
        parser.add_argument(
            "--dataset", default=DEFAULT_DATASET, help=f"area dataset (default {DEFAULT_DATASET})"
        )
        parser.add_argument("--from", dest="date_from", metavar="DATE", help="first day (inclusive)")
        parser.add_argument("--to", dest="date_to", metavar="DATE", help="last day (inclusive)")
        parser.add_argument("--format", choices=exporting.FORMATS, default="csv")
        parser.add_argument("--out", metavar="PATH", help="write here instead of stdout")

    def _date(self, text: str | None, option: str):
        try:
            return parse_date(text)
        except DateError as exc:
            raise CommandError(f"--{option}: {exc}", returncode=USAGE) from None

    def handle(
        self, *args, kind: str, area=None, dataset=DEFAULT_DATASET, date_from=None, date_to=None, **options
    ):
        fmt, out = options["format"], options.get("out")
        try:
            exporter = exporting.get(kind)()
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=USAGE) from None
        if dataset not in DATASETS:
            raise CommandError(
                f"Unknown dataset {dataset!r}; known datasets: {', '.join(DATASETS)}.", returncode=USAGE
            )
        area_obj = None
        if area:
            area_obj = Area.objects.filter(dataset=dataset, code=area.strip()).first()
            if area_obj is None:
                raise CommandError(f"Unknown area code {area!r} in dataset {dataset}.", returncode=USAGE)
        first, last = self._date(date_from, "from"), self._date(date_to, "to")
        if (first or last) and not exporter.dated:
            raise CommandError(f"The {kind} export has no dates: --from/--to do not apply.", returncode=USAGE)
        if first and last and first > last:
            raise CommandError("--from is after --to.", returncode=USAGE)
        if fmt == "xlsx" and not out:
            raise CommandError("--format xlsx needs --out PATH.", returncode=USAGE)

        filters = {
            "scope": access.FULL,
            "area": area_obj,
            "date_from": first,
            "date_to": last,
            "dataset": dataset,
        }
        with audit.acting(via="command"):
            count = exporter.write(out or self.stdout, fmt=fmt, bom=bool(out), **filters)
            exporter.after_export(count, area=area_obj, date_from=first, date_to=last, dataset=dataset)
        if out:
            self.stdout.write(f"exported {count} rows to {out}")
