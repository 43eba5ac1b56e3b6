"""The upload page (doses and coverage counts), the rejected rows file, the templates, the flagged doses page."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from epiwatch.lib.tests.helpers import csv_bytes
from epiwatch.vaccination.models import Dose
from epiwatch.vaccination.tests.base import DOSE_HEADER, VaccinationTestCase

ROWS = [
    ["T1", "095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "", "31813", "1", "AZ", "12/08/2021", "L1"],
    ["T2", "095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "", "31813", "2", "AZ", "20/08/2021", "L1"],
    ["T3", "", "Trần Thị Bích", "", "Nữ", "", "31813", "1", "Pfizer", "01/09/2021", ""],
]


@override_settings(ROOT_URLCONF="epiwatch.vaccination.tests.urls")
class UploadTests(VaccinationTestCase):
    def upload(self, rows, **extra):
        data = {
            "kind": "doses",
            "organization": self.commune_org.pk,
            "file": SimpleUploadedFile("mui-tiem.csv", csv_bytes(DOSE_HEADER, rows), content_type="text/csv"),
            **extra,
        }
        return self.client.post(reverse("vaccination-upload"), data)

    def test_an_upload_stores_the_valid_rows_and_offers_the_rejected_ones(self):
        self.login(self.commune)
        with self.settings(MEDIA_ROOT=str(self.dir)):
            response = self.upload(ROWS)
            result = response.context["result"]
            self.assertEqual((result.accepted, result.rejected, result.duplicates), (2, 1, 0))
            self.assertContains(response, "a person without a national ID needs a date (or year) of birth")
            errors = self.client.get(
                reverse("vaccination-upload-errors", args=[response.context["error_token"]])
            )
            body = b"".join(errors.streaming_content).decode("utf-8-sig")
            self.assertIn("Trần Thị Bích", body)
            self.assertNotIn("Nguyễn Văn An", body)
            # the file belongs to this session only
            self.login(self.district_a)
            self.assertEqual(
                self.client.get(
                    reverse("vaccination-upload-errors", args=[response.context["error_token"]])
                ).status_code,
                404,
            )
        self.assertEqual(Dose.objects.count(), 2)
        self.assertTrue(Dose.objects.get(external_id="T2").needs_review)

    def test_a_dry_run_stores_nothing(self):
        self.login(self.commune)
        with self.settings(MEDIA_ROOT=str(self.dir)):
            response = self.upload(ROWS[:1], dry_run="on")
        self.assertEqual(response.context["result"].accepted, 1)
        self.assertContains(response, "Checked (nothing stored)")
        self.assertEqual(Dose.objects.count(), 0)

    def test_a_file_that_is_not_a_spreadsheet_is_refused(self):
        self.login(self.commune)
        data = {"kind": "doses", "organization": self.commune_org.pk,
                "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 not a table")}  # fmt: skip
        response = self.client.post(reverse("vaccination-upload"), data)
        self.assertEqual(
            response.context["form"].errors["file"],
            ["This file is not a spreadsheet: upload a CSV or Excel (.xlsx) file."],
        )

    def test_the_upload_is_refused_to_who_may_not_write(self):
        self.assert_refused(reverse("vaccination-upload"), [None, self.outsider, self.province_analyst])
        self.login(self.commune)
        response = self.client.post(
            reverse("vaccination-upload"),
            {"kind": "doses", "organization": self.district_b_org.pk,
             "file": SimpleUploadedFile("a.csv", csv_bytes(DOSE_HEADER, ROWS))},
        )  # fmt: skip
        self.assertIn("organization", response.context["form"].errors)
        self.assertEqual(Dose.objects.count(), 0)

    def test_the_templates_have_vietnamese_and_english_headers(self):
        self.login(self.commune)
        response = self.client.get(reverse("vaccination-template", args=["doses", "xlsx"]))
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        header = next(sheet.iter_rows(values_only=True))
        self.assertEqual(header[:3], ("Mã mũi tiêm", "Số CCCD/CMND", "Họ và tên"))
        english = self.client.get(
            reverse("vaccination-template", args=["coverage_counts", "csv"]), {"lang": "en"}
        )
        self.assertTrue(english.content.decode("utf-8-sig").startswith("area_code,on,age_band,level,count"))
        self.assert_refused(reverse("vaccination-template", args=["doses", "xlsx"]), [None, self.outsider])

    def test_the_flagged_doses_page_lists_what_needs_review_in_the_area(self):
        an = self.person("Nguyễn Văn An", "1990-03-15", self.commune_a1)
        self.dose(an, 1, "pfizer", "2021-09-01")
        self.dose(an, 2, "pfizer", "2021-09-05")
        self.login(self.commune)
        response = self.client.get(reverse("vaccination-flagged"))
        self.assertContains(response, "4 days after the previous dose")
        self.assert_refused(
            reverse("vaccination-flagged") + "?area=954", [self.commune, self.district_b, self.school]
        )
