"""The quick-entry page: find or register the person, type the result, Enter; undo by amendment; who may use it."""

import uuid

from django.urls import reverse

from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.cases.models import Case
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.tests.base import local
from epiwatch.labs.tests.web import ResultsWebTestCase
from epiwatch.people.models import DuplicateCandidate, Person

ENTRY = reverse("results-entry")
LOOKUP = reverse("results-entry-lookup")


def entry(**values) -> dict:
    """A quick entry as the page posts it; the defaults are a negative antigen test of 02/11/2021."""
    data = {
        "organization": "bl-tyt-31813",
        "test_type": "antigen",
        "result": "-",
        "sampled_at": "02/11/2021 07:30",
        "reason": "screening",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


class QuickEntryTests(ResultsWebTestCase):
    def post(self, user=None, **values):
        self.login(user or self.commune)
        return self.client.post(ENTRY, entry(**values))

    # --- who may use it --------------------------------------------------------------------------------------

    def test_it_refuses_who_enters_no_data(self):
        self.assert_refused(ENTRY, [None, self.outsider, self.province_analyst])
        self.assert_refused(
            ENTRY,
            [None, self.outsider, self.province_analyst],
            method="post",
            data=entry(person=str(self.duc.public_id)),
        )
        self.assertFalse(TestResult.objects.exists())
        self.assert_allowed(ENTRY, [self.commune, self.school, self.enterprise, self.lab, self.district_a])

    def test_the_lookup_refuses_anonymous_and_outsiders(self):
        self.assert_refused(f"{LOOKUP}?q=095090001234", [None])
        self.login(self.outsider)
        self.assertEqual(self.client.get(LOOKUP, {"q": "095090001234"}).status_code, 403)

    # --- finding the person ----------------------------------------------------------------------------------

    def test_it_finds_a_resident_by_national_id_and_puts_the_cursor_on_the_result(self):
        self.login(self.commune)
        response = self.client.get(ENTRY, {"q": "095090001234"})
        self.assertEqual(response.context["picked"], self.duc)
        self.assertContains(response, f'value="{self.duc.public_id}"')
        self.assertIn("autofocus", str(response.context["form"]["result"]))
        self.assertNotIn("autofocus", str(response.context["lookup"]["q"]))

    def test_the_lookup_finds_by_phone_and_answers_json(self):
        self.login(self.commune)
        data = self.client.get(LOOKUP, {"q": "0912 345 678"}).json()
        self.assertEqual(
            [(p["id"], p["full_name"], p["birth"], p["residence"]) for p in data["people"]],
            [(str(self.duc.public_id), "Nguyễn Văn Đức", "01/02/1990", "Phường 7")],
        )

    def test_the_lookup_never_reveals_someone_the_user_may_not_see(self):
        lan = {"q": "095199004321"}  # Lan lives in district B
        for user, found in [
            (self.commune, []),
            (self.district_a, []),
            (self.enterprise, []),
            (self.other_province_user, []),
            (self.district_b, ["Trần Thị Lan"]),
            (self.province_admin, ["Trần Thị Lan"]),
        ]:
            self.login(user)
            people = self.client.get(LOOKUP, lan).json()["people"]
            self.assertEqual([p["full_name"] for p in people], found, user.username)
        self.login(self.commune)
        page = self.client.get(ENTRY, lan)
        self.assertIsNone(page.context["picked"])
        self.assertNotContains(page, "Trần Thị Lan")
        self.assertContains(page, "Nobody with this national ID or phone among the people you may see")

    def test_an_enterprise_finds_only_its_workers(self):
        self.login(self.enterprise)
        self.assertEqual(self.client.get(LOOKUP, {"q": "095090001234"}).json()["people"], [])
        people = self.client.get(LOOKUP, {"q": "095185004321"}).json()["people"]
        self.assertEqual([p["full_name"] for p in people], ["Lê Thị Hồng"])

    def test_a_few_digits_find_nobody(self):
        self.login(self.province_admin)
        for q in ("0950", "095090", "Nguyễn Văn Đức", "09509000123"):
            self.assertEqual(self.client.get(LOOKUP, {"q": q}).json()["people"], [], q)

    def test_a_person_the_user_may_not_see_cannot_be_named_in_the_address_or_the_form(self):
        self.login(self.commune)
        self.assertEqual(self.client.get(ENTRY, {"person": str(self.lan.public_id)}).status_code, 404)
        self.assertEqual(self.client.get(ENTRY, {"person": str(uuid.uuid4())}).status_code, 404)
        self.assertEqual(self.client.get(ENTRY, {"person": "123"}).status_code, 404)
        response = self.post(person=str(self.lan.public_id))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(TestResult.objects.exists())

    # --- entering --------------------------------------------------------------------------------------------

    def test_it_stores_a_result_for_the_picked_person_and_lists_it(self):
        response = self.post(person=str(self.duc.public_id), external_id="Q-1")
        self.assertRedirects(response, ENTRY, fetch_redirect_response=False)
        result = TestResult.objects.get()
        self.assertEqual(
            (result.person, result.test_type, result.result, result.sampled_at, result.submitter),
            (self.duc, "antigen", "negative", local(2), self.commune_org),
        )
        self.assertEqual((result.batch.source, result.batch.uploaded_by), ("form", self.commune))
        page = self.client.get(ENTRY)
        self.assertEqual(
            self.messages(page),
            ["Saved: Nguyễn Văn Đức, Rapid antigen (professional) Negative, sampled 02/11/2021 07:30."],
        )
        self.assertEqual(list(page.context["recent"]), [result])
        self.assertIn("autofocus", str(page.context["lookup"]["q"]))  # back to the ID box for the next person

    def test_entries_of_the_day_share_one_batch_with_counts(self):
        self.post(person=str(self.duc.public_id))
        self.post(person=str(self.duc.public_id))  # the same again: a duplicate
        self.post(person=str(self.duc.public_id), result="+", sampled_at="03/11/2021 08:00")
        batch = ImportBatch.objects.get()
        self.assertEqual((batch.rows_total, batch.accepted, batch.duplicates, batch.rejected), (3, 2, 1, 0))
        self.assertEqual(TestResult.objects.count(), 2)

    def test_the_same_entry_twice_is_stored_once(self):
        self.post(person=str(self.duc.public_id))
        response = self.post(person=str(self.duc.public_id))
        self.assertRedirects(response, ENTRY, fetch_redirect_response=False)
        self.assertEqual(TestResult.objects.count(), 1)
        self.assertEqual(
            self.messages(self.client.get(ENTRY))[-1],
            "Already recorded: Nguyễn Văn Đức, Rapid antigen (professional) Negative, sampled 02/11/2021 "
            "07:30. Nothing was added.",
        )

    def test_a_positive_antigen_opens_a_suspected_case_and_says_so(self):
        self.post(person=str(self.duc.public_id), result="+")
        case = Case.objects.get()
        self.assertEqual((case.person, case.classification), (self.duc, "suspected"))
        shown = self.messages(self.client.get(ENTRY))
        self.assertEqual(
            shown[1],
            "Nguyễn Văn Đức: Suspected case opened: Rapid antigen (professional) positive, sampled 02/11/2021; "
            "awaiting RT-PCR",
        )

    def test_a_positive_pcr_confirms_the_case(self):
        self.post(person=str(self.duc.public_id), result="+")
        self.post(
            person=str(self.duc.public_id),
            test_type="rt_pcr",
            result="dương tính",
            ct_value="22,5",
            sampled_at="03/11/2021 09:00",
        )
        case = Case.objects.get()
        self.assertEqual(case.classification, "confirmed")
        self.assertIn(
            "Nguyễn Văn Đức: Confirmed by RT-PCR positive, sampled 03/11/2021",
            self.messages(self.client.get(ENTRY)),
        )

    def test_a_new_person_is_registered_inline_through_the_registry_matching(self):
        response = self.post(
            full_name="Phạm Thu Hà",
            date_of_birth="12/12/2001",
            sex="F",
            phone="0987654321",
            commune_code="31813",
        )
        self.assertRedirects(response, ENTRY, fetch_redirect_response=False)
        person = Person.objects.get(full_name="Phạm Thu Hà")
        self.assertEqual(
            (person.residence, person.phone, person.created_by, str(person.date_of_birth)),
            (self.commune_a1, "0987654321", self.commune_org, "2001-12-12"),
        )
        self.assertEqual(TestResult.objects.get().person, person)
        # the same person typed again (phone, name and birth) is found, not registered twice
        self.post(
            full_name="Phạm Thu Hà",
            date_of_birth="12/12/2001",
            phone="0987654321",
            sampled_at="03/11/2021 07:00",
        )
        self.assertEqual(Person.objects.filter(full_name="Phạm Thu Hà").count(), 1)
        self.assertEqual(TestResult.objects.filter(person=person).count(), 2)
        self.assertFalse(DuplicateCandidate.objects.exists())

    def test_typing_a_known_national_id_finds_the_registered_person(self):
        people = Person.objects.count()
        self.post(national_id="095090001234", full_name="Nguyễn Văn Đức", date_of_birth="01/02/1990")
        self.assertEqual(Person.objects.count(), people)
        self.assertEqual(TestResult.objects.get().person, self.duc)

    def test_a_contradicting_registration_is_stored_flagged_and_the_registry_kept(self):
        self.post(national_id="095090001234", full_name="Nguyễn Văn Đức", date_of_birth="05/05/1990")
        result = TestResult.objects.get()
        self.assertTrue(result.needs_review)
        self.duc.refresh_from_db()
        self.assertEqual(str(self.duc.date_of_birth), "1990-02-01")
        self.assertIn("Saved, and flagged for review", self.messages(self.client.get(ENTRY))[0])

    def test_bad_values_come_back_on_their_fields_and_nothing_is_stored(self):
        response = self.post(
            person=str(self.duc.public_id),
            result="maybe",
            test_type="rt_pcr",
            ct_value="50",
            sampled_at="02/11/2091 07:30",
        )
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(
            form.errors["result"],
            [
                "'maybe' is not one of: positive, negative, invalid, pending, dương tính, âm tính, DT, AT, +, -"
            ],
        )
        self.assertEqual(
            form.errors["ct_value"], ["Ct value 50 is out of range: a Ct value is between 0 and 45"]
        )
        self.assertEqual(form.errors["sampled_at"], ["'02/11/2091 07:30' is in the future"])
        self.assertIn("autofocus", str(form["result"]))  # the first field in error
        self.assertEqual(response.context["picked"], self.duc)  # the person stays chosen
        self.assertFalse(TestResult.objects.exists())
        self.assertEqual(ImportBatch.objects.get().rejected, 1)

    def test_a_registration_without_a_name_is_refused(self):
        response = self.post(national_id="")
        self.assertEqual(
            response.context["form"].errors["full_name"],
            ["Find the person above, or type their name to register them."],
        )
        self.assertFalse(TestResult.objects.exists())

    def test_a_school_may_not_enter_for_someone_off_its_roster(self):
        people = Person.objects.count()
        response = self.post(
            user=self.school,
            organization="bl-thpt-1",
            full_name="Võ Minh Tâm",
            date_of_birth="2007",
            commune_code="31813",
        )
        self.assertEqual(
            response.context["form"].non_field_errors(), ["Võ Minh Tâm is not on the roster of THPT Bạc Liêu"]
        )
        self.assertEqual((TestResult.objects.count(), Person.objects.count()), (0, people))
        # its student, picked from the lookup, is fine (no national ID, birth date only)
        self.assertEqual(self.client.get(ENTRY, {"person": str(self.student.public_id)}).status_code, 200)
        self.post(user=self.school, organization="bl-thpt-1", person=str(self.student.public_id))
        self.assertEqual(TestResult.objects.get().person, self.student)

    def test_entering_for_an_organization_the_user_does_not_write_for_is_refused(self):
        response = self.post(organization="bl-lab", person=str(self.duc.public_id))
        self.assertEqual(
            response.context["form"].errors["organization"],
            ["Select a valid choice. That choice is not one of the available choices."],
        )
        self.assertFalse(TestResult.objects.exists())

    def test_it_remembers_the_test_and_reason_of_the_last_entry(self):
        self.post(person=str(self.duc.public_id), test_type="rt_pcr", reason="contact")
        form = self.client.get(ENTRY).context["form"]
        self.assertEqual((form["test_type"].value(), form["reason"].value()), ("rt_pcr", "contact"))

    # --- undo ------------------------------------------------------------------------------------------------

    def test_undo_amends_the_entry_to_invalid_and_takes_the_case_back(self):
        self.post(person=str(self.duc.public_id), result="+")
        result = TestResult.objects.get()
        response = self.client.post(reverse("result-undo", args=[result.public_id]))
        self.assertRedirects(response, ENTRY, fetch_redirect_response=False)
        result.refresh_from_db()
        self.assertEqual((result.result, result.amendment_reason), ("invalid", "Undone in quick entry"))
        event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(result.public_id)).get()
        self.assertEqual(event.changes["result"], ["positive", "invalid"])
        self.assertEqual(event.user, self.commune)
        self.assertEqual(Case.objects.get().classification, "discarded")
        again = self.client.post(reverse("result-undo", args=[result.public_id]))
        self.assertEqual(self.messages(self.client.get(again.url))[-1], "The amendment changes nothing.")

    def test_undo_is_refused_to_who_may_not_change_the_result(self):
        self.post(person=str(self.duc.public_id), result="+")
        url = reverse("result-undo", args=[TestResult.objects.get().public_id])
        self.assert_refused(url, [None], method="post")
        for user, code in [
            (self.outsider, 404),
            (self.district_b, 404),
            (self.other_province_user, 404),
            (self.lab, 404),
            (self.province_analyst, 403),
        ]:
            self.login(user)
            self.assertEqual(self.client.post(url).status_code, code, user.username)
        self.assertEqual(TestResult.objects.get().result, "positive")
        self.login(self.commune)
        self.assertEqual(self.client.get(url).status_code, 405)
