"""A result's page (by public UUID): its facts, what it did to cases, its amendments from the audit trail, the amend
form for who may change it; the person page's results section."""

import uuid

from django.urls import reverse

from epiwatch.labs.models import TestResult
from epiwatch.labs.tests.base import row, submit_as
from epiwatch.labs.tests.web import ResultsWebTestCase


class ResultPageTests(ResultsWebTestCase):
    def setUp(self):
        super().setUp()
        [outcome] = submit_as(self.lab_org, [row(external_id="S1", result="positive", ct_value="22")])
        self.result = TestResult.objects.get(public_id=outcome.result_id)
        self.url = reverse("result-detail", args=[self.result.public_id])
        self.amend_url = reverse("result-amend", args=[self.result.public_id])

    def test_it_shows_the_result_and_the_case_it_confirmed(self):
        self.login(self.commune)
        response = self.client.get(self.url)
        self.assertContains(response, "RT-PCR: Positive")
        self.assertContains(response, reverse("person-detail", args=[self.result.person.public_id]))
        self.assertEqual(
            [e.text for e in response.context["case_events"]],
            ["Confirmed case opened: RT-PCR positive, sampled 02/11/2021"],
        )
        self.assertContains(response, "Not amended.")
        self.assertFalse(response.context["can_write"])  # the commune reads the lab's result
        self.assertNotContains(response, self.amend_url)

    def test_guessing_the_address_of_a_result_one_may_not_see_finds_nothing(self):
        self.assert_refused(
            self.url,
            [None, self.outsider, self.district_b, self.school, self.enterprise, self.other_province_user],
        )
        self.assert_allowed(
            self.url, [self.lab, self.commune, self.district_a, self.province_admin, self.province_analyst]
        )
        self.login(self.lab)
        self.assertEqual(self.client.get(reverse("result-detail", args=[uuid.uuid4()])).status_code, 404)

    def test_the_submitter_amends_and_the_old_value_stays_in_the_history(self):
        self.login(self.lab)
        response = self.client.post(
            self.amend_url, {"result": "negative", "reason_text": "sample swapped at the lab"}
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.result.refresh_from_db()
        self.assertEqual(
            (self.result.result, self.result.amendment_reason), ("negative", "sample swapped at the lab")
        )
        page = self.client.get(self.url)
        self.assertEqual(
            self.messages(page),
            [
                "The result was amended; its earlier value stays in its history.",
                "The case of Nguyễn Văn Đức is now Discarded.",
            ],
        )
        [event] = page.context["history"]
        changes = {name: (old, new) for name, old, new in event.changed_fields()}
        self.assertEqual(changes["result"], ("positive", "negative"))
        self.assertEqual(changes["amendment_reason"], ("", "sample swapped at the lab"))
        self.assertEqual(event.username, "lab")
        self.assertContains(page, '<span class="old">positive</span>', html=True)
        # the commune reading the result sees its history too
        self.login(self.commune)
        self.assertEqual(len(self.client.get(self.url).context["history"]), 1)

    def test_a_bad_amendment_says_what_is_wrong_and_changes_nothing(self):
        self.login(self.lab)
        response = self.client.post(self.amend_url, {"ct_value": "50", "reason_text": "typo"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["ct_value"], ["a Ct value is between 0 and 45"])
        response = self.client.post(self.amend_url, {"result": "positive", "reason_text": "again"})
        self.assertEqual(response.context["form"].non_field_errors(), ["The amendment changes nothing."])
        response = self.client.post(self.amend_url, {"result": "negative", "reason_text": " "})
        self.assertEqual(response.context["form"].errors["reason_text"], ["This field is required."])
        response = self.client.post(
            self.amend_url, {"resulted_at": "01/11/2021 07:00", "reason_text": "time"}
        )
        self.assertEqual(
            response.context["form"].errors["resulted_at"], ["the result time is before the sample time"]
        )
        self.result.refresh_from_db()
        self.assertEqual(
            (self.result.result, str(self.result.ct_value), self.result.amendment_reason),
            ("positive", "22.0", ""),
        )

    def test_who_may_not_change_the_result_may_not_amend_it(self):
        data = {"result": "negative", "reason_text": "no"}
        self.assert_refused(
            self.amend_url,
            [None, self.outsider, self.district_b, self.other_province_user],
            method="post",
            data=data,
        )
        for user in (self.commune, self.district_a, self.province_analyst):
            self.login(user)
            self.assertEqual(self.client.post(self.amend_url, data).status_code, 403, user.username)
        self.result.refresh_from_db()
        self.assertEqual(self.result.result, "positive")
        # a province administrator may
        self.login(self.province_admin)
        self.assertEqual(self.client.post(self.amend_url, data).status_code, 302)


class PersonSectionTests(ResultsWebTestCase):
    def test_the_person_page_lists_the_results_the_user_may_see(self):
        submit_as(
            self.lab_org,
            [
                row(
                    national_id=self.student.national_id or "",
                    full_name="Lê Minh Khoa",
                    date_of_birth="05/05/2006",
                    commune_code="31816",
                    external_id="L1",
                )
            ],
        )
        submit_as(
            self.school_org,
            [
                row(
                    national_id="",
                    full_name="Lê Minh Khoa",
                    date_of_birth="05/05/2006",
                    commune_code="31816",
                    test_type="antigen",
                    sampled_at="03/11/2021 07:00",
                    resulted_at="",
                )
            ],
        )
        url = reverse("person-detail", args=[self.student.public_id])
        self.login(self.district_a)
        sections = {s.title: s for s in self.client.get(url).context["sections"]}
        self.assertEqual(
            [r.submitter.code for r in sections["Test results"].context["results"]], ["bl-thpt-1", "bl-lab"]
        )
        self.login(self.school)  # the school sees its student, and only the results it submitted
        response = self.client.get(url)
        sections = {s.title: s for s in response.context["sections"]}
        self.assertEqual(
            [r.submitter.code for r in sections["Test results"].context["results"]], ["bl-thpt-1"]
        )
        self.assertContains(response, "Rapid antigen (professional)")

    def test_no_section_without_a_visible_result(self):
        self.login(self.commune)
        sections = self.client.get(reverse("person-detail", args=[self.duc.public_id])).context["sections"]
        self.assertNotIn("Test results", [s.title for s in sections])
