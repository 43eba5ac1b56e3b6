"""Recompute every vaccinated person's status and the review flags of their doses from the doses themselves.

    epiwatch refresh_vaccination [--province CODE] [--dry-run]

Run it after people were merged or had their birth date or residence corrected (coverage counts them by the
residence and age copied when their doses last changed), or to repair. Prints `statuses N`.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from epiwatch.accounts import audit
from epiwatch.vaccination import status


class Command(BaseCommand):
    help = (
        "Recompute vaccination statuses and dose review flags from the doses; prints the number of statuses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", metavar="CODE", help="only the doses recorded in this province")
        parser.add_argument("--dry-run", action="store_true", help="compute, then roll back")

    def handle(self, *args, province=None, dry_run: bool = False, **options):
        with audit.acting(via="command"), transaction.atomic():
            count = status.rebuild(province)
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(f"statuses {count}" + (" (dry run: nothing stored)" if dry_run else ""))
