from django.urls import reverse

from epiwatch.people.models import Person
from epiwatch.people.tests.base import PeopleTestCase

URL = reverse("person-search")


class PersonSearchTests(PeopleTestCase):
    def search(self, user, q, **params):
        self.login(user)
        return self.client.get(URL, {"q": q, **params})

    def test_it_finds_a_name_typed_with_accents_in_a_record_without(self):
        response = self.search(self.commune, "nguyễn văn đức")
        self.assertContains(response, "Nguyen Van Duc")
        self.assertContains(response, reverse("person-detail", args=[self.duc.public_id]))

    def test_it_finds_a_name_typed_without_accents_in_a_record_with(self):
        response = self.search(self.district_b, "TRAN thi")
        self.assertContains(response, "Trần Thị Lan")

    def test_it_finds_by_national_id_and_by_phone_in_any_spelling(self):
        self.assertContains(self.search(self.commune, "0950 9000 1234"), "Nguyen Van Duc")
        self.assertContains(self.search(self.commune, "+84 912 345 678"), "Nguyen Van Duc")
        self.assertNotContains(self.search(self.commune, "0912345679"), "Nguyen Van Duc")

    def test_it_shows_only_people_the_user_may_see(self):
        self.assertNotContains(self.search(self.district_b, "nguyen van duc"), "Nguyen Van Duc")
        self.assertNotContains(self.search(self.district_a, "tran thi lan"), "Trần Thị Lan")
        self.assertNotContains(self.search(self.other_province_user, "095090001234"), "Nguyen Van Duc")
        self.assertContains(self.search(self.province_analyst, "tran thi lan"), "Trần Thị Lan")
        self.assertNotContains(self.search(self.province_admin, "pham van hai"), "Phạm Văn Hải")

    def test_it_shows_a_school_only_its_roster(self):
        self.assertNotContains(self.search(self.school, "nguyen van duc"), "Nguyen Van Duc")
        self.assertContains(self.search(self.school, "khoa"), "Lê Minh Khoa")
        self.student_entry.deactivate()
        self.assertNotContains(self.search(self.school, "khoa"), "Lê Minh Khoa")

    def test_it_leaves_merged_records_out(self):
        twin = Person.objects.create(full_name="Nguyễn Văn Đức", birth_year=1990, residence=self.commune_a1)
        Person.objects.filter(pk=twin.pk).update(merged_into=self.duc)
        response = self.search(self.commune, "duc")
        self.assertEqual(response.context["page"].paginator.count, 1)

    def test_it_paginates(self):
        Person.objects.bulk_create(
            [Person(full_name=f"Võ Thị Mai {i:02d}", residence=self.commune_a2).prepare() for i in range(60)]
        )
        first = self.search(self.district_a, "vo thi mai")
        self.assertEqual(first.context["page"].paginator.count, 60)
        self.assertEqual(len(first.context["page"].object_list), 50)
        self.assertContains(first, "?q=vo+thi+mai&amp;page=2")
        second = self.search(self.district_a, "vo thi mai", page=2)
        self.assertEqual(len(second.context["page"].object_list), 10)

    def test_it_says_when_nobody_matches(self):
        self.assertContains(self.search(self.commune, "zzz"), "Nobody you may see matches this search.")

    def test_it_refuses_anonymous_users_and_users_without_membership(self):
        self.assert_refused(URL, [None, self.outsider])
