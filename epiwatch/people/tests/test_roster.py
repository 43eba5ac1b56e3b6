from django.urls import reverse

from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.people.merge import merge
from epiwatch.people.models import DuplicateCandidate, Person, RosterEntry
from epiwatch.people.tests.base import PeopleTestCase


def roster_url(org):
    return reverse("roster", args=[org.public_id])


def add_url(org):
    return reverse("roster-add", args=[org.public_id])


def entry_data(**values):
    data = {
        "national_id": "",
        "full_name": "Hồ Thị Thu",
        "date_of_birth": "",
        "birth_year": "2007",
        "sex": "F",
        "phone": "",
        "residence": "",
        "address": "",
        "role": "student",
        "group": "10A2",
        "shift": "",
        "employee_code": "HS-07",
    }
    data.update(values)
    return data


class RosterPageTests(PeopleTestCase):
    def test_it_lists_the_active_roster(self):
        left = Person.objects.create(full_name="Đỗ Văn Tâm", birth_year=2005, residence=self.commune_a1)
        RosterEntry.objects.create(organization=self.school_org, person=left, active=False)
        self.login(self.school)
        response = self.client.get(roster_url(self.school_org))
        self.assertContains(response, "Lê Minh Khoa")
        self.assertContains(response, "10A1")
        self.assertNotContains(response, "Đỗ Văn Tâm")
        self.assertContains(self.client.get(roster_url(self.school_org), {"show": "all"}), "Đỗ Văn Tâm")

    def test_it_lists_a_merged_person_once(self):
        copy = Person.objects.create(full_name="Lê Minh Khoa", birth_year=2006, residence=self.commune_a2)
        RosterEntry.objects.create(organization=self.school_org, person=copy, group="10A1")
        merge(copy, self.student)  # both on the roster: the copy's entry stays with the merged record
        self.login(self.school)
        response = self.client.get(roster_url(self.school_org))
        self.assertEqual([e.person for e in response.context["page"]], [self.student])

    def test_it_filters_by_name(self):
        self.login(self.commune)
        self.assertContains(self.client.get(roster_url(self.school_org), {"q": "le minh"}), "Lê Minh Khoa")
        self.assertNotContains(self.client.get(roster_url(self.school_org), {"q": "tran"}), "Lê Minh Khoa")

    def test_it_is_shown_to_the_organization_and_the_areas_above_it(self):
        self.assert_allowed(
            roster_url(self.school_org),
            [self.school, self.commune, self.district_a, self.province_admin, self.province_analyst],
        )

    def test_it_is_refused_to_everyone_else(self):
        users = self.everyone_but(
            self.school, self.commune, self.district_a, self.province_admin, self.province_analyst
        )
        self.assert_refused(roster_url(self.school_org), users)

    def test_it_exists_only_for_organizations_that_keep_a_roster(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(roster_url(self.commune_org)).status_code, 404)


class RosterAddTests(PeopleTestCase):
    def test_it_registers_a_new_person_on_the_roster(self):
        self.login(self.school)
        response = self.client.post(add_url(self.school_org), entry_data(residence=self.commune_a1.pk))
        self.assertRedirects(response, roster_url(self.school_org), fetch_redirect_response=False)
        entry = RosterEntry.objects.get(organization=self.school_org, person__full_name="Hồ Thị Thu")
        self.assertEqual((entry.role, entry.group, entry.employee_code), ("student", "10A2", "HS-07"))
        self.assertEqual(entry.person.created_by, self.school_org)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(entry.public_id)).exists()
        )

    def test_it_reuses_the_registry_record_found_by_national_id(self):
        self.login(self.enterprise)
        self.assert_refused(reverse("person-detail", args=[self.lan.public_id]), [self.enterprise])
        self.login(self.enterprise)
        self.client.post(
            add_url(self.enterprise_org),
            entry_data(
                national_id="095199004321",
                full_name="Tran Thi Lan",
                birth_year="1999",
                role="worker",
                shift="A",
            ),
        )
        self.assertEqual(Person.objects.filter(national_id="095199004321").count(), 1)
        self.assertTrue(
            RosterEntry.objects.filter(organization=self.enterprise_org, person=self.lan, shift="A").exists()
        )
        self.assert_allowed(reverse("person-detail", args=[self.lan.public_id]), [self.enterprise])

    def test_it_flags_a_contradiction_and_an_uncertain_match(self):
        self.login(self.enterprise)
        response = self.client.post(
            add_url(self.enterprise_org),
            entry_data(
                national_id="095199004321",
                full_name="Tran Thi Lan",
                date_of_birth="04/07/1999",
                birth_year="",
            ),
            follow=True,
        )
        self.assertContains(response, "date_of_birth differs from the registry (03/07/1999)")
        response = self.client.post(
            add_url(self.enterprise_org),
            entry_data(full_name="Lê Minh Khoa", sex="M", birth_year="2006", residence=self.commune_a2.pk),
            follow=True,
        )
        self.assertContains(response, "A possible duplicate (same name, birth and commune)")
        self.assertEqual(DuplicateCandidate.objects.get().person_a, self.student)

    def test_it_does_not_add_a_person_twice_and_reactivates_one_who_left(self):
        Person.objects.filter(pk=self.student.pk).update(national_id="095206001111")
        data = entry_data(national_id="095206001111", full_name="Lê Minh Khoa", sex="M", birth_year="2006")
        self.login(self.school)
        response = self.client.post(add_url(self.school_org), data, follow=True)
        self.assertContains(response, "Lê Minh Khoa is already on the roster.")
        self.student_entry.deactivate()
        response = self.client.post(add_url(self.school_org), data, follow=True)
        self.assertContains(response, "Lê Minh Khoa is on the roster again.")
        self.assertEqual(RosterEntry.objects.filter(organization=self.school_org).count(), 1)
        self.assertTrue(RosterEntry.objects.get(pk=self.student_entry.pk).active)
        self.assertEqual(Person.objects.filter(name_norm="le minh khoa").count(), 1)

    def test_it_is_refused_to_those_who_may_not_change_the_roster(self):
        url = add_url(self.school_org)
        self.assert_refused(
            url, self.everyone_but(self.school, self.commune, self.district_a, self.province_admin)
        )
        self.assert_refused(url, [self.province_analyst], method="post", data=entry_data(), statuses=(403,))
        self.assertFalse(Person.objects.filter(full_name="Hồ Thị Thu").exists())


class RosterDeactivateTests(PeopleTestCase):
    def url(self):
        return reverse("roster-deactivate", args=[self.student_entry.public_id])

    def test_it_takes_a_person_off_the_roster_and_out_of_the_schools_sight(self):
        self.login(self.school)
        self.assertRedirects(
            self.client.post(self.url()), roster_url(self.school_org), fetch_redirect_response=False
        )
        self.student_entry.refresh_from_db()
        self.assertFalse(self.student_entry.active)
        self.assertIsNotNone(self.student_entry.left_on)
        self.assert_refused(reverse("person-detail", args=[self.student.public_id]), [self.school])

    def test_it_is_refused_to_those_who_may_not_change_the_roster(self):
        users = self.everyone_but(self.school, self.commune, self.district_a, self.province_admin)
        self.assert_refused(self.url(), users, method="post")
        self.student_entry.refresh_from_db()
        self.assertTrue(self.student_entry.active)

    def test_it_accepts_only_post(self):
        self.login(self.school)
        self.assertEqual(self.client.get(self.url()).status_code, 405)
