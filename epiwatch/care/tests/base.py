"""Care fixtures on top of the test province: a provincial hospital (designated, tiers 2-3) run by an organization
with a clinician, a field hospital in district A (tier 1-2), a district B hospital with its own clinician, a
commune station, their capacity, and cases to admit."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from epiwatch.accounts.models import Organization, OrgKind, Role
from epiwatch.care.models import FIGURES, CapacityChange, Facility, FacilityKind, Site
from epiwatch.cases.models import Case, Classification, Severity
from epiwatch.geo.models import Population
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.lib.tests.helpers import IOTestCase
from epiwatch.people.models import Person
from epiwatch.testing import make_user

TODAY = dt.date(2021, 11, 4)
_numbers = itertools.count(1)


def at(day: dt.date | int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local moment; `day` may be the day of November 2021."""
    if isinstance(day, int):
        day = dt.date(2021, 11, day)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def figures(**values) -> dict[str, int]:
    return {name: values.get(name, 0) for name in FIGURES}


def set_capacity(facility: Facility, day: dt.date, **values) -> CapacityChange:
    extra = {k: values.pop(k) for k in ("mobile_station", "home_care_plan", "note") if k in values}
    return CapacityChange.objects.create(facility=facility, effective_from=day, **figures(**values), **extra)


def make_case(
    area,
    severity: str = Severity.MODERATE,
    classification=Classification.CONFIRMED,
    report_date=None,
    national_id=None,
    name=None,
) -> Case:
    n = next(_numbers)
    person = Person.objects.create(
        full_name=name or f"Bệnh nhân {n}", birth_year=1960, residence=area, national_id=national_id
    )
    return Case.objects.create(
        person=person,
        classification=classification,
        report_date=report_date or TODAY,
        area=area,
        province_code=area.province_code,
        severity=severity,
    )


class CareTestCase(IOTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.hospital_org = Organization.objects.create(
            code="bl-bvdk", name="Bệnh viện Đa khoa tỉnh", kind=OrgKind.HOSPITAL, area=cls.commune_a2
        )
        cls.field_org = Organization.objects.create(
            code="bl-bvdc-1", name="Bệnh viện dã chiến số 1", kind=OrgKind.HOSPITAL, area=cls.commune_a1
        )
        cls.hospital_b_org = Organization.objects.create(
            code="bl-bv-956", name="Bệnh viện huyện Hồng Dân", kind=OrgKind.HOSPITAL, area=cls.commune_b1
        )
        cls.clinician = make_user("clinician", cls.hospital_org, Role.CLINICIAN)
        cls.field_clinician = make_user("field_clinician", cls.field_org, Role.CLINICIAN)
        cls.clinician_b = make_user("clinician_b", cls.hospital_b_org, Role.CLINICIAN)
        cls.hospital_viewer = make_user("hospital_viewer", cls.hospital_org, Role.VIEWER)

        cls.hospital = Facility.objects.create(
            code="bl-bvdk",
            name="Bệnh viện Đa khoa tỉnh",
            kind=FacilityKind.HOSPITAL,
            organization=cls.hospital_org,
            area=cls.commune_a2,
            serves_tier_2=True,
            serves_tier_3=True,
            designated=True,
        )
        cls.field = Facility.objects.create(
            code="bl-bvdc-1",
            name="Bệnh viện dã chiến số 1",
            kind=FacilityKind.FIELD_HOSPITAL,
            site=Site.SCHOOL,
            organization=cls.field_org,
            area=cls.commune_a1,
            serves_tier_1=True,
            serves_tier_2=True,
        )
        cls.hospital_b = Facility.objects.create(
            code="bl-bv-956",
            name="Bệnh viện huyện Hồng Dân",
            kind=FacilityKind.HOSPITAL,
            organization=cls.hospital_b_org,
            area=cls.commune_b1,
            serves_tier_1=True,
            serves_tier_2=True,
        )
        cls.station = Facility.objects.create(
            code="bl-tyt-31813",
            name="Trạm Y tế Phường 7",
            kind=FacilityKind.COMMUNE_STATION,
            organization=cls.commune_org,
            area=cls.commune_a1,
            serves_tier_1=True,
        )
        base = dt.date(2021, 10, 1)
        set_capacity(
            cls.hospital,
            base,
            beds_tier_2=10,
            beds_tier_3=4,
            icu_beds=2,
            ventilators=1,
            oxygen_points=10,
            doctors=10,
            icu_doctors=2,
            nurses=20,
        )
        set_capacity(cls.field, base, beds_tier_1=20, beds_tier_2=2, doctors=2, nurses=5)
        set_capacity(
            cls.field, dt.date(2021, 11, 5), beds_tier_1=50, beds_tier_2=2, doctors=2, nurses=5, note="+30"
        )
        set_capacity(cls.hospital_b, base, beds_tier_1=10, beds_tier_2=2, doctors=1, nurses=3)
        set_capacity(cls.station, base, mobile_station=True, home_care_plan=True)
        for area, total in ((cls.commune_a1, 40_000), (cls.commune_a2, 60_000), (cls.commune_b1, 50_000)):
            Population.objects.create(
                area=area, year=2021, total=total, age_0_4=0, age_5_17=0, age_18_64=total, age_65_plus=0
            )

    def setUp(self):
        super().setUp()
        # the test province lives on 04/11/2021: "now" is that afternoon
        now = at(TODAY, 15)
        patcher = _freeze(now)
        patcher.start()
        self.addCleanup(patcher.stop)


def _freeze(now: dt.datetime):
    from unittest import mock

    return mock.patch.object(timezone, "now", return_value=now)
