"""Close the clusters without a new case for their quiet days (the cluster's own value, else --days, else the
province default CLUSTER_QUIET_DAYS / 14).

    epiwatch close_clusters [--date 2021-11-20] [--days 14] [--dry-run]

Prints one line: `closed N clusters (of M active)`. Meant to run once a day.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.lib import dates
from epiwatch.tracing import clusters
from epiwatch.tracing.models import Cluster


def parse_day(value: str | None):
    if not value:
        return timezone.localdate()
    try:
        day = dates.parse_date(value)
    except dates.DateError as exc:
        raise CommandError(f"--date: {exc}") from None
    if day is None:
        raise CommandError("--date: a date is required")
    return day


class Command(BaseCommand):
    help = "Close the clusters without a new case for their quiet days; prints how many were closed."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to close on (default: today)")
        parser.add_argument("--days", type=int, help="quiet days for clusters without their own value")
        parser.add_argument(
            "--dry-run", action="store_true", help="say which clusters would close, close none"
        )

    def handle(self, *args, date=None, days=None, dry_run=False, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        day = parse_day(date)
        active = Cluster.objects.active().count()
        with audit.acting(via="command"), transaction.atomic():
            closed = clusters.close_quiet(day, default_days=days, dry_run=dry_run)
        for cluster in closed:
            self.stderr.write(f"{cluster.name}: last case {clusters.quiet_since(cluster):%d/%m/%Y}")
        prefix = "would close" if dry_run else "closed"
        self.stdout.write(f"{prefix} {len(closed)} clusters (of {active} active)")
