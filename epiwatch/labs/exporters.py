"""The `results` export: the same columns as the import template, plus the result's and the person's public ids.

    epiwatch export results --area 954 --from 01/11/2021 --to 07/11/2021 --out ket-qua.csv

Scoped by the access module (a lab exports what it submitted, a commune its residents' results); `--area` keeps
the results whose area (the person's residence) lies in that subtree, `--from/--to` the sample days (local time).
Text that a spreadsheet would run as a formula is escaped by the writer. Each export leaves one audit event.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.labs.models import TestResult
from epiwatch.labs.pipeline import COLUMNS
from epiwatch.lib import exporting


@exporting.register
class ResultExporter(exporting.Exporter):
    kind = "results"
    label = gettext_lazy("Test results")
    columns = ("result_id", "person_id", *COLUMNS)
    dated = True

    def rows(self, scope, area=None, date_from=None, date_to=None, **options):
        results = TestResult.objects.sampled_between(date_from, date_to)
        if area is not None:
            results = results.in_area(area).filter(area__dataset=area.dataset)
        results = access.visible(results, scope).order_by("pk")
        fields = (
            "public_id",
            "person__public_id",
            "external_id",
            "person__national_id",
            "person__full_name",
            "person__date_of_birth",
            "person__birth_year",
            "person__sex",
            "person__phone",
            "person__residence__code",
            "person__address",
            "test_type",
            "sampled_at",
            "resulted_at",
            "result",
            "ct_value",
            "pool__code",
            "reason",
        )
        for row in results.values_list(*fields).iterator(chunk_size=2000):
            (rid, pid, ext, nid, name, born, year, sex, phone, commune, address, *rest) = row
            yield (rid, pid, ext, nid, name, born or year, sex, phone, commune, address, *rest)

    def after_export(self, rows: int, area=None, date_from=None, date_to=None, **filters) -> None:
        """One audit event per export: who took how many results, of which area and days."""
        actor = audit.current_actor()
        user = actor.user if getattr(actor.user, "pk", None) else None
        AuditEvent.objects.create(
            user=user,
            username=getattr(user, "username", "") if user else "",
            organization=actor.organization,
            via=actor.via,
            action=AuditAction.EXPORT,
            model=TestResult._meta.label_lower,
            object_id="*",
            object_repr=f"{rows} results" + (f" in {area.code}" if area is not None else ""),
            changes={
                "rows": rows,
                "area": getattr(area, "code", None),
                "from": date_from.isoformat() if date_from else None,
                "to": date_to.isoformat() if date_to else None,
            },
        )
