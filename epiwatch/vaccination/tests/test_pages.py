"""The vaccination pages: who may open them, and what they show."""

import datetime as dt

from django.test import override_settings
from django.urls import reverse

from epiwatch.people.models import RosterEntry
from epiwatch.vaccination.models import Deferral, DeferralReason, Dose
from epiwatch.vaccination.tests.base import VaccinationTestCase, population


@override_settings(ROOT_URLCONF="epiwatch.vaccination.tests.urls")
class PageTests(VaccinationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        population(cls.commune_a1, 10, 20, 60, 10)
        population(cls.commune_a2, 10, 20, 60, 10)
        population(cls.commune_b1, 10, 20, 60, 10)

    def setUp(self):
        super().setUp()
        self.an = self.person(
            "Nguyễn Văn An", "1950-03-15", self.village_a1, phone="0912345678", address="Số 3, Khóm 1"
        )
        self.dose(self.an, 1, "astrazeneca", "2021-08-12")
        self.bich = self.person("Trần Thị Bích", "1990-05-02", self.commune_b1, address="Ấp Nọc Nạng")
        self.dose(self.bich, 1, "pfizer", "2021-09-01", submitter=self.district_b_org)
        self.cuong = self.person("Lê Văn Cường", "1945-01-01", self.village_a2, comorbidities=["diabetes"])

    # --- the dashboard

    def test_the_dashboard_shows_coverage_of_the_users_area(self):
        self.login(self.province_analyst)
        response = self.client.get(reverse("coverage-dashboard"), {"day": "2021-11-04"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tỉnh Bạc Liêu")
        self.assertContains(response, "<svg", html=False)
        rows = {c.area.code: c for c in response.context["rows"]}
        self.assertEqual(rows["95"].adults_1dose, 2)
        self.assertEqual(rows["954"].adults_1dose, 1)

    def test_a_district_user_opens_on_their_district_and_is_refused_the_other(self):
        self.login(self.district_a)
        response = self.client.get(reverse("coverage-dashboard"))
        self.assertEqual(response.context["area"], self.district_a_area)
        self.assert_refused(reverse("coverage-dashboard") + "?area=956", [self.district_a])

    def test_the_dashboard_refuses_organizations_without_an_area_and_outsiders(self):
        url = reverse("coverage-dashboard")
        self.assert_refused(url, [None, self.outsider, self.school, self.enterprise, self.lab])
        self.assert_refused(url + "?area=95", [self.commune, self.district_b, self.other_province_user])
        self.assert_refused(
            reverse("coverage-export") + "?area=95", [None, self.outsider, self.school, self.commune]
        )

    def test_the_coverage_export_is_a_csv_of_the_area(self):
        self.login(self.district_a)
        response = self.client.get(
            reverse("coverage-export"), {"area": "954", "from": "2021-11-03", "to": "2021-11-04"}
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        self.assertTrue(body[0].startswith("date,area_code,area_name,area_kind,adults_1dose_pct"))
        self.assertEqual(len(body), 1 + 2 * 5)  # two days x (district, two communes, two villages)

    # --- the card, and the person page

    def test_the_card_shows_status_and_doses(self):
        self.login(self.commune)
        response = self.client.get(reverse("vaccination-card", args=[self.an.public_id]))
        self.assertContains(response, "Partly vaccinated")
        self.assertContains(response, "AstraZeneca")
        self.assertContains(response, reverse("dose-create", args=[self.an.public_id]))

    def test_the_card_is_refused_outside_the_persons_scope(self):
        url = reverse("vaccination-card", args=[self.an.public_id])
        self.assert_refused(
            url, [None, self.outsider, self.district_b, self.school, self.other_province_user]
        )

    def test_a_school_sees_the_doses_of_its_students_only(self):
        RosterEntry.objects.create(organization=self.school_org, person=self.an)
        self.login(self.school)
        response = self.client.get(reverse("vaccination-card", args=[self.an.public_id]))
        self.assertContains(response, "AstraZeneca")
        self.assert_refused(reverse("vaccination-card", args=[self.cuong.public_id]), [self.school])

    def test_the_person_page_has_the_vaccination_section(self):
        self.login(self.commune)
        response = self.client.get(reverse("person-detail", args=[self.an.public_id]))
        self.assertContains(response, "Vaccination")
        self.assertContains(response, reverse("vaccination-card", args=[self.an.public_id]))

    def test_who_recorded_a_dose_elsewhere_sees_only_that_dose_and_is_told_so(self):
        self.dose(self.cuong, 1, "moderna", "2021-09-09", submitter=self.district_b_org)
        self.dose(self.cuong, 2, "moderna", "2021-10-09")
        self.login(self.district_b)
        response = self.client.get(reverse("vaccination-card", args=[self.cuong.public_id]))
        self.assertEqual([d.dose_number for d in response.context["card"].doses], [1])
        self.assertContains(response, "Only the doses your organization recorded are shown")

    def test_a_viewer_sees_the_card_without_the_record_buttons(self):
        self.login(self.province_analyst)
        response = self.client.get(reverse("vaccination-card", args=[self.an.public_id]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, reverse("dose-create", args=[self.an.public_id]))
        self.assert_refused(reverse("dose-create", args=[self.an.public_id]), [self.province_analyst])

    # --- recording a dose and a deferral on the person page

    def test_a_commune_records_a_dose(self):
        self.login(self.commune)
        url = reverse("dose-create", args=[self.an.public_id])
        response = self.client.get(url)
        self.assertEqual(response.context["form"].initial["dose_number"], 2)
        response = self.client.post(
            url,
            {"product": self.products["pfizer"].pk, "dose_number": 2, "given_on": "2021-10-04",
             "organization": self.commune_org.pk, "lot": "FK01"},
        )  # fmt: skip
        self.assertRedirects(response, reverse("vaccination-card", args=[self.an.public_id]))
        dose = Dose.objects.get(person=self.an, dose_number=2)
        self.assertEqual((dose.product.code, dose.given_on, dose.submitter, dose.needs_review),
                         ("pfizer", dt.date(2021, 10, 4), self.commune_org, False))  # fmt: skip

    def test_the_form_tells_what_is_wrong(self):
        self.login(self.commune)
        url = reverse("dose-create", args=[self.an.public_id])
        base = {"product": self.products["pfizer"].pk, "organization": self.commune_org.pk}
        cases = [
            ({"dose_number": 1, "given_on": "2021-10-04"}, "dose_number",
             "dose 1 is already recorded (AstraZeneca on 12/08/2021)"),
            ({"dose_number": 2, "given_on": "1949-01-01"}, "given_on", "01/01/1949 is before the person was born (15/03/1950)"),
            ({"dose_number": 2, "given_on": "2021-06-01"}, "given_on",
             "01/06/2021 is before Pfizer-BioNTech was approved for use (12/06/2021)"),
            ({"dose_number": 2, "given_on": "2021-08-01"}, "dose_number",
             "dose 2 on 01/08/2021 is out of order with dose 1 on 12/08/2021"),
        ]  # fmt: skip
        for data, field, message in cases:
            response = self.client.post(url, {**base, **data})
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.context["form"].errors[field], [message])
        self.assertEqual(Dose.objects.filter(person=self.an).count(), 1)

    def test_a_dose_too_early_is_recorded_and_flagged(self):
        self.login(self.commune)
        response = self.client.post(
            reverse("dose-create", args=[self.an.public_id]),
            {"product": self.products["astrazeneca"].pk, "dose_number": 2, "given_on": "2021-08-26",
             "organization": self.commune_org.pk},
            follow=True,
        )  # fmt: skip
        self.assertContains(
            response, "flagged for review: 14 days after the previous dose; AstraZeneca needs at least 28"
        )
        self.assertTrue(Dose.objects.get(person=self.an, dose_number=2).needs_review)

    def test_recording_is_refused_to_those_who_may_not_write_for_the_person(self):
        url = reverse("dose-create", args=[self.an.public_id])
        data = {"product": self.products["pfizer"].pk, "dose_number": 2, "given_on": "2021-10-04"}
        self.assert_refused(
            url, [None, self.outsider, self.district_b, self.school, self.lab], method="post", data=data
        )
        self.assert_refused(
            reverse("deferral-create", args=[self.an.public_id]), [self.district_b, self.school]
        )
        self.assertEqual(Dose.objects.filter(person=self.an).count(), 1)

    def test_a_deferral_is_recorded(self):
        self.login(self.commune)
        url = reverse("deferral-create", args=[self.cuong.public_id])
        response = self.client.post(
            url, {"reason": "acute_illness", "recorded_on": "2021-11-01", "organization": self.commune_org.pk}
        )
        self.assertEqual(
            response.context["form"].errors["until"],
            ["Say until when (the day the person may be vaccinated again)."],
        )
        response = self.client.post(
            url,
            {
                "reason": "refused",
                "permanent": "on",
                "recorded_on": "2021-11-01",
                "organization": self.commune_org.pk,
            },
        )
        self.assertEqual(response.context["form"].errors["permanent"],
                         ["Only a contraindication makes a person unable to be vaccinated for ever."])  # fmt: skip
        response = self.client.post(
            url,
            {
                "reason": "contraindication",
                "permanent": "on",
                "recorded_on": "2021-11-01",
                "organization": self.commune_org.pk,
                "note": "phản vệ độ 3",
            },  # fmt: skip
        )
        self.assertRedirects(response, reverse("vaccination-card", args=[self.cuong.public_id]))
        deferral = Deferral.objects.get(person=self.cuong)
        self.assertEqual(
            (deferral.reason, deferral.permanent, deferral.until),
            (DeferralReason.CONTRAINDICATION, True, None),
        )
