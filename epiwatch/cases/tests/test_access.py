"""Who sees cases: the area organizations of the case's area, nobody else."""

from django.http import Http404

from epiwatch.accounts import access
from epiwatch.cases.models import Case, CaseEvent
from epiwatch.labs.tests.base import ResultsTestCase, row, submit_as


class CaseAccessTests(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        submit_as(cls.lab_org, [row(result="positive")])  # Đức, Phường 7 (district A)
        cls.case = Case.objects.get()

    def test_the_area_organizations_see_the_case_and_its_timeline(self):
        for user in (self.commune, self.district_a, self.province_admin, self.province_analyst):
            with self.subTest(user.username):
                self.assertEqual(access.get_for_user(Case, user, public_id=self.case.public_id), self.case)
                self.assertEqual(access.visible(CaseEvent, user).count(), 1)

    def test_the_submitting_lab_and_everyone_else_do_not(self):
        for user in (
            self.lab,
            self.district_b,
            self.school,
            self.enterprise,
            self.other_province_user,
            self.outsider,
        ):
            with self.subTest(user.username), self.assertRaises(Http404):
                access.get_for_user(Case, user, public_id=self.case.public_id)
            self.assertEqual(access.visible(CaseEvent, user).count(), 0)
