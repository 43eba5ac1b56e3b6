"""Export of the person registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.lib import exporting
from epiwatch.people.models import Person


@exporting.register
class PersonExporter(exporting.Exporter):
    """The people the scope sees (merged-away records left out), `area`: those living in that subtree.

    `date_of_birth` is the year alone when only the year is known. Each export of person-level data leaves an
    audit event (`after_export`).
    """

    kind = "people"
    label = gettext_lazy("People")
    columns = (
        "person_id",
        "national_id",
        "full_name",
        "date_of_birth",
        "sex",
        "phone",
        "area_code",
        "address",
    )

    def rows(self, scope, area=None, date_from=None, date_to=None, **options):
        people = Person.objects.active()
        if area is not None:
            people = people.in_area(area).filter(residence__dataset=area.dataset)
        people = access.visible(people, scope).order_by("pk")
        fields = (
            "public_id",
            "national_id",
            "full_name",
            "date_of_birth",
            "birth_year",
            "sex",
            "phone",
            "residence__code",
            "address",
        )
        for pid, national_id, name, born, year, sex, phone, area_code, address in people.values_list(
            *fields
        ).iterator(chunk_size=2000):
            yield (pid, national_id, name, born or year, sex, phone, area_code, address)

    def after_export(self, rows: int, area=None, **filters) -> None:
        """One audit event per export: who took how many people's records, of which area."""
        actor = audit.current_actor()
        user = actor.user if getattr(actor.user, "pk", None) else None
        AuditEvent.objects.create(
            user=user,
            username=getattr(user, "username", "") if user else "",
            organization=actor.organization,
            via=actor.via,
            action=AuditAction.EXPORT,
            model=Person._meta.label_lower,
            object_id="*",
            object_repr=f"{rows} people" + (f" in {area.code}" if area is not None else ""),
            changes={"rows": rows, "area": getattr(area, "code", None)},
        )
