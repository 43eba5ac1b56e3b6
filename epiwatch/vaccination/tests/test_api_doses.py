"""POST /api/v1/doses: a status per item, the import's checks and idempotency, refusals."""

import datetime as dt

from epiwatch.accounts.models import ApiToken, AuditEvent, Membership, Role
from epiwatch.people.models import Person
from epiwatch.vaccination.models import Dose
from epiwatch.vaccination.tests.base import VaccinationTestCase

URL = "/api/v1/doses"
AN = {"national_id": "095090001234", "full_name": "Nguyễn Văn An", "date_of_birth": "1990-03-15", "sex": "M",
      "commune_code": "31813"}  # fmt: skip


class DoseApiTests(VaccinationTestCase):
    def post(self, user, body):
        _token, raw = ApiToken.issue(user)
        return self.client.post(
            URL, body, content_type="application/json", headers={"authorization": f"Bearer {raw}"}
        )

    def test_it_answers_each_item(self):
        body = {
            "doses": [
                {**AN, "external_id": "A1", "dose_number": 1, "product": "AZ", "given_on": "2021-08-12"},
                {**AN, "external_id": "A2", "dose_number": 2, "product": "AZ", "given_on": "2021-08-20"},
                {**AN, "external_id": "A3", "dose_number": 3, "product": "Covaxin", "given_on": "2021-10-20"},
                {**AN, "external_id": "A1", "dose_number": 1, "product": "AZ", "given_on": "2021-08-12"},
            ]
        }
        response = self.post(self.commune, body)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            (data["accepted"], data["review"], data["rejected"], data["duplicates"]), (1, 1, 1, 1)
        )
        items = data["items"]
        self.assertEqual([i["number"] for i in items], [1, 2, 3, 4])
        self.assertEqual([i["status"] for i in items], ["accepted", "review", "rejected", "duplicate"])
        person = Person.objects.get(national_id="095090001234")
        self.assertEqual(items[0]["person_id"], str(person.public_id))
        self.assertEqual(items[0]["dose_id"], str(Dose.objects.get(external_id="A1").public_id))
        self.assertEqual(
            items[1]["errors"],
            [{"field": None, "message": "8 days after the previous dose; AstraZeneca needs at least 28"}],
        )
        self.assertTrue(Dose.objects.get(external_id="A2").needs_review)
        self.assertEqual(items[2]["errors"][0]["field"], "product")
        self.assertTrue(items[2]["errors"][0]["message"].startswith("'Covaxin' is not a known vaccine"))
        self.assertEqual({e.via for e in AuditEvent.objects.filter(model="vaccination.dose")}, {"api"})

    def test_sending_the_batch_again_creates_nothing(self):
        body = [{**AN, "external_id": "A1", "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"}]
        self.post(self.commune, body)
        again = self.post(self.commune, body).json()
        self.assertEqual([i["status"] for i in again["items"]], ["duplicate"])
        self.assertEqual(again["items"][0]["dose_id"], str(Dose.objects.get().public_id))
        self.assertEqual(Dose.objects.count(), 1)

    def test_a_bad_item_does_not_cost_the_others(self):
        body = [
            {**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2099-01-01"},
            {**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"},
            {"full_name": "", "dose_number": "x", "product": "Pfizer", "given_on": "2021-09-01"},
        ]
        items = self.post(self.commune, body).json()["items"]
        self.assertEqual([i["status"] for i in items], ["rejected", "accepted", "rejected"])
        self.assertEqual(
            items[0]["errors"], [{"field": "given_on", "message": "01/01/2099 is in the future"}]
        )
        self.assertEqual(items[2]["errors"], [{"field": "full_name", "message": "a value is required"}])
        self.assertEqual(Dose.objects.get().given_on, dt.date(2021, 9, 1))

    def test_it_refuses_who_may_not_record(self):
        body = [{**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"}]
        self.assertIn(self.client.post(URL, body, content_type="application/json").status_code, (401, 403))
        for user in (self.outsider, self.province_analyst):
            response = self.post(user, body)
            self.assertEqual(response.status_code, 403, user.username)
            self.assertIn("error", response.json())
        response = self.post(self.commune, {"organization": "bl-ttyt-956", "doses": body})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Dose.objects.count(), 0)

    def test_a_school_may_record_only_its_students(self):
        items = self.post(
            self.school, [{**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"}]
        )
        self.assertEqual(
            items.json()["items"][0]["errors"][0]["message"],
            "this person is not on the roster of THPT Bạc Liêu",
        )
        self.assertEqual(Person.objects.count(), 0)

    def test_with_several_memberships_the_organization_is_named(self):
        Membership.objects.create(user=self.commune, organization=self.district_a_org, role=Role.DATA_ENTRY)
        body = [{**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"}]
        response = self.post(self.commune, body)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["details"][0]["field"], "organization")
        response = self.post(self.commune, {"organization": "bl-ttyt-954", "doses": body})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Dose.objects.get().submitter, self.district_a_org)

    def test_a_malformed_body_is_refused_whole(self):
        self.assertEqual(self.post(self.commune, {"doses": "x"}).status_code, 400)
        self.assertEqual(self.post(self.commune, {"doses": []}).status_code, 400)
        response = self.post(self.commune, {"doses": [{}] * 10_001})
        self.assertEqual(response.status_code, 413)
        self.assertEqual(
            response.json()["error"], "At most 10,000 doses per request; 10,001 were sent. Split the batch."
        )
        self.assertEqual(Dose.objects.count(), 0)

    def test_an_item_that_is_not_an_object_is_rejected_alone(self):
        body = [1, {**AN, "dose_number": 1, "product": "Pfizer", "given_on": "2021-09-01"}]
        items = self.post(self.commune, body).json()["items"]
        self.assertEqual([(i["number"], i["status"]) for i in items], [(1, "rejected"), (2, "accepted")])
