from epiwatch.accounts import access
from epiwatch.people.models import DuplicateCandidate, Person, RosterEntry
from epiwatch.people.tests.base import PeopleTestCase


class PersonAccessTests(PeopleTestCase):
    def visible_names(self, user, write=False):
        return set(access.visible(Person, user, write=write).values_list("full_name", flat=True))

    def test_it_shows_each_user_the_people_of_their_scope(self):
        duc, lan, hai, khoa = "Nguyen Van Duc", "Trần Thị Lan", "Phạm Văn Hải", "Lê Minh Khoa"
        expected = {
            self.province_admin: {duc, lan, khoa},
            self.province_analyst: {duc, lan, khoa},
            self.district_a: {duc, khoa},
            self.district_b: {lan},
            self.commune: {duc, khoa},  # Khoa lives in commune A2 but the commune station registered him
            self.school: {khoa},
            self.enterprise: set(),
            self.lab: set(),
            self.other_province_user: {hai},
            self.outsider: set(),
        }
        for user, names in expected.items():
            self.assertEqual(self.visible_names(user), names, user.username)

    def test_it_lets_only_writing_roles_change_people(self):
        self.assertEqual(self.visible_names(self.province_analyst, write=True), set())
        self.assertEqual(self.visible_names(self.district_b, write=True), {"Trần Thị Lan"})
        self.assertEqual(self.visible_names(self.school, write=True), {"Lê Minh Khoa"})

    def test_it_follows_registered_person_links(self):
        def results_submitted(scope):
            # what a later app registers: e.g. the people a lab submitted results for
            people = (
                Person.objects.filter(pk=self.lan.pk)
                if self.lab_org.pk in scope.org_ids
                else Person.objects.none()
            )
            return people.values("pk")

        access.person_link(results_submitted)
        self.addCleanup(access._person_links.remove, results_submitted)
        self.assertEqual(self.visible_names(self.lab), {"Trần Thị Lan"})
        self.assertEqual(self.visible_names(self.enterprise), set())

    def test_it_shows_a_roster_to_its_organization_and_the_areas_above(self):
        for user, count in [
            (self.school, 1),
            (self.commune, 1),
            (self.district_a, 1),
            (self.district_b, 0),
            (self.enterprise, 0),
        ]:
            self.assertEqual(access.visible(RosterEntry, user).count(), count, user.username)

    def test_it_shows_duplicates_to_the_admins_of_the_province_only(self):
        DuplicateCandidate.objects.create(person_a=self.duc, person_b=self.student, reason="test")
        self.assertEqual(access.visible(DuplicateCandidate, self.province_admin).count(), 1)
        for user in (self.province_analyst, self.district_a, self.commune, self.other_province_user):
            self.assertEqual(access.visible(DuplicateCandidate, user).count(), 0, user.username)
