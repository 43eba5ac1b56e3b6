"""The upload pages: upload, progress, preview before commit, commit or cancel, the error file uploaded again;
bad files refused at once with the reason; who may see and act on an upload."""

import io
import uuid
from unittest import mock

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from epiwatch.labs import worker
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.tests.base import EN_HEADER, VI_HEADER
from epiwatch.labs.tests.web import ResultsWebTestCase
from epiwatch.lib.tests.helpers import csv_bytes, parse_csv
from epiwatch.people.models import Person

UPLOAD = reverse("results-upload")
Status = ImportBatch.Status

DUC = ["BL-1", "095090001234", "Nguyễn Văn Đức", "01/02/1990", "Nam", "", "31813", "", "PCR"]
NEW = ["BL-2", "095301000777", "Phạm Thu Hà", "12/12/2001", "Nữ", "", "31816", "", "test nhanh"]
TIMES = ["02/11/2021 07:30", "02/11/2021 19:00"]
ROWS = [
    [*DUC, *TIMES, "dương tính", "24,5", "", ""],
    [*NEW, "02/11/2021 08:00", "", "âm tính", "", "", ""],
    [*DUC, *TIMES, "dương tính", "24,5", "", ""],  # the same row again: a duplicate
    [
        "BL-3",
        "123",
        '=HYPERLINK("http://x")',
        "01/02/1990",
        "Nam",
        "",
        "31813",
        "",
        "PCR",
        *TIMES,
        "âm tính",
        "",
        "",
        "",
    ],
    ["BL-4", "", "Võ Văn Tư", "1970", "Nam", "", "99999", "", "PCR", *TIMES, "không rõ", "", "", ""],
]


def upload_file(content: bytes, name: str = "ket-qua.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


class UploadTests(ResultsWebTestCase):
    def upload(self, content=None, user=None, org="bl-lab", name="ket-qua.csv", follow=False):
        self.login(user or self.lab)
        data = {
            "organization": org,
            "file": upload_file(content if content is not None else csv_bytes(VI_HEADER, ROWS), name),
        }
        return self.client.post(UPLOAD, data, follow=follow)

    def uploaded(self, **kwargs) -> ImportBatch:
        response = self.upload(**kwargs)
        batch = ImportBatch.objects.get()
        self.assertRedirects(
            response, reverse("results-batch", args=[batch.public_id]), fetch_redirect_response=False
        )
        return batch

    def status(self, batch) -> dict:
        return self.client.get(reverse("results-batch-status", args=[batch.public_id])).json()

    def page(self, batch):
        return self.client.get(reverse("results-batch", args=[batch.public_id]))

    # --- who may upload -------------------------------------------------------------------------------------

    def test_it_refuses_who_enters_no_data(self):
        self.assert_refused(UPLOAD, [None, self.outsider, self.province_analyst])
        for user in (self.outsider, self.province_analyst):
            self.login(user)
            self.client.post(
                UPLOAD, {"organization": "bl-cdc", "file": upload_file(csv_bytes(VI_HEADER, ROWS))}
            )
        self.assertFalse(ImportBatch.objects.exists())
        self.assert_allowed(UPLOAD, [self.lab, self.commune, self.school, self.enterprise])

    def test_uploading_for_an_organization_the_user_does_not_write_for_is_refused(self):
        response = self.upload(user=self.commune, org="bl-lab")
        self.assertEqual(
            response.context["form"].errors["organization"],
            ["Select a valid choice. That choice is not one of the available choices."],
        )
        self.assertFalse(ImportBatch.objects.exists())

    # --- templates ------------------------------------------------------------------------------------------

    def test_the_templates_come_in_vietnamese_and_english(self):
        self.login(self.commune)
        xlsx = self.client.get(reverse("results-template", args=["vi", "xlsx"]))
        self.assertEqual(xlsx["Content-Disposition"], 'attachment; filename="mau-ket-qua-xet-nghiem.xlsx"')
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        self.assertEqual([c.value for c in sheet[1]], VI_HEADER)
        self.assertEqual(sheet["L2"].value, "dương tính")
        csv = self.client.get(reverse("results-template", args=["en", "csv"]))
        self.assertEqual(csv["Content-Disposition"], 'attachment; filename="test-results-template.csv"')
        rows = parse_csv(csv.content.decode("utf-8-sig"))
        self.assertEqual(rows[0], EN_HEADER)
        self.assertEqual(len(rows), 4)
        self.assert_refused(reverse("results-template", args=["en", "csv"]), [None, self.outsider])
        self.assertEqual(self.client.get("/results/upload/template-fr.csv").status_code, 404)

    def test_a_template_filled_in_is_accepted(self):
        self.login(self.lab)
        content = self.client.get(reverse("results-template", args=["vi", "xlsx"])).content
        batch = self.uploaded(content=content, name="mau.xlsx")
        worker.drain()
        batch.refresh_from_db()
        self.assertEqual(
            (batch.status, batch.rows_total, batch.accepted, batch.rejected), (Status.PREVIEW, 3, 3, 0)
        )

    # --- the flow -------------------------------------------------------------------------------------------

    def test_an_upload_is_queued_and_handed_to_a_background_thread(self):
        with (
            mock.patch.object(worker, "start_in_background") as start,
            self.captureOnCommitCallbacks(execute=True),
        ):
            batch = self.uploaded()
        start.assert_called_once_with(batch)
        self.assertEqual(
            (batch.status, batch.organization, batch.uploaded_by, batch.source, batch.file_name),
            (Status.QUEUED, self.lab_org, self.lab, "upload", "ket-qua.csv"),
        )
        self.assertTrue(batch.file.name.endswith(".csv"))

    @override_settings(IMPORTS_WORKER="external")
    def test_with_a_separate_worker_no_thread_is_started(self):
        with (
            mock.patch.object(worker, "start_in_background") as start,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.uploaded()
        start.assert_not_called()

    def test_the_page_shows_progress_while_the_rows_are_checked(self):
        batch = self.uploaded()
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.VALIDATING, rows_done=500, rows_total=2000
        )
        self.assertEqual(
            self.status(batch),
            {
                "status": "validating",
                "status_display": "Validating",
                "running": True,
                "rows_done": 500,
                "rows_total": 2000,
                "progress_pct": 25,
                "accepted": 0,
                "rejected": 0,
                "duplicates": 0,
            },
        )
        page = self.page(batch)
        self.assertContains(
            page, '<progress id="batch-progress" max="2000" value="500">25 %</progress>', html=True
        )
        self.assertContains(page, "500 of 2000 rows")
        self.assertContains(page, '<meta http-equiv="refresh" content="3">')  # without JavaScript
        self.assertNotContains(page, "Store the 0")

    def test_the_status_follows_the_worker_through_a_long_file(self):
        rows = [[f"BL-{i}", *DUC[1:], *TIMES, "âm tính", "", "", ""] for i in range(2500)]
        batch = self.uploaded(content=csv_bytes(VI_HEADER, rows))
        seen = []
        original = worker._progress

        def spy(b):
            report = original(b)

            def wrapped(done, total):
                report(done, total)
                state = self.status(b)
                seen.append((state["status"], state["rows_done"], state["rows_total"], state["progress_pct"]))

            return wrapped

        with mock.patch.object(worker, "_progress", spy):
            worker.drain()
            self.client.post(reverse("results-batch-commit", args=[batch.public_id]))
            worker.drain()
        self.assertEqual(
            seen,
            [
                ("validating", 1000, 2500, 40),
                ("validating", 2000, 2500, 80),
                ("validating", 2500, 2500, 100),
                ("committing", 1000, 2500, 40),
                ("committing", 2000, 2500, 80),
                ("committing", 2500, 2500, 100),
            ],
        )
        self.assertEqual(self.status(batch)["status"], "done")
        self.assertEqual(TestResult.objects.count(), 2500)

    def test_the_preview_shows_accepted_and_rejected_rows_before_anything_is_stored(self):
        batch = self.uploaded()
        people = Person.objects.count()
        worker.drain()
        page = self.page(batch)
        self.assertEqual(page.context["state"]["status"], "preview")
        self.assertContains(page, "Accepted 2, rejected 2, duplicates 1.")
        self.assertEqual(
            [
                (r["row"], r["full_name"], r["test_label"], r["sampled"], r["result_label"])
                for r in page.context["accepted_rows"]
            ],
            [
                (2, "Nguyễn Văn Đức", "RT-PCR", "02/11/2021 07:30", "Positive"),
                (3, "Phạm Thu Hà", "Rapid antigen (professional)", "02/11/2021 08:00", "Negative"),
            ],
        )
        self.assertEqual(
            page.context["rejected_rows"],
            [
                {
                    "row": 5,
                    "column": "national_id",
                    "message": "national ID '123' has 3 digits; a CCCD has 12 and a CMND 9",
                },
                {
                    "row": 6,
                    "column": "commune_code",
                    "message": "unknown commune code '99999' in dataset vn-2021; result: 'không rõ' is not one of: "
                    "positive, negative, invalid, pending, dương tính, âm tính, DT, AT, +, -",
                },
            ],
        )
        self.assertContains(page, '<td class="num">6</td><td>commune_code</td>', html=False)
        self.assertContains(page, "Store the 2 accepted rows")
        self.assertEqual((TestResult.objects.count(), Person.objects.count()), (0, people))

    def test_commit_stores_the_rows_and_the_error_file_goes_back_in_fixed(self):
        batch = self.uploaded()
        worker.drain()
        response = self.client.post(reverse("results-batch-commit", args=[batch.public_id]))
        self.assertRedirects(
            response, reverse("results-batch", args=[batch.public_id]), fetch_redirect_response=False
        )
        worker.drain()
        page = self.page(batch)
        self.assertEqual(page.context["state"]["status"], "done")
        self.assertContains(page, "Accepted 2, rejected 2, duplicates 1.")
        self.assertContains(page, f"?batch={batch.public_id}")
        self.assertEqual(
            sorted(TestResult.objects.values_list("external_id", "result")),
            [("BL-1", "positive"), ("BL-2", "negative")],
        )

        errors = self.client.get(reverse("results-batch-errors", args=[batch.public_id]))
        self.assertEqual(errors["Content-Disposition"], 'attachment; filename="ket-qua.errors.csv"')
        rows = parse_csv(b"".join(errors.streaming_content).decode("utf-8-sig"))
        self.assertEqual(rows[0], [*VI_HEADER, "error"])
        self.assertEqual([r[0] for r in rows[1:]], ["BL-3", "BL-4"])
        self.assertEqual(rows[1][2], '\'=HYPERLINK("http://x")')  # formula escaped
        self.assertTrue(rows[1][-1].startswith("row 5, column national_id: national ID '123' has 3 digits"))

        # fixed in the file itself (error column left in) and uploaded again
        rows[1][1], rows[1][2] = "095090005678", "Lê Văn Bảy"
        rows[2][6], rows[2][11] = "31816", "âm tính"
        again = self.uploaded_again(csv_bytes(rows[0], rows[1:]))
        worker.drain()
        self.client.post(reverse("results-batch-commit", args=[again.public_id]))
        worker.drain()
        again.refresh_from_db()
        self.assertEqual((again.status, again.accepted, again.rejected), (Status.DONE, 2, 0))
        self.assertEqual(TestResult.objects.count(), 4)
        self.assertEqual(TestResult.objects.filter(external_id="BL-1").count(), 1)

    def uploaded_again(self, content) -> ImportBatch:
        self.client.post(
            UPLOAD, {"organization": "bl-lab", "file": upload_file(content, "ket-qua.errors.csv")}
        )
        return ImportBatch.objects.latest("created_at")

    def test_cancel_stores_nothing(self):
        batch = self.uploaded()
        worker.drain()
        self.client.post(reverse("results-batch-cancel", args=[batch.public_id]))
        batch.refresh_from_db()
        self.assertEqual(batch.status, Status.CANCELLED)
        response = self.client.post(reverse("results-batch-commit", args=[batch.public_id]), follow=True)
        self.assertEqual(
            self.messages(response),
            [
                "The upload was cancelled: nothing was stored.",
                "This upload can no longer be committed (Cancelled).",
            ],
        )
        worker.drain()
        self.assertFalse(TestResult.objects.exists())

    def test_a_failed_batch_says_why(self):
        batch = self.uploaded()
        ImportBatch.objects.filter(pk=batch.pk).update(
            uploaded_by=self.commune
        )  # no longer allowed for the lab
        worker.drain()
        self.assertContains(self.page(batch), "You may not submit results for Phòng xét nghiệm CDC.")
        self.assertEqual(self.status(batch)["status"], "failed")

    # --- bad files ------------------------------------------------------------------------------------------

    def assert_refused_file(self, content: bytes, message: str, name: str = "ket-qua.csv"):
        response = self.upload(content=content, name=name)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["file"], [message])
        self.assertFalse(ImportBatch.objects.exists())

    def test_bad_files_are_refused_at_once_with_the_reason(self):
        self.assert_refused_file(
            b"%PDF-1.4 binary",
            "This file is not a spreadsheet: upload a CSV or Excel (.xlsx) file.",
            "ket-qua.pdf",
        )
        self.assert_refused_file(b"", "The submitted file is empty.")
        self.assert_refused_file(b"\n\n", "The file is empty.")
        self.assert_refused_file(csv_bytes(VI_HEADER, []), "The file has a header row but no data rows.")
        self.assert_refused_file(
            csv_bytes(["Họ và tên", "Kết quả"], [["An", "âm tính"]]),
            "Missing required column(s): test_type (Loại xét nghiệm), sampled_at (Thời gian lấy mẫu).",
        )
        self.assertIn(
            "This does not look like a results file",
            self.upload(content=csv_bytes(["Tên hàng", "Số lượng"], [["Cá", "3"]]))
            .context["form"]
            .errors["file"][0],
        )

    def test_a_file_above_the_limit_is_refused_and_a_50_mb_file_below_it_queued(self):
        line = ",".join([*DUC, *TIMES, "âm tính", "", "", ""]) + "\r\n"
        header = ",".join(VI_HEADER) + "\r\n"
        path = self.dir / "big.csv"
        with open(path, "wb") as f:
            f.write(header.encode())
            chunk = (line * 1000).encode()
            while f.tell() < 50 * 1024 * 1024:
                f.write(chunk)
        content = path.read_bytes()
        with override_settings(UPLOAD_MAX_MB=40):
            self.assert_refused_file(
                content, "The file is 50 MB; the largest accepted is 40 MB. Split it into smaller files."
            )
        batch = self.uploaded(content=content)  # the default limit (100 MB)
        self.assertEqual((batch.status, batch.file.size), (Status.QUEUED, len(content)))

    # --- who sees an upload ---------------------------------------------------------------------------------

    def test_another_organizations_upload_is_not_found(self):
        batch = self.uploaded()
        worker.drain()
        urls = [
            reverse("results-batch", args=[batch.public_id]),
            reverse("results-batch-status", args=[batch.public_id]),
            reverse("results-batch-errors", args=[batch.public_id]),
        ]
        for url in urls:
            self.assert_refused(
                url, [None, self.outsider, self.commune, self.school, self.other_province_user]
            )
            self.assert_allowed(url, [self.lab, self.province_admin, self.province_analyst])
        for action in ("results-batch-commit", "results-batch-cancel"):
            url = reverse(action, args=[batch.public_id])
            self.assert_refused(
                url, [None, self.outsider, self.commune, self.other_province_user], method="post"
            )
            for user in (self.province_admin, self.province_analyst):  # they see it, they do not commit it
                self.login(user)
                self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.province_analyst)
        self.assertNotContains(self.page(batch), reverse("results-batch-commit", args=[batch.public_id]))
        self.login(self.lab)
        self.assertEqual(self.client.get(reverse("results-batch", args=[uuid.uuid4()])).status_code, 404)
        batch.refresh_from_db()
        self.assertEqual(batch.status, Status.PREVIEW)
        self.assertFalse(TestResult.objects.exists())

    def test_the_upload_page_lists_the_uploads_the_user_may_see(self):
        self.uploaded()
        self.uploaded_by_commune = self.upload(user=self.commune, org="bl-tyt-31813")
        self.login(self.lab)
        self.assertEqual(
            [b.organization.code for b in self.client.get(UPLOAD).context["batches"]], ["bl-lab"]
        )
        self.login(self.district_a)
        self.assertEqual(
            [b.organization.code for b in self.client.get(UPLOAD).context["batches"]], ["bl-tyt-31813"]
        )
        self.login(self.province_admin)
        self.assertEqual(len(self.client.get(UPLOAD).context["batches"]), 2)
