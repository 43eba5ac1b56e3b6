"""The care pages: who sees what, and what the forms refuse."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epiwatch.care import admissions as moves
from epiwatch.care.models import Admission, CapacityChange, CareSettings, Facility
from epiwatch.care.tests.base import TODAY, CareTestCase, at, make_case, set_capacity
from epiwatch.cases.models import Classification, Severity


class OverviewPageTests(CareTestCase):
    def test_a_province_user_sees_free_beds_per_tier_and_alerts(self):
        for support in ("ventilator", "none"):
            moves.admit(
                make_case(self.commune_a1, Severity.CRITICAL), self.hospital, 3, at(3), support=support
            )
        moves.admit(make_case(self.commune_b1, Severity.MILD), self.hospital_b, 1, at(3))
        self.login(self.province_analyst)
        response = self.client.get(reverse("care-overview", args=["vn-2021", "95"]))
        self.assertEqual(response.status_code, 200)
        total = response.context["total"]
        self.assertEqual(
            [(t.beds, t.occupied, t.free) for t in total.tiers], [(30, 1, 29), (14, 0, 14), (4, 2, 2)]
        )
        self.assertContains(response, "Every ventilator in use")
        self.assertEqual(
            [a.name for a, _s in response.context["by_child"]], ["Thành phố Bạc Liêu", "Huyện Hồng Dân"]
        )
        self.assertIsNone(response.context["settings_form"])  # an analyst does not set the threshold

    def test_a_past_day_shows_the_capacity_and_patients_of_that_day(self):
        stay = moves.admit(make_case(self.commune_a1), self.field, 1, at(1)).admission
        moves.discharge(stay, at(3), "recovered")
        self.login(self.district_a)
        response = self.client.get(reverse("care-overview", args=["vn-2021", "954"]), {"date": "2021-11-02"})
        self.assertEqual(response.context["total"].tier(1).occupied, 1)
        response = self.client.get(reverse("care-overview", args=["vn-2021", "954"]), {"date": "2021-11-06"})
        self.assertEqual(response.context["total"].tier(1).beds, 50)  # +30 from 05/11
        self.assertEqual(response.context["total"].tier(1).occupied, 0)

    def test_it_lists_severe_cases_outside_the_designated_hospital(self):
        case = make_case(self.commune_a1, Severity.SEVERE, name="Trần Văn Nặng")
        moves.admit(case, self.field, 2, at(3))
        self.login(self.province_admin)
        response = self.client.get(reverse("care-overview", args=["vn-2021", "95"]))
        self.assertEqual([a.case for a in response.context["to_transfer"]], [case])
        self.assertContains(response, "Trần Văn Nặng")

    def test_the_overview_reads_in_the_same_queries_whatever_the_number_of_facilities(self):
        self.login(self.province_analyst)
        url = reverse("care-overview", args=["vn-2021", "95"])
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for i in range(10):
            f = Facility.objects.create(
                code=f"f-{i}", name=f"F {i}", kind="field_hospital", area=self.commune_b1, serves_tier_1=True
            )
            set_capacity(f, dt.date(2021, 10, 1), beds_tier_1=10)
            moves.admit(make_case(self.commune_b1, Severity.MILD), f, 1, at(3))
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(url)
        self.assertEqual(len(after), len(before))
        self.assertEqual(response.context["total"].tier(1).occupied, 10)

    def test_who_is_refused_the_province_overview(self):
        url = reverse("care-overview", args=["vn-2021", "95"])
        self.assert_allowed(url, [self.province_admin, self.province_analyst])
        self.assert_refused(
            url,
            [
                None,
                self.district_a,
                self.commune,
                self.school,
                self.enterprise,
                self.lab,
                self.clinician,
                self.other_province_user,
                self.outsider,
            ],
        )

    def test_who_is_refused_a_district_overview(self):
        url = reverse("care-overview", args=["vn-2021", "954"])
        self.assert_allowed(url, [self.province_admin, self.district_a])
        self.assert_refused(url, [self.district_b, self.commune, self.clinician, self.other_province_user])

    def test_the_home_page_leads_each_user_to_their_area_or_facilities(self):
        self.login(self.district_a)
        response = self.client.get(reverse("care-home"))
        self.assertRedirects(response, reverse("care-overview", args=["vn-2021", "954"]))
        self.login(self.clinician)
        response = self.client.get(reverse("care-home"))
        self.assertEqual([r.facility for r in response.context["rows"]], [self.hospital])
        self.assert_refused(reverse("care-home"), [self.school, self.lab, self.outsider])

    def test_only_province_administrators_set_the_alert_threshold(self):
        url = reverse("care-threshold", args=["vn-2021", "95"])
        self.assert_refused(
            url,
            [self.province_analyst, self.district_a, self.other_province_user],
            method="post",
            data={"occupancy_alert_percent": 70},
        )
        self.assertFalse(CareSettings.objects.exists())
        self.login(self.province_admin)
        self.client.post(url, {"occupancy_alert_percent": 70})
        self.assertEqual(CareSettings.objects.get().occupancy_alert_percent, 70)
        self.client.post(url, {"occupancy_alert_percent": 170})
        self.assertEqual(CareSettings.objects.get().occupancy_alert_percent, 70)

    def test_the_export_downloads_one_row_per_facility_and_tier(self):
        self.login(self.district_b)
        response = self.client.get(
            reverse("care-export", args=["vn-2021", "956", "csv"]), {"date": "2021-11-04"}
        )
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = text.strip().splitlines()
        self.assertEqual(
            lines[0].split(",")[:6],
            ["date", "facility_code", "facility_name", "facility_kind", "area_code", "tier"],
        )
        self.assertEqual([line.split(",")[1] for line in lines[1:]], ["bl-bv-956", "bl-bv-956"])
        self.assert_refused(
            reverse("care-export", args=["vn-2021", "956", "csv"]), [self.district_a, self.clinician_b]
        )


class FacilityPageTests(CareTestCase):
    def test_hospital_staff_see_their_patients(self):
        case = make_case(self.commune_b1, Severity.SEVERE, name="Lê Thị Bệnh")
        moves.admit(case, self.hospital, 3, at(3))
        self.login(self.clinician)
        response = self.client.get(reverse("care-facility", args=[self.hospital.public_id]))
        self.assertContains(response, "Lê Thị Bệnh")
        self.assertTrue(response.context["can_write"])

    def test_who_is_refused_a_facility(self):
        url = reverse("care-facility", args=[self.hospital.public_id])
        self.assert_allowed(
            url, [self.clinician, self.hospital_viewer, self.district_a, self.province_analyst]
        )
        self.assert_refused(
            url,
            [
                None,
                self.field_clinician,
                self.clinician_b,
                self.district_b,
                self.school,
                self.lab,
                self.other_province_user,
                self.outsider,
            ],
        )

    def test_the_capacity_history_shows_the_added_beds(self):
        self.login(self.district_a)
        response = self.client.get(reverse("care-facility", args=[self.field.public_id]))
        rows = response.context["history"]
        self.assertEqual(
            [(c.effective_from, d["beds"]) for c, d in rows],
            [(dt.date(2021, 11, 5), 30), (dt.date(2021, 10, 1), 22)],
        )
        self.assertContains(response, "+30")

    def test_negative_capacity_is_refused_with_the_field(self):
        self.login(self.clinician)
        url = reverse("care-capacity", args=[self.hospital.public_id])
        data = {
            "effective_from": "2021-11-04",
            "beds_tier_2": "10",
            "beds_tier_3": "-4",
            "icu_beds": "0",
            "ventilators": "0",
            "oxygen_points": "0",
            "doctors": "5",
            "icu_doctors": "1",
            "nurses": "10",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("-4 is negative", str(response.context["form"].errors["beds_tier_3"]))
        self.assertEqual(CapacityChange.objects.filter(facility=self.hospital).count(), 1)

    def test_recording_capacity_replaces_the_same_day_and_warns_when_below_occupancy(self):
        for _ in range(3):
            moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(3))
        self.login(self.clinician)
        url = reverse("care-capacity", args=[self.hospital.public_id])
        data = {
            "effective_from": "2021-11-04",
            "beds_tier_2": "10",
            "beds_tier_3": "2",
            "icu_beds": "1",
            "ventilators": "1",
            "oxygen_points": "0",
            "doctors": "5",
            "icu_doctors": "1",
            "nurses": "10",
        }
        response = self.client.post(url, data, follow=True)
        self.assertContains(response, "Tier 3 holds 3 patients for 2 beds: over capacity.")
        data["beds_tier_3"] = "3"
        self.client.post(url, data)
        changes = CapacityChange.objects.filter(facility=self.hospital, effective_from=TODAY)
        self.assertEqual([c.beds_tier_3 for c in changes], [3])

    def test_who_may_record_capacity(self):
        url = reverse("care-capacity", args=[self.hospital.public_id])
        self.assert_refused(
            url,
            [
                self.hospital_viewer,
                self.province_analyst,
                self.district_b,
                self.field_clinician,
                self.outsider,
            ],
        )
        self.assert_allowed(url, [self.clinician, self.district_a, self.province_admin])

    def test_a_district_adds_a_facility_in_its_area_only(self):
        self.login(self.district_a)
        url = reverse("care-facility-create", args=["vn-2021", "954"])
        data = {
            "code": "bl-ktx-a",
            "name": "KTX Khu A",
            "kind": "field_hospital",
            "site": "dormitory",
            "area_code": "31813",
            "serves_tier_1": "on",
            "is_active": "on",
        }
        response = self.client.post(url, data)
        facility = Facility.objects.get(code="bl-ktx-a")
        self.assertRedirects(response, reverse("care-capacity", args=[facility.public_id]))
        data.update(code="bl-elsewhere", area_code="31840")
        response = self.client.post(url, data)
        self.assertIn("outside the area you may write in", str(response.context["form"].errors["area_code"]))
        self.assert_refused(url, [self.district_b, self.province_analyst, self.clinician])


class CasePageTests(CareTestCase):
    def setUp(self):
        super().setUp()
        self.case = make_case(self.commune_a1, Severity.SEVERE, name="Phạm Văn Ca")

    def admit_url(self):
        return reverse("care-admit", args=[self.case.public_id])

    def test_the_commune_admits_a_severe_case_to_the_designated_hospital(self):
        self.login(self.commune)
        page = self.client.get(reverse("care-case", args=[self.case.public_id]))
        self.assertEqual(page.context["admit_form"].initial["facility"], self.hospital)
        self.assertEqual(page.context["suggested_tier"], 3)
        response = self.client.post(
            self.admit_url(),
            {"facility": self.hospital.pk, "tier": 3, "support": "icu", "admitted_at": "2021-11-04T09:00"},
        )
        self.assertRedirects(response, reverse("care-case", args=[self.case.public_id]))
        stay = Admission.objects.get()
        self.assertEqual(
            (stay.facility, stay.tier, stay.support, stay.recorded_by),
            (self.hospital, 3, "icu", self.commune_org),
        )

    def test_admitting_a_non_case_is_refused(self):
        discarded = make_case(self.commune_a1, classification=Classification.DISCARDED, name="Không Phải Ca")
        self.login(self.commune)
        response = self.client.post(
            reverse("care-admit", args=[discarded.public_id]),
            {"facility": self.field.pk, "tier": 1, "support": "none", "admitted_at": "2021-11-04T09:00"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "is not a case", status_code=400)
        self.assertFalse(Admission.objects.exists())

    def test_a_discharge_before_the_admission_is_refused_on_the_form(self):
        stay = moves.admit(self.case, self.hospital, 3, at(3, 10)).admission
        self.login(self.clinician)
        response = self.client.post(
            reverse("care-discharge", args=[stay.public_id]),
            {"at": "2021-11-03T08:00", "reason": "recovered"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("before the admission", str(response.context["discharge_form"].errors["at"]))
        stay.refresh_from_db()
        self.assertTrue(stay.is_open)

    def test_hospital_staff_transfer_and_discharge_their_patients(self):
        stay = moves.admit(self.case, self.field, 2, at(2)).admission
        self.login(self.field_clinician)
        page = self.client.get(reverse("care-case", args=[self.case.public_id]))
        self.assertTrue(page.context["needs_transfer"])
        self.assertEqual(page.context["transfer_form"].initial["facility"], self.hospital)
        self.client.post(
            reverse("care-transfer", args=[stay.public_id]),
            {"facility": self.hospital.pk, "tier": 3, "support": "ventilator", "at": "2021-11-03T08:00"},
        )
        current = Admission.objects.get(discharged_at=None)
        self.assertEqual((current.facility, current.support), (self.hospital, "ventilator"))
        # the field hospital no longer sees a patient it transferred out as its own to move
        self.assert_refused(
            reverse("care-discharge", args=[current.public_id]),
            [self.field_clinician],
            method="post",
            data={"at": "2021-11-04T08:00", "reason": "recovered"},
        )
        self.login(self.clinician)
        self.client.post(
            reverse("care-discharge", args=[current.public_id]), {"at": "2021-11-04T08:00", "reason": "died"}
        )
        current.refresh_from_db()
        self.assertEqual(current.discharge_reason, "died")

    def test_who_reaches_the_case_page(self):
        url = reverse("care-case", args=[self.case.public_id])
        # area organizations of the residence; writing staff of any facility in the province (they receive it)
        self.assert_allowed(
            url, [self.commune, self.district_a, self.province_analyst, self.clinician, self.clinician_b]
        )
        self.assert_refused(
            url,
            [
                None,
                self.district_b,
                self.hospital_viewer,
                self.school,
                self.enterprise,
                self.lab,
                self.other_province_user,
                self.outsider,
            ],
        )

    def test_who_may_admit(self):
        data = {"facility": self.field.pk, "tier": 2, "support": "none", "admitted_at": "2021-11-04T09:00"}
        self.assert_refused(
            self.admit_url(),
            [
                self.province_analyst,
                self.hospital_viewer,
                self.district_b,
                self.other_province_user,
                self.school,
            ],
            method="post",
            data=data,
        )
        self.assertFalse(Admission.objects.exists())
        # a hospital admits to its own facilities only
        self.login(self.clinician_b)
        response = self.client.post(self.admit_url(), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("facility", response.context["admit_form"].errors)
        self.assertFalse(Admission.objects.exists())

    def test_who_may_transfer(self):
        stay = moves.admit(self.case, self.field, 2, at(2)).admission
        data = {"facility": self.hospital.pk, "tier": 3, "support": "none", "at": "2021-11-03T08:00"}
        self.assert_refused(
            reverse("care-transfer", args=[stay.public_id]),
            [self.clinician_b, self.district_b, self.province_analyst, self.outsider],
            method="post",
            data=data,
        )
        stay.refresh_from_db()
        self.assertTrue(stay.is_open)

    def test_the_person_page_links_to_the_treatment(self):
        moves.admit(self.case, self.field, 2, at(2))
        self.login(self.commune)
        response = self.client.get(reverse("person-detail", args=[self.case.person.public_id]))
        self.assertContains(response, reverse("care-case", args=[self.case.public_id]))
        self.assertContains(response, "Bệnh viện dã chiến số 1")


class PlannerPageTests(CareTestCase):
    def test_it_shows_the_projection_with_its_inputs_and_the_backtest(self):
        for day in range(21, 35):
            report = dt.date(2021, 10, 1) + dt.timedelta(days=day)
            for _ in range(day // 7):
                make_case(self.commune_a1, Severity.MILD, report_date=report)
        self.login(self.province_analyst)
        response = self.client.get(
            reverse("care-plan", args=["vn-2021", "95"]), {"date": "2021-11-04", "horizon": "21"}
        )
        self.assertEqual(response.status_code, 200)
        projection = response.context["projection"]
        self.assertEqual((projection.start, projection.horizon), (TODAY, 21))
        self.assertEqual(projection.growth.cases, sum(n for _d, n in projection.observed))
        self.assertContains(response, "Share of cases by severity")
        self.assertContains(response, "unconfirmed")
        self.assertContains(
            response, "<svg", count=len(response.context["charts"]) + len(response.context["backtest_charts"])
        )
        self.assertEqual(response.context["backtest_from"], dt.date(2021, 10, 21))
        self.assertEqual(len(response.context["backtest_rows"]), 4)

    def test_the_manual_scenario_shows_the_shortfall(self):
        self.login(self.province_admin)
        response = self.client.get(
            reverse("care-plan", args=["vn-2021", "95"]), {"patients": "5000", "severe": "100"}
        )
        self.assertContains(response, "Short of")
        short = response.context["scenario_shortfall"]
        self.assertTrue(short.startswith("1"), short)  # doctors first: the test province has 13
        self.assertIn("of them intensive-care", short)

    def test_shares_that_do_not_add_up_are_refused(self):
        self.login(self.province_admin)
        data = {
            "patients": "1000",
            "share_asymptomatic": "50",
            "share_mild": "40",
            "share_moderate": "10",
            "share_severe": "5",
            "share_critical": "1",
        }
        response = self.client.get(reverse("care-plan", args=["vn-2021", "95"]), data)
        self.assertContains(response, "The shares add up to 106 %, not 100 %.")
        self.assertIsNone(response.context["scenario"])

    def test_who_is_refused_the_planner(self):
        url = reverse("care-plan", args=["vn-2021", "954"])
        self.assert_allowed(url, [self.district_a, self.province_analyst])
        self.assert_refused(
            url,
            [
                None,
                self.district_b,
                self.clinician,
                self.school,
                self.lab,
                self.other_province_user,
                self.outsider,
            ],
        )


class UploadPageTests(CareTestCase):
    def test_a_hospital_uploads_admissions_and_sees_what_is_over_capacity(self):
        cases = [
            make_case(self.commune_a1, Severity.CRITICAL, national_id=f"09519000{i:04d}") for i in range(5)
        ]
        rows = "\r\n".join(f"{c.public_id},,bl-bvdk,3,03/11/2021 08:00,thở máy" for c in cases)
        content = ("case_id,national_id,facility_code,tier,admitted_at,support\r\n" + rows).encode()
        self.login(self.clinician)
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.client.post(
            reverse("care-upload"),
            {
                "kind": "admissions",
                "organization": self.hospital_org.pk,
                "file": SimpleUploadedFile("a.csv", content, "text/csv"),
            },
        )
        self.assertEqual(response.context["result"].accepted, 5)
        self.assertEqual(
            [(f, t.tier, t.occupied) for f, t in response.context["over"]], [(self.hospital, 3, 5)]
        )
        self.assertEqual(Admission.objects.count(), 5)

    def test_who_may_upload(self):
        self.assert_refused(
            reverse("care-upload"), [self.school, self.lab, self.outsider, self.hospital_viewer]
        )
        self.assert_allowed(reverse("care-upload"), [self.clinician, self.district_a])

    def test_it_serves_the_templates(self):
        self.login(self.clinician)
        response = self.client.get(reverse("care-template", args=["facilities", "csv"]))
        self.assertIn("Mã cơ sở", response.content.decode("utf-8"))
        self.assertEqual(self.client.get(reverse("care-template", args=["people", "csv"])).status_code, 404)
