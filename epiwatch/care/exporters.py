"""The `capacity` export: one row per facility and tier it serves, on one day.

    epiwatch export capacity --area 95 --date 05/11/2021 --out giuong.csv

`beds` and `occupied` are the tier's; the facility-wide figures sit on one row each so that every column sums to
the area's total: ICU beds and ventilators (tier 3 resources) on the tier 3 row, oxygen points and staff on the
facility's first row, zeros elsewhere. The day is `--date` (the command's snapshot day); until the command has
that option, `--to` names it; today without either. Occupancy on a past day is who was in a bed when it ended.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from epiwatch.accounts import access
from epiwatch.care import capacity
from epiwatch.care.models import Facility
from epiwatch.lib import exporting


@exporting.register
class CapacityExporter(exporting.Exporter):
    kind = "capacity"
    label = gettext_lazy("Treatment capacity and occupancy")
    dated = True
    # the export is a snapshot of one day: the export command's `--date` names it (see the module docstring)
    snapshot = True
    columns = (
        "date",
        "facility_code",
        "facility_name",
        "facility_kind",
        "area_code",
        "tier",
        "beds",
        "occupied",
        "free",
        "icu_beds",
        "icu_occupied",
        "ventilators",
        "ventilators_in_use",
        "oxygen_points",
        "doctors",
        "icu_doctors",
        "nurses",
        "capacity_from",
    )

    @staticmethod
    def day(date_from=None, date_to=None, on_date=None, **options) -> dt.date:
        return on_date or date_to or date_from or timezone.localdate()

    def rows(self, scope, area=None, date_from=None, date_to=None, **options):
        day = self.day(date_from, date_to, **options)
        facilities = Facility.objects.active()
        if area is not None:
            facilities = facilities.in_area(area)
        facilities = access.visible(facilities, scope).select_related("area").order_by("area__path", "code")
        for status in capacity.statuses(facilities, day):
            f, fig, used = status.facility, status.figures, status.used
            tiers = f.tiers
            for tier in tiers:
                first = tier == tiers[0]
                top = tier == 3
                yield (
                    day,
                    f.code,
                    f.name,
                    f.kind,
                    f.area.code,
                    tier,
                    fig.beds(tier),
                    used.by_tier.get(tier, 0),
                    max(0, fig.beds(tier) - used.by_tier.get(tier, 0)),
                    fig["icu_beds"] if top else 0,
                    used.icu if top else 0,
                    fig["ventilators"] if top else 0,
                    used.ventilators if top else 0,
                    fig["oxygen_points"] if first else 0,
                    fig["doctors"] if first else 0,
                    fig["icu_doctors"] if first else 0,
                    fig["nurses"] if first else 0,
                    fig.effective_from,
                )

    def filename(self, fmt: str) -> str:
        return f"capacity-{timezone.localdate():%Y%m%d}.{fmt}"
