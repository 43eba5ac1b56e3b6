"""Export of the organizations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.lib import exporting


@exporting.register
class OrganizationExporter(exporting.Exporter):
    """The active organizations the scope sees (`area`: those sitting in that subtree)."""

    kind = "orgs"
    label = gettext_lazy("Organizations")
    columns = ("code", "name", "kind", "area_code")

    def rows(self, scope, area=None, date_from=None, date_to=None, **options):
        orgs = Organization.objects.filter(is_active=True)
        if area is not None:
            orgs = orgs.in_area(area).filter(area__dataset=area.dataset)
        orgs = access.visible(orgs, scope).order_by("code")
        yield from orgs.values_list("code", "name", "kind", "area__code").iterator(chunk_size=2000)
