from django.urls import reverse

from epiwatch.people.merge import merge
from epiwatch.people.models import DuplicateCandidate, Merge, Person, RosterEntry
from epiwatch.people.tests.base import PeopleTestCase

LIST_URL = reverse("duplicate-list")


class DuplicatePagesTestCase(PeopleTestCase):
    def setUp(self):
        self.copy = Person.objects.create(
            full_name="Nguyễn Văn Đức",
            birth_year=1990,
            sex="M",
            residence=self.commune_a1,
            phone="0987000111",
        )
        self.entry = RosterEntry.objects.create(organization=self.enterprise_org, person=self.copy)
        self.candidate = DuplicateCandidate.objects.create(
            person_a=self.duc, person_b=self.copy, reason="same name, birth and commune", score=0.6
        )

    def merge_url(self):
        return reverse("duplicate-merge", args=[self.candidate.public_id])

    def dismiss_url(self):
        return reverse("duplicate-dismiss", args=[self.candidate.public_id])


class DuplicateListTests(DuplicatePagesTestCase):
    def test_it_shows_open_candidates_side_by_side(self):
        self.login(self.province_admin)
        response = self.client.get(LIST_URL)
        self.assertContains(response, "same name, birth and commune")
        self.assertContains(response, "<td>Nguyen Van Duc</td><td>Nguyễn Văn Đức</td>", html=True)
        self.assertContains(response, "<td>0912345678</td><td>0987000111</td>", html=True)
        self.assertContains(response, self.merge_url())

    def test_it_leaves_decided_candidates_out(self):
        self.candidate.decide(DuplicateCandidate.Status.DISMISSED, self.province_admin)
        self.login(self.province_admin)
        self.assertContains(self.client.get(LIST_URL), "No possible duplicates to review.")

    def test_it_is_refused_to_everyone_but_province_admins(self):
        users = self.everyone_but(self.province_admin, self.other_province_user)
        self.assert_refused(LIST_URL, users)

    def test_it_does_not_show_another_provinces_duplicates(self):
        self.login(self.other_province_user)
        response = self.client.get(LIST_URL)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nguyen Van Duc")


class MergeFromTheListTests(DuplicatePagesTestCase):
    def test_it_merges_keeping_the_chosen_record(self):
        self.login(self.province_admin)
        response = self.client.post(self.merge_url(), {"keep": "a"})
        record = Merge.objects.get()
        self.assertRedirects(
            response, reverse("merge-undo", args=[record.public_id]), fetch_redirect_response=False
        )
        self.assertEqual((record.source, record.target), (self.copy, self.duc))
        self.assertEqual(RosterEntry.objects.get(pk=self.entry.pk).person, self.duc)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, DuplicateCandidate.Status.MERGED)
        self.assertEqual(self.candidate.decided_by, self.province_admin)
        page = self.client.get(response["Location"])
        self.assertContains(page, "Nguyễn Văn Đức was merged into Nguyen Van Duc")
        self.assertContains(page, "people.rosterentry")

    def test_it_dismisses_a_pair_of_different_people(self):
        self.login(self.province_admin)
        self.assertRedirects(self.client.post(self.dismiss_url()), LIST_URL)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, DuplicateCandidate.Status.DISMISSED)
        self.assertFalse(Merge.objects.exists())

    def test_it_does_not_decide_a_pair_twice(self):
        self.login(self.province_admin)
        self.client.post(self.dismiss_url())
        response = self.client.post(self.merge_url(), {"keep": "b"}, follow=True)
        self.assertContains(response, "This pair was already decided.")
        self.assertFalse(Merge.objects.exists())

    def test_it_asks_which_record_to_keep(self):
        self.login(self.province_admin)
        response = self.client.post(self.merge_url(), {"keep": "c"}, follow=True)
        self.assertContains(response, "Choose which record to keep.")
        self.assertFalse(Merge.objects.exists())

    def test_it_refuses_merging_and_dismissing_to_others(self):
        users = self.everyone_but(self.province_admin)
        self.assert_refused(self.merge_url(), users, method="post", data={"keep": "a"})
        self.assert_refused(self.dismiss_url(), users, method="post")
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, DuplicateCandidate.Status.OPEN)
        self.assertFalse(Merge.objects.exists())

    def test_it_accepts_only_post(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(self.merge_url()).status_code, 405)


class MergeUndoPageTests(DuplicatePagesTestCase):
    def setUp(self):
        super().setUp()
        self.record = merge(self.copy, self.duc, self.province_admin)
        self.url = reverse("merge-undo", args=[self.record.public_id])

    def test_it_shows_what_the_merge_moved_and_filled(self):
        self.login(self.province_admin)
        response = self.client.get(self.url)
        self.assertContains(response, "1 record moved to the kept record")
        self.assertContains(response, "Undo this merge")

    def test_it_undoes_the_merge(self):
        self.login(self.province_admin)
        response = self.client.post(self.url, follow=True)
        self.assertContains(response, "The merge was undone")
        self.assertNotContains(response, "Undo this merge")
        self.assertEqual(RosterEntry.objects.get(pk=self.entry.pk).person, self.copy)
        self.assertIsNone(Person.objects.get(pk=self.copy.pk).merged_into)

    def test_it_refuses_undoing_twice(self):
        self.login(self.province_admin)
        self.client.post(self.url)
        response = self.client.post(self.url, follow=True)
        self.assertContains(response, "This merge was already undone.")

    def test_it_is_refused_to_everyone_but_province_admins(self):
        users = self.everyone_but(self.province_admin)
        self.assert_refused(self.url, users)
        self.assert_refused(self.url, users, method="post")
        self.record.refresh_from_db()
        self.assertIsNone(self.record.undone_at)

    def test_it_is_linked_from_both_records(self):
        self.login(self.province_admin)
        self.assertContains(self.client.get(reverse("person-detail", args=[self.duc.public_id])), self.url)
        self.assertContains(self.client.get(reverse("person-detail", args=[self.copy.public_id])), self.url)
