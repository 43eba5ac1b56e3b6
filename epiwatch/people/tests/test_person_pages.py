import uuid

from django.urls import reverse

from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.people import sections
from epiwatch.people.models import DuplicateCandidate, Person
from epiwatch.people.tests.base import PeopleTestCase

CREATE_URL = reverse("person-create")


def detail_url(person):
    return reverse("person-detail", args=[person.public_id])


def edit_url(person):
    return reverse("person-edit", args=[person.public_id])


def form_data(**values):
    data = {
        "national_id": "",
        "full_name": "Đặng Thị Hồng",
        "date_of_birth": "",
        "birth_year": "",
        "sex": "F",
        "phone": "",
        "residence": "",
        "address": "",
    }
    data.update(values)
    return data


class PersonDetailTests(PeopleTestCase):
    def test_it_shows_identity_residence_and_rosters(self):
        self.login(self.commune)
        response = self.client.get(detail_url(self.student))
        self.assertContains(response, "Lê Minh Khoa")
        self.assertContains(response, "Phường 8")
        self.assertContains(response, "Thành phố Bạc Liêu")  # the residence's ancestors
        self.assertContains(response, "THPT Bạc Liêu")
        self.assertContains(response, "10A1")

    def test_it_is_shown_to_the_areas_above_the_residence(self):
        self.assert_allowed(
            detail_url(self.duc), [self.commune, self.district_a, self.province_admin, self.province_analyst]
        )

    def test_it_is_refused_to_everyone_else(self):
        # district_b may not see district A's residents, the school a person not on its roster, outsider nothing
        users = self.everyone_but(self.commune, self.district_a, self.province_admin, self.province_analyst)
        self.assert_refused(detail_url(self.duc), users)

    def test_it_is_shown_to_a_school_only_while_the_person_is_on_its_roster(self):
        self.assert_allowed(detail_url(self.student), [self.school])
        self.assert_refused(detail_url(self.student), [self.enterprise, self.district_b])
        self.student_entry.deactivate()
        self.assert_refused(detail_url(self.student), [self.school])

    def test_it_links_the_audit_history_for_province_admins_only(self):
        history = reverse("audit-search") + f"?object_id={self.duc.public_id}"
        self.login(self.province_admin)
        self.assertContains(self.client.get(detail_url(self.duc)), history)
        self.login(self.district_a)
        self.assertNotContains(self.client.get(detail_url(self.duc)), history)

    def test_it_answers_404_for_an_unknown_id(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(reverse("person-detail", args=[uuid.uuid4()])).status_code, 404)
        self.assertEqual(self.client.get("/people/not-a-uuid/").status_code, 404)

    def test_it_shows_sections_other_apps_register(self):
        def results(person, user):
            if person != self.duc:
                return None
            return sections.Section(
                "Test results", "people/_section_table.html", {"columns": ["Type"], "rows": [["RT-PCR"]]}
            )

        sections.register(results)
        self.addCleanup(sections._providers.remove, results)
        self.login(self.commune)
        self.assertContains(self.client.get(detail_url(self.duc)), "<td>RT-PCR</td>", html=True)
        self.assertNotContains(self.client.get(detail_url(self.student)), "RT-PCR")

    def test_it_points_a_merged_record_to_the_kept_one(self):
        twin = Person.objects.create(
            full_name="Nguyễn Văn Đức", residence=self.commune_a1, merged_into=self.duc
        )
        self.login(self.commune)
        response = self.client.get(detail_url(twin))
        self.assertContains(response, "This record was merged into another record of the same person.")
        self.assertContains(response, detail_url(self.duc))


class PersonCreateTests(PeopleTestCase):
    def test_it_registers_a_person(self):
        self.login(self.commune)
        response = self.client.post(
            CREATE_URL,
            form_data(
                national_id="095199001111",
                date_of_birth="03/07/1999",
                phone="0912 000 111",
                residence=self.commune_a1.pk,
            ),
        )
        person = Person.objects.get(national_id="095199001111")
        self.assertRedirects(response, detail_url(person))
        self.assertEqual(person.phone, "0912000111")
        self.assertEqual(person.birth_year, 1999)
        self.assertEqual(person.created_by, self.commune_org)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(person.public_id)).exists()
        )

    def test_it_names_what_is_wrong_with_a_national_id(self):
        self.login(self.commune)
        cases = {
            "12345": "has 5 digits; a CCCD has 12 and a CMND 9",
            "0951990011AB": "must contain digits only",
            "099199001111": "starts with 099, which is not a province code",
            "095499001111": "gives a birth year of 2199, which is in the future",
        }
        for number, message in cases.items():
            response = self.client.post(CREATE_URL, form_data(national_id=number))
            self.assertContains(response, message, msg_prefix=number)
        self.assertFalse(Person.objects.filter(full_name="Đặng Thị Hồng").exists())

    def test_it_refuses_a_national_id_that_contradicts_the_sex_or_birth_year(self):
        self.login(self.commune)
        response = self.client.post(
            CREATE_URL, form_data(national_id="095090001111", sex="F", birth_year="1991")
        )
        self.assertContains(response, "The national ID 095090001111 belongs to a man.")
        self.assertContains(response, "The national ID 095090001111 gives a year of birth of 1990.")

    def test_it_refuses_a_phone_that_is_no_phone_number(self):
        self.login(self.commune)
        response = self.client.post(CREATE_URL, form_data(phone="12345"))
        self.assertContains(response, "12345 is not a Vietnamese phone number")

    def test_it_shows_the_existing_person_instead_of_a_duplicate(self):
        self.login(self.commune)
        response = self.client.post(
            CREATE_URL,
            form_data(national_id="095090001234", full_name="Nguyễn Văn Đức", sex="M", birth_year="1990"),
        )
        self.assertRedirects(response, detail_url(self.duc), fetch_redirect_response=False)
        self.assertEqual(Person.objects.filter(national_id="095090001234").count(), 1)
        self.assertContains(self.client.get(detail_url(self.duc)), "This person is already registered")

    def test_it_shows_a_contradiction_with_the_registry(self):
        self.login(self.commune)
        self.client.post(
            CREATE_URL,
            form_data(
                national_id="095090001234", full_name="Nguyen Van Duc", sex="M", date_of_birth="05/05/1990"
            ),
        )
        page = self.client.get(detail_url(self.duc))
        self.assertContains(page, "date_of_birth differs from the registry (01/02/1990)")
        self.duc.refresh_from_db()
        self.assertEqual(str(self.duc.date_of_birth), "1990-02-01")

    def test_it_does_not_reveal_a_match_outside_the_users_area(self):
        self.login(self.commune)
        response = self.client.post(
            CREATE_URL, form_data(national_id="095199004321", full_name="Trần Thị Lan", birth_year="1999")
        )
        self.assertContains(
            response,
            "This person is already registered (same national ID) by an organization outside your area",
        )
        self.assertNotContains(response, str(self.lan.public_id))
        self.assertEqual(Person.objects.filter(national_id="095199004321").count(), 1)

    def test_it_records_an_uncertain_match_for_review(self):
        self.login(self.commune)
        response = self.client.post(
            CREATE_URL,
            form_data(full_name="Nguyễn Văn Đức", sex="M", birth_year="1990", residence=self.commune_a1.pk),
        )
        created = Person.objects.exclude(pk=self.duc.pk).get(name_norm="nguyen van duc")
        self.assertRedirects(response, detail_url(created), fetch_redirect_response=False)
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual((candidate.person_a, candidate.person_b), (self.duc, created))
        self.assertContains(
            self.client.get(detail_url(created)), "A possible duplicate (same name, birth and commune)"
        )

    def test_it_is_refused_to_users_who_may_not_register_people(self):
        self.assert_refused(CREATE_URL, [None, self.outsider, self.province_analyst])
        self.assert_refused(CREATE_URL, [self.province_analyst], method="post", data=form_data())
        self.assertFalse(Person.objects.filter(full_name="Đặng Thị Hồng").exists())


class PersonEditTests(PeopleTestCase):
    def test_it_saves_changes_with_an_audit_event(self):
        self.login(self.commune)
        data = form_data(
            national_id="095090001234",
            full_name="Nguyen Van Duc",
            date_of_birth="01/02/1990",
            sex="M",
            phone="0987 654 321",
            residence=self.commune_a1.pk,
            comorbidities="diabetes,  hypertension ,",
        )
        response = self.client.post(edit_url(self.duc), data)
        self.assertRedirects(response, detail_url(self.duc), fetch_redirect_response=False)
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.phone, "0987654321")
        self.assertEqual(self.duc.comorbidities, ["diabetes", "hypertension"])
        self.assertContains(self.client.get(edit_url(self.duc)), 'value="diabetes, hypertension"')
        event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(self.duc.public_id))
        self.assertEqual(event.changes["phone"], ["0912345678", "0987654321"])
        self.assertEqual(event.user, self.commune)

    def test_it_refuses_a_national_id_of_another_record(self):
        self.login(self.province_admin)
        response = self.client.post(
            edit_url(self.duc),
            form_data(national_id="095199004321", full_name="Nguyen Van Duc", sex="U", birth_year="1999"),
        )
        self.assertContains(
            response, "National ID 095199004321 already belongs to another record (Trần Thị Lan)."
        )
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.national_id, "095090001234")

    def test_it_records_a_candidate_when_an_edit_makes_two_records_alike(self):
        other = Person.objects.create(
            full_name="Nguyễn Văn Đúc", birth_year=1990, phone="0912345678", residence=self.commune_a1
        )
        self.login(self.commune)
        self.client.post(
            edit_url(other),
            form_data(full_name="Nguyễn Văn Đức", sex="M", birth_year="1990", phone="0912345678"),
        )
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual({candidate.person_a, candidate.person_b}, {self.duc, other})

    def test_it_is_refused_to_users_who_may_not_change_the_person(self):
        url = edit_url(self.duc)
        self.assert_refused(
            url, [None, self.outsider, self.district_b, self.school, self.lab, self.other_province_user]
        )
        self.assert_refused(url, [self.province_analyst], statuses=(403,))
        self.assert_refused(
            url, [self.district_b, self.province_analyst], method="post", data=form_data(full_name="X")
        )
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.full_name, "Nguyen Van Duc")
