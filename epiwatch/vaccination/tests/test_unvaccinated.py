"""The door-to-door lists: who is on them, in which order, split "not yet" / "cannot", as a page, PDF, XLSX and
`epiwatch export unvaccinated`; and who may have them."""

import datetime as dt
import io

import openpyxl
from django.test import override_settings
from django.urls import reverse

from epiwatch.accounts.models import AuditEvent
from epiwatch.lib.tests.helpers import parse_csv
from epiwatch.vaccination import unvaccinated
from epiwatch.vaccination.models import Deferral, DeferralReason
from epiwatch.vaccination.tests.base import VaccinationTestCase

NOV_4 = dt.date(2021, 11, 4)


@override_settings(ROOT_URLCONF="epiwatch.vaccination.tests.urls")
class UnvaccinatedTests(VaccinationTestCase):
    def setUp(self):
        super().setUp()
        v1, v2 = self.village_a1, self.village_a2
        self.elderly_sick = self.person(
            "Bà Tư", "1940-01-01", v1, comorbidities=["diabetes"], address="Số 12, Khóm 1"
        )
        self.elderly = self.person("Ông Năm", "1950-06-01", v1, address="Số 2, Khóm 1", phone="0912345678")
        self.adult_sick = self.person(
            "Chị Sáu", "1980-01-01", v1, comorbidities=["asthma"], address="Số 9, Khóm 1"
        )
        self.adult = self.person("Anh Bảy", "1990-01-01", v1, address="Số 1, Khóm 1")
        self.teen = self.person("Em Tám", "2007-01-01", v1, address="Số 3, Khóm 1")
        self.child = self.person("Bé Chín", "2015-01-01", v1, address="Số 3, Khóm 1")
        self.unknown_age = self.person("Không rõ", None, v1, address="Số 4, Khóm 1")
        self.vaccinated = self.person("Đã tiêm", "1960-01-01", v1, comorbidities=["copd"])
        self.dose(self.vaccinated, 1, "astrazeneca", "2021-08-01")
        self.later = self.person("Tiêm sau", "1955-01-01", v2, address="Số 5, Khóm 2")
        self.dose(self.later, 1, "pfizer", "2021-11-10")
        self.allergic = self.person("Dị ứng", "1945-01-01", v2, comorbidities=["copd"])
        self.deferral(self.allergic, DeferralReason.CONTRAINDICATION, permanent=True, note="phản vệ")
        self.ill = self.person("Đang sốt", "1985-01-01", v2)
        self.deferral(self.ill, DeferralReason.ACUTE_ILLNESS, until=dt.date(2021, 11, 10))
        self.recovered = self.person("Đã khỏi", "1986-01-01", v2)
        self.deferral(self.recovered, DeferralReason.ACUTE_ILLNESS, until=dt.date(2021, 11, 1))
        self.refuser = self.person("Từ chối", "1970-01-01", v2)
        self.deferral(self.refuser, DeferralReason.REFUSED)
        self.elsewhere = self.person("Ở xã khác", "1940-01-01", self.commune_b1)

    def deferral(self, person, reason, permanent=False, until=None, note=""):
        return Deferral.objects.create(
            person=person, reason=reason, permanent=permanent, until=until, note=note,
            recorded_on=dt.date(2021, 10, 20), recorded_by=self.commune_org,
        )  # fmt: skip

    def names(self, entries):
        return [e.person.full_name for e in entries]

    def test_it_orders_each_village_by_priority_then_address(self):
        sections = list(
            unvaccinated.sections(unvaccinated.entries(self.commune_a1, NOV_4, self.commune, min_age=12))
        )
        self.assertEqual([s.title for s in sections], ["Khóm 1, Phường 7", "Khóm 2, Phường 7"])
        khom1, khom2 = sections
        self.assertEqual(
            self.names(khom1.not_yet),
            ["Bà Tư", "Ông Năm", "Chị Sáu", "Anh Bảy", "Em Tám", "Không rõ"],  # unknown age last; 1 before 3
        )
        self.assertEqual(khom1.cannot, [])
        self.assertEqual(self.names(khom2.not_yet), ["Tiêm sau", "Đã khỏi", "Từ chối"])
        self.assertEqual(self.names(khom2.cannot), ["Dị ứng", "Đang sốt"])
        reasons = {e.person.full_name: e.reason for e in khom2.cannot + khom2.not_yet}
        self.assertEqual(reasons["Dị ứng"], "Contraindication (permanent): phản vệ")
        self.assertEqual(reasons["Đang sốt"], "Acute illness, until 10/11/2021")
        self.assertEqual(reasons["Từ chối"], "Refused")
        self.assertEqual(reasons["Đã khỏi"], "")  # the deferral is over

    def test_the_ages_listed_follow_the_rule_of_the_day(self):
        adults_only = unvaccinated.entries(self.commune_a1, dt.date(2021, 9, 1), self.commune)
        self.assertNotIn("Em Tám", self.names(adults_only))
        from_12 = unvaccinated.entries(self.commune_a1, NOV_4, self.commune)
        self.assertIn("Em Tám", self.names(from_12))
        self.assertNotIn("Bé Chín", self.names(from_12))
        self.assertIn(
            "Bé Chín", self.names(unvaccinated.entries(self.commune_a1, dt.date(2022, 5, 1), self.commune))
        )

    def test_the_page_shows_the_lists_of_the_commune(self):
        self.login(self.commune)
        response = self.client.get(reverse("unvaccinated-list"), {"day": "2021-11-04"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["area"], self.commune_a1)
        self.assertEqual((response.context["total"], response.context["cannot"]), (11, 2))
        self.assertContains(response, "Bà Tư")
        self.assertContains(response, "0912345678")
        self.assertNotContains(response, "Ở xã khác")
        village = self.client.get(reverse("unvaccinated-list"), {"area": "31813-02", "day": "2021-11-04"})
        self.assertEqual(village.context["total"], 5)

    def test_a_district_picks_a_commune(self):
        self.login(self.district_a)
        response = self.client.get(reverse("unvaccinated-list"))
        self.assertEqual([c.code for c in response.context["communes"]], ["31813", "31816"])

    def test_the_pdf_is_a_printable_file_with_vietnamese_text(self):
        self.login(self.commune)
        response = self.client.get(reverse("unvaccinated-list"), {"day": "2021-11-04", "format": "pdf"})
        self.assertEqual(response["Content-Type"], "application/pdf")
        body = response.content
        self.assertTrue(body.startswith(b"%PDF-"))
        self.assertIn(b"DejaVuSansCondensed", body)  # the embedded font has the Vietnamese letters
        self.assertEqual(AuditEvent.objects.filter(action="export", model="people.person").count(), 1)

    def test_the_xlsx_has_a_row_per_person(self):
        self.login(self.commune)
        response = self.client.get(reverse("unvaccinated-list"), {"day": "2021-11-04", "format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            rows[0][:6], ("commune_code", "commune", "village_code", "village", "list", "priority")
        )
        self.assertEqual(len(rows), 12)
        first = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual((first["full_name"], first["list"], first["priority"]), ("Bà Tư", "not_yet", 1))

    def test_the_lists_are_refused_outside_the_users_area(self):
        url = reverse("unvaccinated-list")
        self.assert_refused(url + "?area=31813", [None, self.outsider, self.district_b, self.school, self.enterprise,
                                                  self.lab, self.other_province_user])  # fmt: skip
        self.assert_refused(url + "?area=31813&format=pdf", [self.district_b, self.school])
        self.assert_refused(url + "?area=31840", [self.commune, self.district_a])
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())

    def test_the_export_command_writes_the_lists(self):
        ran = self.export("unvaccinated", "--area", "31813", "--to", "04/11/2021")
        self.assertEqual(ran.code, 0, ran.err)
        rows = parse_csv(ran.out)
        data = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        self.assertEqual(len(data), 11)
        self.assertEqual([(d["full_name"], d["list"], d["priority"]) for d in data[:2]],
                         [("Bà Tư", "not_yet", "1"), ("Ông Năm", "not_yet", "2")])  # fmt: skip
        allergic = next(d for d in data if d["full_name"] == "Dị ứng")
        self.assertEqual(
            (allergic["list"], allergic["reason"], allergic["until"]),
            ("cannot", "contraindication", "permanent"),
        )
        self.assertEqual(
            AuditEvent.objects.filter(action="export", model="people.person").get().changes["rows"], 11
        )
