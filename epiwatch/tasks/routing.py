"""Who a task about a person goes to: the commune health station of where they live, else the district centre.

The pipelines raise tasks by the thousand, so the stations are looked up once per province and kept: `Assignees`
reads every commune station and district centre of the province in one query the first time it is asked.
"""

from __future__ import annotations

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.geo.models import Area


class Assignees:
    """The responsible organization of an area, for many areas (one query per province)."""

    def __init__(self) -> None:
        self._by_path: dict[str, dict[str, Organization]] = {}  # province code -> area path -> station/centre

    def _province(self, province_code: str) -> dict[str, Organization]:
        table = self._by_path.get(province_code)
        if table is None:
            table = {}
            orgs = (
                Organization.objects.filter(
                    kind__in=(OrgKind.COMMUNE_STATION, OrgKind.DISTRICT_CENTRE), is_active=True
                )
                .filter(area__path__startswith=province_code + "/")
                .select_related("area")
                .order_by("code")
            )
            for org in orgs:
                # the first (by code) wins when an area has two stations
                table.setdefault(org.area.path, org)
            self._by_path[province_code] = table
        return table

    def for_area(self, area: Area | None, fallback: Organization | None = None) -> Organization | None:
        """The commune station of the area's commune (a village belongs to its commune), else the district
        centre of its district, else `fallback`."""
        if area is None:
            return fallback
        parts = area.path.split("/")
        table = self._province(parts[0])
        commune = "/".join(parts[:3]) if len(parts) >= 3 else None
        district = "/".join(parts[:2]) if len(parts) >= 2 else None
        for path, kind in ((commune, OrgKind.COMMUNE_STATION), (district, OrgKind.DISTRICT_CENTRE)):
            org = table.get(path) if path else None
            if org is not None and org.kind == kind:
                return org
        return fallback

    def commune_station(self, area: Area | None) -> Organization | None:
        """The commune station of the area's commune only (None when the commune has none)."""
        if area is None:
            return None
        parts = area.path.split("/")
        if len(parts) < 3:
            return None
        org = self._province(parts[0]).get("/".join(parts[:3]))
        return org if org is not None and org.kind == OrgKind.COMMUNE_STATION else None

    def district_centre(self, area: Area | None) -> Organization | None:
        if area is None:
            return None
        parts = area.path.split("/")
        if len(parts) < 2:
            return None
        org = self._province(parts[0]).get("/".join(parts[:2]))
        return org if org is not None and org.kind == OrgKind.DISTRICT_CENTRE else None
