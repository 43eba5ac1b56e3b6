"""Release the quarantines that are over with negative tests, and close the follow-up of contacts whose
follow-up period ended.

    epiwatch release_quarantines [--date 2021-11-20] [--dry-run]

Prints one line: `released N, held M (tests missing or positive), contacts completed K`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from epiwatch.accounts import audit
from epiwatch.tracing import contacts, quarantine
from epiwatch.tracing.management.commands.close_clusters import parse_day


class Command(BaseCommand):
    help = "Release the quarantines that are over with negative tests; complete the contacts' follow-up."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        day = parse_day(date)
        with audit.acting(via="command"), transaction.atomic():
            run = quarantine.release_due(day)
            completed = contacts.complete_due(day)
            if dry_run:
                transaction.set_rollback(True)
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}released {run.released}, held {run.held} (tests missing or positive), contacts completed {completed}"
        )
