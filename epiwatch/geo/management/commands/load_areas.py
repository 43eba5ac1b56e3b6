"""Load a shipped dataset of administrative units (and the 2021 -> 2025 mapping) into the Area table.

    epiwatch load_areas --dataset vn-2021 --province 95      # Bạc Liêu: 1 province, 7 districts, 64 communes
    epiwatch load_areas --dataset vn-2025                    # the 2025 units, and the mapping if vn-2021 is loaded
    epiwatch load_areas --mapping                            # only (re)link the 2021 and 2025 units present

Idempotent: a second run creates and changes nothing. Villages added by the province are never touched.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from epiwatch.accounts import audit
from epiwatch.geo import datasets, loading
from epiwatch.geo.models import Area


class Command(BaseCommand):
    help = (
        "Load the areas of a shipped dataset (vn-2021 or vn-2025), optionally one province; prints one line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", help=f"one of: {', '.join(datasets.DATASETS)}")
        parser.add_argument(
            "--province", help="a province code of the dataset, e.g. 95 (default: all provinces)"
        )
        parser.add_argument(
            "--mapping",
            action="store_true",
            help="link the 2021 units to the 2025 ones for the areas present (done anyway when vn-2025 is loaded "
            "and vn-2021 areas exist, or the other way round)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change, save nothing")

    def handle(self, *args, dataset=None, province=None, mapping=False, dry_run=False, **options):
        if dataset is None and not mapping:
            raise CommandError(f"Give --dataset ({' or '.join(datasets.DATASETS)}) or --mapping.")
        if dataset is not None and dataset not in datasets.DATASETS:
            raise CommandError(
                f"Unknown dataset {dataset!r}: expected one of {', '.join(datasets.DATASETS)}."
            )
        if province is not None and dataset is None:
            raise CommandError("--province needs --dataset.")
        parts = []
        with audit.acting(via="command"), transaction.atomic():
            if dataset is not None:
                try:
                    created, updated = loading.load_dataset(dataset, province=province)
                except ValueError as exc:  # an unknown province code
                    raise CommandError(str(exc)) from None
                where = f" (province {province})" if province else ""
                parts.append(f"{dataset}: created {created}, updated {updated}{where}")
            if mapping or self._both_datasets_present():
                result = loading.load_mapping()
                parts.append(
                    f"mapping {loading.MAPPING_FROM}->{loading.MAPPING_TO}: created {result.created}, "
                    f"deleted {result.deleted}, {result.total} links"
                )
            if dry_run:
                transaction.set_rollback(True)
                parts.append("dry run, nothing saved")
        self.stdout.write("; ".join(parts))

    @staticmethod
    def _both_datasets_present() -> bool:
        return all(
            Area.objects.filter(dataset=d).exists() for d in (loading.MAPPING_FROM, loading.MAPPING_TO)
        )
