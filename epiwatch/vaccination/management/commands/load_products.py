"""Load the vaccine products, schedules and coverage targets from epiwatch/vaccination/data/ (idempotent).

    epiwatch load_products [--dry-run]

Prints `created N, updated M`. Edit data/products.json or data/targets.json, then run this; products and targets
no longer in the files are kept (doses point at them).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from epiwatch.vaccination import catalogue


class Command(BaseCommand):
    help = "Load vaccine products and coverage targets from the shipped data files; prints created/updated."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what would change, store nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        try:
            with transaction.atomic():
                loaded = catalogue.load()
                if dry_run:
                    transaction.set_rollback(True)
        except catalogue.CatalogueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(loaded.summary() + (" (dry run: nothing stored)" if dry_run else ""))
