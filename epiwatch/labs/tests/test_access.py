"""Who sees which results, pools and import batches, including a guessed id of another organization's record."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404

from epiwatch.accounts import access
from epiwatch.labs.models import ImportBatch, Pool, TestResult
from epiwatch.labs.tests.base import ResultsTestCase, row, submit_as
from epiwatch.people.models import Person

LAN = {
    "national_id": "095199004321",
    "full_name": "Trần Thị Lan",
    "sex": "F",
    "date_of_birth": "03/07/1999",
    "commune_code": "31840",
}
HONG = {
    "national_id": "095185004321",
    "full_name": "Lê Thị Hồng",
    "sex": "F",
    "date_of_birth": "09/04/1985",
    "commune_code": "31816",
}


class ResultAccessTests(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        submit_as(cls.lab_org, [row(external_id="LAB-DUC"), row(external_id="LAB-LAN", **LAN)])
        submit_as(cls.enterprise_org, [row(external_id="ENT-HONG", test_type="TNKN", **HONG)])
        submit_as(cls.lab_org, [row(external_id="POOL-DUC", test_type="PCR gộp", pool_id="G-1")])
        cls.by_ext = {r.external_id: r for r in TestResult.objects.all()}

    def seen(self, user) -> set[str]:
        return set(access.visible(TestResult, user).values_list("external_id", flat=True))

    def test_each_user_sees_the_results_of_their_scope(self):
        expected = {
            self.province_admin: {"LAB-DUC", "LAB-LAN", "ENT-HONG", "POOL-DUC"},
            self.province_analyst: {"LAB-DUC", "LAB-LAN", "ENT-HONG", "POOL-DUC"},
            self.district_a: {"LAB-DUC", "ENT-HONG", "POOL-DUC"},  # Đức lives in A1, Hồng in A2
            self.district_b: {"LAB-LAN"},
            self.commune: {"LAB-DUC", "POOL-DUC"},  # its residents only
            self.lab: {"LAB-DUC", "LAB-LAN", "POOL-DUC"},  # what it submitted
            self.enterprise: {"ENT-HONG"},  # its worker, as it submitted
            self.school: set(),
            self.other_province_user: set(),
            self.outsider: set(),
        }
        for user, external_ids in expected.items():
            with self.subTest(user.username):
                self.assertEqual(self.seen(user), external_ids)

    def test_a_guessed_id_of_another_organizations_result_is_not_found(self):
        lan_result = self.by_ext["LAB-LAN"]
        for user in (self.enterprise, self.school, self.commune, self.district_a, self.other_province_user):
            with self.subTest(user.username), self.assertRaises(Http404):
                access.get_for_user(TestResult, user, public_id=lan_result.public_id)
        with self.assertRaises(Http404):
            access.get_for_user(TestResult, self.lab, public_id=uuid.uuid4())
        with self.assertRaises(Http404):
            access.get_for_user(TestResult, self.lab, public_id=str(lan_result.pk))  # an integer id is no id
        self.assertEqual(
            access.get_for_user(TestResult, self.district_b, public_id=lan_result.public_id), lan_result
        )

    def test_only_the_submitter_and_the_province_admin_may_change_a_result(self):
        result = self.by_ext["LAB-DUC"]
        self.assertEqual(
            access.get_for_user(TestResult, self.lab, write=True, public_id=result.public_id), result
        )
        access.get_for_user(TestResult, self.province_admin, write=True, public_id=result.public_id)
        for user in (self.commune, self.district_a, self.province_analyst):
            with self.subTest(user.username), self.assertRaises(PermissionDenied):
                access.get_for_user(TestResult, user, write=True, public_id=result.public_id)

    def test_a_lab_sees_the_people_it_submitted_results_for(self):
        people = set(access.visible(Person, self.lab).values_list("full_name", flat=True))
        self.assertEqual(people, {"Nguyễn Văn Đức", "Trần Thị Lan"})
        self.assertNotIn(
            "Trần Thị Lan", access.visible(Person, self.enterprise).values_list("full_name", flat=True)
        )

    def test_pools_are_seen_by_their_submitter_and_the_areas_of_their_members(self):
        pool = Pool.objects.get()
        for user in (self.lab, self.commune, self.district_a, self.province_analyst):
            with self.subTest(user.username):
                self.assertEqual(list(access.visible(Pool, user)), [pool])
        for user in (self.district_b, self.enterprise, self.school, self.other_province_user, self.outsider):
            with self.subTest(user.username), self.assertRaises(Http404):
                access.get_for_user(Pool, user, public_id=pool.public_id)


class BatchAccessTests(ResultsTestCase):
    def test_a_batch_is_seen_by_its_organization_and_the_areas_above_it(self):
        batch = ImportBatch.objects.create(organization=self.enterprise_org, file_name="ca-sang.csv")
        for user in (self.enterprise, self.district_a, self.province_admin):
            with self.subTest(user.username):
                self.assertEqual(access.get_for_user(ImportBatch, user, public_id=batch.public_id), batch)
        for user in (
            self.commune,
            self.district_b,
            self.lab,
            self.school,
            self.other_province_user,
            self.outsider,
        ):
            with self.subTest(user.username), self.assertRaises(Http404):
                access.get_for_user(ImportBatch, user, public_id=batch.public_id)
        with self.assertRaises(PermissionDenied):
            access.get_for_user(ImportBatch, self.district_a, write=True, public_id=batch.public_id)
        access.get_for_user(ImportBatch, self.enterprise, write=True, public_id=batch.public_id)
