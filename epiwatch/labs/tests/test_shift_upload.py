"""Uploading a shift's results: the `results` import through the one pipeline, each stored row linked to its
shift by the worker's roster shift and the sample time; what cannot be linked is said, nothing is doubled."""

from __future__ import annotations

import io

from django.urls import reverse

from epiwatch.labs import shifts
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.pipeline import COLUMNS
from epiwatch.labs.shift_models import ShiftScreening
from epiwatch.labs.tests.shift_base import DAY, ShiftTestCase, at, clock
from epiwatch.lib.tests.helpers import csv_bytes


def line(name, born, sampled, result="âm tính", national_id="", commune="31816", sex="Nữ") -> list[str]:
    values = {
        "national_id": national_id,
        "full_name": name,
        "date_of_birth": born,
        "sex": sex,
        "commune_code": commune,
        "test_type": "test nhanh",
        "sampled_at": sampled,
        "result": result,
    }
    return [values.get(column, "") for column in COLUMNS]


ROWS = [
    line("Lê Thị Hồng", "09/04/1985", "03/11/2021 05:30", national_id="095185004321"),  # row 2: A
    line("Huỳnh Thị Dung", "08/08/1988", "03/11/2021 21:40"),  # row 3: C
    line("Ngô Thị Em", "05/05/1995", "04/11/2021 00:30", "dương tính"),  # row 4: C of the 3rd, during it
    line("Tạ Thị Hà", "01/01/1991", "03/11/2021 05:00"),  # row 5: shift "D" is no shift
    line("Đỗ Thị Cường", "06/06/1990", "03/11/2021 00:30"),  # row 6: B starts at 14:00, 13.5 hours later
    line(
        "Nguyễn Văn Đức",
        "01/02/1990",
        "03/11/2021 05:30",
        national_id="095090001234",
        commune="31813",
        sex="Nam",
    ),  # row 7
    line("Phạm Thị An", "10/01/1992", "05/11/2021 05:30"),  # row 8: the future
]


class ShiftUploadTests(ShiftTestCase):
    def url(self, organization=None) -> str:
        return reverse("screening-upload", kwargs={"org_id": (organization or self.enterprise_org).public_id})

    def post(self, rows=ROWS, user=None, **data):
        self.login(user or self.enterprise)
        upload = io.BytesIO(csv_bytes(list(COLUMNS), rows))
        upload.name = "ca-03-11.csv"
        with clock(at(4, 8)):
            return self.client.post(self.url(), {"file": upload, **data})

    def test_stored_rows_are_linked_to_their_shift_and_day(self):
        response = self.post()
        self.assertEqual(response.status_code, 200)
        outcome = response.context["outcome"]
        self.assertEqual(
            (outcome["result"].accepted, outcome["result"].rejected, outcome["result"].duplicates), (5, 2, 0)
        )
        links = {(s.person.full_name, s.shift.code, s.day, s.source) for s in ShiftScreening.objects.all()}
        self.assertEqual(
            links,
            {
                ("Lê Thị Hồng", "A", DAY, "upload"),
                ("Huỳnh Thị Dung", "C", DAY, "upload"),
                ("Ngô Thị Em", "C", DAY, "upload"),
            },
        )
        self.assertEqual(
            [why for _result, why in outcome["links"].unlinked],
            [
                "Đỗ Thị Cường was sampled at 00:30 03/11/2021, in no screening window of shift B · Ca chiều",
                "Tạ Thị Hà's shift 'D' is not a shift of Nhà máy thủy sản 1",
            ],
        )
        self.assertContains(response, "linked to no shift")
        # every stored result is the factory's shift screening, in one batch
        batch = ImportBatch.objects.get()
        self.assertEqual(
            (batch.status, batch.accepted, batch.rejected, batch.organization),
            ("done", 5, 2, self.enterprise_org),
        )
        self.assertEqual(
            set(TestResult.objects.values_list("reason", "submitter", "batch")),
            {("shift_screening", self.enterprise_org.pk, batch.pk)},
        )

    def test_rejected_rows_say_row_column_and_reason(self):
        errors = {e.row: (e.column, e.message) for e in self.post().context["outcome"]["errors"]}
        self.assertEqual(errors[7], (None, "Nguyễn Văn Đức is not on the roster of Nhà máy thủy sản 1"))
        self.assertEqual(errors[8], ("sampled_at", "'05/11/2021 05:30' is in the future"))
        self.assertFalse(TestResult.objects.filter(person=self.duc).exists())

    def test_the_compliance_counts_the_uploaded_results(self):
        self.post()
        with clock(at(4, 8)):
            sheets, _unassigned = shifts.compliance([self.enterprise_org], DAY)
        by_code = {s.shift.code: (s.tested, s.positive, len(s.do_not_admit)) for s in sheets}
        self.assertEqual(by_code, {"A": (1, 0, 2), "B": (0, 0, 1), "C": (1, 1, 2)})

    def test_the_same_file_twice_stores_and_links_nothing_more(self):
        self.post()
        outcome = self.post().context["outcome"]
        self.assertEqual((outcome["result"].accepted, outcome["result"].duplicates), (0, 5))
        self.assertEqual(TestResult.objects.count(), 5)
        self.assertEqual(ShiftScreening.objects.count(), 3)

    def test_a_dry_run_checks_and_stores_nothing(self):
        outcome = self.post(dry_run="on").context["outcome"]
        self.assertEqual((outcome["result"].accepted, outcome["result"].rejected), (5, 2))
        self.assertContains(self.post(dry_run="on"), "Checked only: nothing was stored.")
        self.assertFalse(TestResult.objects.exists())
        self.assertFalse(ShiftScreening.objects.exists())
        self.assertFalse(ImportBatch.objects.exists())

    def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(self):
        self.login(self.enterprise)
        upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
        upload.name = "photo.png"
        response = self.client.post(self.url(), {"file": upload})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["outcome"]["error"])
        self.assertFalse(TestResult.objects.exists())

    def test_only_the_factorys_data_entry_staff_upload(self):
        self.assert_refused(
            self.url(),
            [self.district_a, self.enterprise_viewer, self.province_admin],
            "post",
            statuses=(403,),
        )
        self.assert_refused(
            self.url(), [None, self.outsider, self.school, self.factory_b_user, self.district_b], "post"
        )
        self.assertFalse(ImportBatch.objects.exists())
