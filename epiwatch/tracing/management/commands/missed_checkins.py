"""Raise a MISSED_CHECKIN task for everyone due a check-in on a day (home-care cases, home quarantines) who has
none; the task goes to the commune station where the person lives.

    epiwatch missed_checkins [--date 2021-11-20] [--dry-run]

By default the day is yesterday (run it in the morning). Prints one line: `raised N tasks`.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.tracing import followup
from epiwatch.tracing.management.commands.close_clusters import parse_day


class Command(BaseCommand):
    help = "Raise a task for each missed check-in of a day (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day of the check-ins (default: yesterday)")
        parser.add_argument("--dry-run", action="store_true", help="count, raise nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        day = parse_day(date) if date else timezone.localdate() - dt.timedelta(days=1)
        with audit.acting(via="command"), transaction.atomic():
            raised = followup.raise_missed_tasks(day)
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(f"{'would raise' if dry_run else 'raised'} {raised} tasks")
