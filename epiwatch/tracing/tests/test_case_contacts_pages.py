"""The case's contacts page: household, roster and one person in one step each; who may see it and who may add."""

import datetime as dt

from django.urls import reverse

from epiwatch.people.models import Person
from epiwatch.tracing import contacts
from epiwatch.tracing.models import Contact, Exposure, Quarantine, Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase, frozen_today


class CaseContactsPageTestCase(TracingTestCase):
    def url(self, name="tracing-case-contacts", case=None):
        return reverse(name, args=[(case or self.case_an).public_id])

    def test_the_page_is_refused_outside_the_cases_area(self):
        self.assert_refused(
            self.url(),
            [
                None,
                self.district_b,
                self.school,
                self.enterprise,
                self.lab,
                self.other_province_user,
                self.outsider,
                self.facility_user,
            ],
        )
        self.assert_allowed(
            self.url(), [self.commune, self.commune_viewer, self.district_a, self.province_analyst]
        )

    def test_adding_is_refused_to_readers(self):
        for name in ("tracing-add-household", "tracing-add-roster", "tracing-add-person"):
            self.assert_refused(
                self.url(name), [None, self.district_b, self.enterprise, self.outsider], method="post"
            )
            self.assert_refused(
                self.url(name), [self.commune_viewer, self.province_analyst], method="post", statuses=(403,)
            )
        self.assertFalse(Exposure.objects.exists())

    def test_it_adds_the_household_in_one_step(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-household"), {"household-last_contact_date": "2021-11-06"}, follow=True
            )
        self.assertContains(response, "2 exposures recorded; 2 F1, 0 F2; 2 quarantine(s) planned.")
        self.assertContains(response, "Trần Thị Bình")
        self.assertContains(response, "Nguyễn Minh Châu")
        self.assertEqual(set(Exposure.objects.values_list("setting", flat=True)), {Setting.HOUSEHOLD})
        self.assertEqual(Exposure.objects.get(contact=self.binh).created_by_user, self.commune)

    def test_a_long_list_of_remarks_is_cut_short(self):
        for i in range(11):
            Person.objects.create(
                full_name=f"Người nhà {i}",
                residence=self.commune_a1,
                address="Số 12, Khóm 3",
                birth_year=2000,
            )
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-household"), {"household-last_contact_date": "2021-11-01"}, follow=True
            )
        shown = [str(m) for m in response.context["messages"]]
        self.assertEqual(shown[0], "13 exposures recorded; 0 F1, 0 F2; 0 quarantine(s) planned.")
        self.assertEqual(len(shown), 12)
        self.assertEqual(shown[-1], "… and 3 more like these.")
        self.assertEqual(Exposure.objects.count(), 13)

    def test_the_household_form_refuses_a_future_date(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-household"), {"household-last_contact_date": "2021-11-11"}
            )
        self.assertContains(response, "The last contact cannot be in the future.")
        self.assertFalse(Exposure.objects.exists())

    def test_it_adds_a_shift_in_one_step(self):
        self.login(self.district_a)  # sees the factory of commune A2
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-roster"),
                {
                    "roster-organization": self.enterprise_org.pk,
                    "roster-on_date": "2021-11-06",
                    "roster-shift": "Ca 1",
                    "roster-place": "centralized",
                    "roster-facility": self.facility.pk,
                },
                follow=True,
            )
        self.assertContains(response, "3 exposures recorded; 3 F1, 0 F2; 3 quarantine(s) planned.")
        self.assertEqual(Quarantine.objects.filter(facility=self.facility).count(), 3)

    def test_a_commune_cannot_pick_a_roster_it_does_not_see(self):
        self.login(self.commune)  # the factory is in commune A2
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-roster"),
                {"roster-organization": self.enterprise_org.pk, "roster-on_date": "2021-11-06"},
            )
        self.assertEqual(list(response.context["roster_form"].errors), ["organization"])
        self.assertFalse(Exposure.objects.exists())

    def test_it_says_when_nobody_is_on_that_shift(self):
        self.login(self.district_a)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-roster"),
                {
                    "roster-organization": self.enterprise_org.pk,
                    "roster-on_date": "2021-11-06",
                    "roster-shift": "Ca 3",
                },
                follow=True,
            )
        self.assertContains(
            response, "Nobody is on the roster of Nhà máy thủy sản 1 on 06/11/2021 with this shift or class."
        )

    def test_it_adds_one_new_person(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-person"),
                {
                    "person-full_name": "Hồ Thị Mai",
                    "person-birth_year": "1988",
                    "person-sex": "F",
                    "person-residence": self.commune_a1.pk,
                    "person-last_contact_date": "2021-11-05",
                    "person-setting": "community",
                },
                follow=True,
            )
        self.assertContains(response, "1 exposure recorded; 1 F1, 0 F2; 1 quarantine(s) planned.")
        mai = Person.objects.get(full_name="Hồ Thị Mai")
        self.assertEqual(mai.created_by, self.commune_org)
        self.assertEqual(Contact.objects.get(person=mai).level, 1)

    def test_it_adds_a_registered_person_by_id(self):
        self.login(self.commune)
        with frozen_today():
            self.client.post(
                self.url("tracing-add-person"),
                {
                    "person-person": str(self.neighbour.public_id),
                    "person-last_contact_date": "2021-11-05",
                    "person-setting": "community",
                    "person-sex": "U",
                },
            )
        self.assertTrue(Contact.objects.filter(person=self.neighbour).exists())

    def test_a_person_the_user_may_not_see_cannot_be_added_by_id(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-person"),
                {
                    "person-person": str(self.lan.public_id),
                    "person-last_contact_date": "2021-11-05",
                    "person-setting": "community",
                    "person-sex": "U",
                },
            )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Exposure.objects.exists())

    def test_adding_the_case_to_itself_is_refused_with_a_message(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                self.url("tracing-add-person"),
                {
                    "person-person": str(self.an.public_id),
                    "person-last_contact_date": "2021-11-05",
                    "person-setting": "community",
                    "person-sex": "U",
                },
                follow=True,
            )
        self.assertContains(response, "Nguyễn Văn An cannot be their own contact.")
        self.assertFalse(Exposure.objects.exists())

    def test_contacts_living_elsewhere_are_shown_without_their_names(self):
        contacts.add_contacts(
            self.case_an, [self.binh, self.lan], dt.date(2021, 11, 6), Setting.COMMUNITY, today=TODAY
        )
        self.login(self.commune)
        response = self.client.get(self.url())
        self.assertContains(response, "Trần Thị Bình")
        self.assertNotContains(response, "Phạm Thị Lan")
        self.assertContains(response, "1 contact lives outside your area: their commune follows them.")


class ContactListTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        contacts.add_contacts(
            self.case_an, [self.binh, self.lan], dt.date(2021, 11, 6), Setting.COMMUNITY, today=TODAY
        )

    def test_a_commune_sees_the_contacts_it_must_follow(self):
        self.login(self.commune)
        response = self.client.get(reverse("tracing-contact-list"))
        self.assertContains(response, "Trần Thị Bình")
        self.assertNotContains(response, "Phạm Thị Lan")
        self.login(self.district_b)
        response = self.client.get(reverse("tracing-contact-list"))
        self.assertContains(response, "Phạm Thị Lan")
        self.assertNotContains(response, "Trần Thị Bình")
        self.assertNotContains(response, "Nguyễn Văn An")  # the case is not theirs: named only as "case"

    def test_the_list_is_refused_to_who_has_no_area(self):
        self.assert_refused(
            reverse("tracing-contact-list"),
            [None, self.school, self.enterprise, self.lab, self.outsider, self.facility_user],
        )

    def test_a_contact_is_marked_lost_then_found_again(self):
        record = Contact.objects.get(person=self.binh)
        url = reverse("tracing-contact-status", args=[record.public_id])
        self.login(self.commune)
        self.client.post(url, {"status": "lost", "next": "https://evil.example/"})
        record.refresh_from_db()
        self.assertEqual(record.status, "lost")
        response = self.client.post(url, {"status": "follow_up"})
        self.assertRedirects(response, reverse("tracing-contact-list"))
        record.refresh_from_db()
        self.assertEqual(record.status, "follow_up")

    def test_a_status_change_is_refused_outside_the_area_and_to_readers(self):
        url = reverse("tracing-contact-status", args=[Contact.objects.get(person=self.lan).public_id])
        self.assert_refused(
            url,
            [None, self.school, self.other_province_user, self.outsider],
            method="post",
            data={"status": "lost"},
        )
        # the case's commune sees the record (it traced her) but her own commune follows her
        self.assert_refused(
            url,
            [self.province_analyst, self.commune],
            method="post",
            data={"status": "lost"},
            statuses=(403,),
        )
        self.assertEqual(Contact.objects.get(person=self.lan).status, "follow_up")

    def test_became_a_case_cannot_be_typed_in(self):
        record = Contact.objects.get(person=self.binh)
        with self.assertRaisesMessage(
            contacts.TracingError, "A contact who is 'Under follow-up' cannot be marked 'Became a case'."
        ):
            contacts.set_status(record, "converted")
