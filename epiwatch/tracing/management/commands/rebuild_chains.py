"""Recompute every chain of transmission, node and generation from all exposures.

    epiwatch rebuild_chains [--dry-run]

Never needed in normal operation (chains are kept as exposures arrive); a repair after undoing a merge of two
people, or after loading exposures behind the application's back. Prints `N chains, M people`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from epiwatch.tracing import chains


class Command(BaseCommand):
    help = "Recompute every chain of transmission from all exposures (a repair)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="compute, keep nothing")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            outcome = chains.rebuild()
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(f"{'dry run: ' if dry_run else ''}{outcome.chains} chains, {outcome.nodes} people")
