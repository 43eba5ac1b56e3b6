"""Export of the area tree with each area's population."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from epiwatch.accounts import access
from epiwatch.geo.loading import population_by_area
from epiwatch.geo.models import Area, Population
from epiwatch.lib import exporting

DEFAULT_DATASET = "vn-2021"
CHUNK = 2000


@exporting.register
class AreaExporter(exporting.Exporter):
    """Every area of a dataset the scope sees (`area`: only that subtree), parents before children.

    `population` is the total of the latest year with figures anywhere in the export: an area's own figures, or
    the sum of its sub-areas' when it has none (`geo.loading.population_by_area`); empty when nothing is known.
    """

    kind = "areas"
    label = gettext_lazy("Areas with population")
    columns = ("code", "name", "kind", "parent_code", "population")

    def rows(self, scope, area=None, date_from=None, date_to=None, dataset=None, **options):
        dataset = area.dataset if area is not None else (dataset or DEFAULT_DATASET)
        areas = Area.objects.filter(dataset=dataset)
        if area is not None:
            areas = areas.subtree(area)
        areas = access.visible(areas, scope).select_related("parent").order_by("path")
        populations = Population.objects.filter(area__in=areas.values("pk"))
        year = populations.latest_year()
        for chunk in exporting.batched(areas.iterator(chunk_size=CHUNK), CHUNK):
            figures = population_by_area(chunk, year) if year else {}
            for a in chunk:
                pop = figures.get(a.pk)
                yield (a.code, a.name, a.kind, a.parent.code if a.parent else "", pop.total if pop else None)
