"""The person page's section of test results: the person's results the user may see, newest first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.labs.models import TestResult
from epiwatch.people import sections

SHOWN = 50


@sections.register
def results_section(person, user):
    results = list(
        access.visible(TestResult, user)
        .filter(person=person)
        .select_related("submitter")
        .order_by("-sampled_at", "-pk")[: SHOWN + 1]
    )
    if not results:
        return None
    return sections.Section(
        _("Test results"),
        "labs/_person_results.html",
        {"results": results[:SHOWN], "more": len(results) > SHOWN},
    )
