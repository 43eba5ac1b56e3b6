"""Exports: coverage per area and day, the door-to-door lists of the unvaccinated, and the doses.

epiwatch export coverage --area 95 --from 2021-10-01 --to 2021-11-04
epiwatch export unvaccinated --area 31813 --format xlsx --out p7.xlsx
epiwatch export doses --area 954 --from 01/11/2021
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import exporting
from epiwatch.vaccination import coverage as cov
from epiwatch.vaccination import schedule, unvaccinated
from epiwatch.vaccination.access_rules import can_see_area
from epiwatch.vaccination.models import Dose


def _roots(scope, area: Area | None, dataset: str) -> list[Area]:
    """The area asked for, or every province of the dataset, as far as the scope may see their figures."""
    roots = [area] if area is not None else list(Area.objects.filter(dataset=dataset, kind=AreaKind.PROVINCE))
    return [a for a in roots if can_see_area(scope, a)]


def record_export(what: str, model: str, rows: int, area: Area | None) -> None:
    """One audit event per export of person-level data: who took how many rows, of which area."""
    actor = audit.current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    AuditEvent.objects.create(
        user=user,
        username=getattr(user, "username", "") if user else "",
        organization=actor.organization,
        via=actor.via,
        action=AuditAction.EXPORT,
        model=model,
        object_id="*",
        object_repr=f"{rows} {what}" + (f" in {area.code}" if area is not None else ""),
        changes={"rows": rows, "area": getattr(area, "code", None)},
    )


def _n(value) -> object:
    return "" if value is None else value


@exporting.register
class CoverageExporter(exporting.Exporter):
    """One row per area and day: the percentages (0-100) and the counts and populations behind them.

    `--from/--to` give the days (default: today; one of them alone: that day). Every area of the subtree is listed,
    villages included; a percentage is empty where the population is not known. `children_*` and `teens_*`
    populations are estimates (the 5-17 band split 7/13 : 6/13); `aggregate` is 1 where a figure includes counts
    reported in aggregate.
    """

    kind = "coverage"
    label = gettext_lazy("Vaccination coverage by area and day")
    dated = True
    columns = (
        "date",
        "area_code",
        "area_name",
        "area_kind",
        "adults_1dose_pct",
        "adults_full_pct",
        "elderly_full_pct",
        "teens_1dose_pct",
        "children_1dose_pct",
        "population_full_pct",
        "adults",
        "adults_1dose",
        "adults_full",
        "elderly",
        "elderly_1dose",
        "elderly_full",
        "teens_estimated",
        "teens_1dose",
        "teens_full",
        "children_estimated",
        "children_1dose",
        "children_full",
        "population",
        "people_1dose",
        "people_full",
        "people_booster",
        "population_year",
        "aggregate",
    )

    def rows(self, scope, area=None, date_from=None, date_to=None, dataset="vn-2021", **options):
        last = date_to or date_from or timezone.localdate()
        first = date_from or last
        for root in _roots(scope, area, getattr(area, "dataset", dataset)):
            series = cov.coverage_series(root, first, last)
            areas = sorted({c.area for s in series.values() for c in s}, key=lambda a: a.path)
            for index in range((last - first).days + 1):
                for a in areas:
                    yield self.row(series[a.pk][index])

    @staticmethod
    def row(c: cov.Coverage) -> tuple:
        return (
            c.on.isoformat(),
            c.area.code,
            c.area.name,
            c.area.kind,
            _n(c.adults_1dose_pct),
            _n(c.adults_full_pct),
            _n(c.elderly_full_pct),
            _n(c.teens_1dose_pct),
            _n(c.children_1dose_pct),
            _n(c.population_full_pct),
            _n(c.adults),
            c.adults_1dose,
            c.adults_full,
            _n(c.elderly),
            c.elderly_1dose,
            c.elderly_full,
            _n(c.teens),
            c.teens_1dose,
            c.teens_full,
            _n(c.children),
            c.children_1dose,
            c.children_full,
            _n(c.total_population),
            c.people_1dose,
            c.people_full,
            c.people_booster,
            _n(c.population_year),
            int(c.aggregate),
        )


@exporting.register
class UnvaccinatedExporter(exporting.Exporter):
    """The door-to-door lists: people not vaccinated, per commune and village, `list` = not_yet or cannot, in
    priority order (1 = 65+ with comorbidities, 2 = 65+, 3 = adults with comorbidities, 4 = others).

    The list is of the day `--to` (or `--from`; default today): doses given by then count, deferrals in force then
    apply, ages are taken then. Each export leaves an audit event.
    """

    kind = "unvaccinated"
    label = gettext_lazy("People not vaccinated (door-to-door lists)")
    dated = True
    columns = (
        "commune_code",
        "commune",
        "village_code",
        "village",
        "list",
        "priority",
        "priority_group",
        "person_id",
        "full_name",
        "date_of_birth",
        "age",
        "sex",
        "phone",
        "address",
        "comorbidities",
        "reason",
        "until",
    )

    def rows(self, scope, area=None, date_from=None, date_to=None, dataset="vn-2021", **options):
        day = date_to or date_from or timezone.localdate()
        for root in _roots(scope, area, getattr(area, "dataset", dataset)):
            for entry in unvaccinated.entries(root, day, scope, options.get("min_age")):
                yield self.row(entry)

    @staticmethod
    def row(e: unvaccinated.Entry) -> tuple:
        p, d = e.person, e.deferral
        return (
            e.commune.code if e.commune else "",
            e.commune.name if e.commune else "",
            e.village.code if e.village else "",
            e.village.name if e.village else "",
            e.list,
            e.priority,
            str(e.priority_label),
            p.public_id,
            p.full_name,
            p.date_of_birth or p.birth_year or "",
            _n(e.age),
            p.sex,
            p.phone,
            p.address,
            ", ".join(p.comorbidities or []),
            d.reason if d else "",
            d.until if d and d.until else ("permanent" if d and d.permanent else ""),
        )

    def after_export(self, rows: int, area=None, **filters) -> None:
        record_export("unvaccinated people", "people.person", rows, area)


@exporting.register
class DoseExporter(exporting.Exporter):
    """The doses the scope sees (`--area`: of people recorded as living there; `--from/--to`: given on those days),
    with the review flags. Each export leaves an audit event."""

    kind = "doses"
    label = gettext_lazy("Vaccine doses")
    dated = True
    columns = (
        "dose_id",
        "external_id",
        "person_id",
        "national_id",
        "full_name",
        "date_of_birth",
        "dose_number",
        "product",
        "given_on",
        "site_code",
        "submitter_code",
        "lot",
        "area_code",
        "needs_review",
        "review_note",
    )

    def rows(self, scope, area=None, date_from: dt.date | None = None, date_to=None, **options):
        doses = Dose.objects.all()
        if area is not None:
            doses = doses.in_area(area).filter(area__dataset=area.dataset)
        if date_from:
            doses = doses.filter(given_on__gte=date_from)
        if date_to:
            doses = doses.filter(given_on__lte=date_to)
        doses = access.visible(doses, scope).order_by("given_on", "pk")
        fields = (
            "public_id",
            "external_id",
            "person__public_id",
            "person__national_id",
            "person__full_name",
            "person__date_of_birth",
            "dose_number",
            "product__code",
            "given_on",
            "site__code",
            "submitter__code",
            "lot",
            "area__code",
            "needs_review",
            "review_flags",
        )
        for *values, flags in doses.values_list(*fields).iterator(chunk_size=2000):
            yield (*values, schedule.describe(flags or []))

    def after_export(self, rows: int, area=None, **filters) -> None:
        record_export("doses", "vaccination.dose", rows, area)
