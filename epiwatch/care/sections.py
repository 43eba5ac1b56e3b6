"""The person page's treatment section: the stays of the person's cases, and where to admit, transfer or
discharge them (the care page of each case)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.care.admissions import ADMISSIBLE
from epiwatch.care.models import Admission
from epiwatch.cases.models import Case
from epiwatch.people import sections


@sections.register
def care_section(person, user):
    scope = access.scope_for(user)
    stays = list(
        access.visible(Admission, scope)
        .filter(case__person=person)
        .select_related("facility", "case")
        .order_by("-admitted_at")[:20]
    )
    cases = {a.case for a in stays}
    cases.update(access.visible(Case, scope).filter(person=person, classification__in=ADMISSIBLE)[:10])
    if not stays and not cases:
        return None
    return sections.Section(
        _("Treatment"),
        "care/_person_section.html",
        {"stays": stays, "care_cases": sorted(cases, key=lambda c: c.report_date, reverse=True)},
    )
