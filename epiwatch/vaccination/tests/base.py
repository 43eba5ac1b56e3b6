"""Fixtures of the vaccination tests: the shared province with population figures, a village, and people."""

from __future__ import annotations

import datetime as dt

from epiwatch.geo.models import AreaKind, Population
from epiwatch.lib.tests.helpers import IOTestCase
from epiwatch.people.models import Person
from epiwatch.testing import make_area
from epiwatch.vaccination import catalogue, status
from epiwatch.vaccination.models import Dose, Product

DOSE_HEADER = [
    "external_id",
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "phone",
    "commune_code",
    "dose_number",
    "product",
    "given_on",
    "lot",
]


def population(area, total_0_4, age_5_17, age_18_64, age_65_plus, year=2021):
    return Population.objects.create(
        area=area,
        year=year,
        total=total_0_4 + age_5_17 + age_18_64 + age_65_plus,
        age_0_4=total_0_4,
        age_5_17=age_5_17,
        age_18_64=age_18_64,
        age_65_plus=age_65_plus,
    )


class VaccinationTestCase(IOTestCase):
    """English messages (the source strings) in commands and pages alike: the default language is Vietnamese."""

    def setUp(self):
        super().setUp()
        self.client = self.client_class(headers={"accept-language": "en"})

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.village_a1 = make_area("31813-01", "Khóm 1", AreaKind.VILLAGE, cls.commune_a1)
        cls.village_a1.village_kind = "khom"
        cls.village_a1.save()
        cls.village_a2 = make_area("31813-02", "Khóm 2", AreaKind.VILLAGE, cls.commune_a1)
        # the catalogue comes with a data migration; a transactional test elsewhere in the process may have
        # flushed it, so load it again (idempotent) rather than depend on the order tests run in
        catalogue.load()
        cls.products = {p.code: p for p in Product.objects.all()}

    def person(self, name, born, residence, **fields) -> Person:
        born = dt.date.fromisoformat(born) if isinstance(born, str) else born
        return Person.objects.create(full_name=name, date_of_birth=born, residence=residence, **fields)

    def dose(self, person, number, product, day, submitter=None, **fields) -> Dose:
        dose = Dose.objects.create(
            person=person,
            dose_number=number,
            product=self.products[product],
            given_on=dt.date.fromisoformat(day),
            submitter=submitter or self.commune_org,
            site=submitter or self.commune_org,
            area=person.residence,
            province_code=person.residence.province_code if person.residence else "",
            **fields,
        )
        status.refresh([person.pk])
        return dose
