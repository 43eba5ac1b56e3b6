"""Who sees which doses, deferrals and aggregate counts (the access rules)."""

import datetime as dt

from epiwatch.accounts import access
from epiwatch.people.models import Person, RosterEntry
from epiwatch.vaccination.models import CoverageCount, Deferral, DeferralReason, Dose
from epiwatch.vaccination.tests.base import VaccinationTestCase


class DoseAccessTests(VaccinationTestCase):
    def setUp(self):
        super().setUp()
        self.a1 = self.person("Ở phường 7", "1980-01-01", self.village_a1)
        self.b1 = self.person("Ở Ngan Dừa", "1980-01-01", self.commune_b1)
        self.dose_a1 = self.dose(self.a1, 1, "pfizer", "2021-09-01")
        self.dose_b1 = self.dose(self.b1, 1, "pfizer", "2021-09-01", submitter=self.district_b_org)
        # a dose district B's centre gave to someone of district A
        self.given_by_b = self.dose(self.person("Đi tiêm ở Hồng Dân", "1980-01-01", self.commune_a2), 1, "moderna",
                                    "2021-09-02", submitter=self.district_b_org)  # fmt: skip

    def visible(self, user, model=Dose):
        return set(access.visible(model, user))

    def test_area_organizations_see_the_doses_of_their_residents(self):
        everything = {self.dose_a1, self.dose_b1, self.given_by_b}
        self.assertEqual(self.visible(self.province_admin), everything)
        self.assertEqual(self.visible(self.province_analyst), everything)
        self.assertEqual(self.visible(self.district_a), {self.dose_a1, self.given_by_b})
        self.assertEqual(self.visible(self.commune), {self.dose_a1})

    def test_an_organization_sees_what_it_recorded_and_not_the_rest_of_another_district(self):
        self.assertEqual(self.visible(self.district_b), {self.dose_b1, self.given_by_b})
        self.assertNotIn(self.dose_a1, self.visible(self.district_b))

    def test_who_recorded_a_dose_sees_its_person(self):
        person = self.given_by_b.person
        self.assertTrue(access.visible(Person.objects.filter(pk=person.pk), self.district_b).exists())
        self.assertFalse(access.visible(Person.objects.filter(pk=self.a1.pk), self.district_b).exists())

    def test_a_school_sees_only_its_students_doses(self):
        self.assertEqual(self.visible(self.school), set())
        RosterEntry.objects.create(organization=self.school_org, person=self.a1)
        self.assertEqual(self.visible(self.school), {self.dose_a1})
        RosterEntry.objects.filter(person=self.a1).update(active=False)
        self.assertEqual(self.visible(self.school), set())

    def test_outsiders_labs_and_other_provinces_see_nothing(self):
        for user in (self.outsider, self.lab, self.enterprise, self.other_province_user):
            self.assertEqual(self.visible(user), set(), user.username)
            self.assertEqual(self.visible(user, Deferral), set(), user.username)

    def test_deferrals_and_counts_follow_the_same_areas(self):
        deferral = Deferral.objects.create(
            person=self.b1,
            reason=DeferralReason.REFUSED,
            recorded_on=dt.date(2021, 10, 1),
            recorded_by=self.district_b_org,
        )
        count = CoverageCount.objects.create(area=self.commune_b1, on=dt.date(2021, 11, 1), age_band="18_64",
                                             level="1dose", count=10, submitter=self.district_b_org)  # fmt: skip
        self.assertEqual(self.visible(self.district_b, Deferral), {deferral})
        self.assertEqual(self.visible(self.district_a, Deferral), set())
        self.assertEqual(self.visible(self.district_b, CoverageCount), {count})
        self.assertEqual(self.visible(self.commune, CoverageCount), set())
        self.assertEqual(self.visible(self.province_analyst, CoverageCount), {count})

    def test_only_writing_roles_may_change_doses(self):
        self.assertEqual(set(access.visible(Dose, self.commune, write=True)), {self.dose_a1})
        self.assertEqual(set(access.visible(Dose, self.province_analyst, write=True)), set())
