"""The upload worker: exclusive claims, the preview, the commit, failures, and the background thread."""

import io
import tempfile

from django.core.files.base import ContentFile
from django.test import TransactionTestCase, override_settings

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.labs import worker
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.tests.base import VI_HEADER, ResultsTestCase
from epiwatch.lib.tests.helpers import csv_bytes, read_csv, run_command
from epiwatch.people.models import Person
from epiwatch.testing import make_area

DUC = ["BL-1", "095090001234", "Nguyễn Văn Đức", "01/02/1990", "Nam", "", "31813", "", "PCR"]
NEW = ["BL-2", "095301000777", "Phạm Thu Hà", "12/12/2001", "Nữ", "", "31816", "", "test nhanh"]
TIMES = ["02/11/2021 07:30", "02/11/2021 19:00"]
ROWS = [
    [*DUC, *TIMES, "dương tính", "", "", ""],
    [*NEW, "02/11/2021 08:00", "", "âm tính", "", "", ""],
    [*DUC, *TIMES, "dương tính", "", "", ""],
    ["BL-3", "123", *DUC[2:], *TIMES, "âm tính", "", "", ""],
]

Status = ImportBatch.Status


class WorkerTests(ResultsTestCase):
    def setUp(self):
        super().setUp()
        media = override_settings(MEDIA_ROOT=str(self.dir / "media"))
        media.enable()
        self.addCleanup(media.disable)

    def queue(self, rows=ROWS, commit=False, content=None, user=None) -> ImportBatch:
        data = content if content is not None else csv_bytes(VI_HEADER, rows)
        return worker.queue_file(
            self.lab_org, ContentFile(data, name="ket-qua.csv"), user=user or self.lab, commit=commit
        )

    def test_only_one_of_two_claims_wins(self):
        batch = self.queue()
        self.assertTrue(worker._claim(batch.pk, Status.QUEUED, Status.VALIDATING))
        self.assertFalse(worker._claim(batch.pk, Status.QUEUED, Status.VALIDATING))
        self.assertIsNone(worker.claim_next())  # nothing else waits

    def test_claim_next_takes_the_oldest_queued_batch_once(self):
        first, second = self.queue(), self.queue()
        claimed = [worker.claim_next(), worker.claim_next(), worker.claim_next()]
        self.assertEqual(
            [(b.pk, step) for b, step in claimed[:2]], [(first.pk, "validate"), (second.pk, "validate")]
        )
        self.assertIsNone(claimed[2])

    def test_validating_makes_a_preview_and_stores_nothing(self):
        batch = self.queue()
        people = Person.objects.count()
        self.assertEqual(worker.work_once(), batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, Status.PREVIEW)
        self.assertEqual(
            (batch.rows_done, batch.rows_total, batch.accepted, batch.rejected, batch.duplicates),
            (4, 4, 2, 1, 1),
        )
        self.assertEqual(
            [(r["row"], r["full_name"], r["result"]) for r in batch.preview["accepted_sample"]],
            [(2, "Nguyễn Văn Đức", "positive"), (3, "Phạm Thu Hà", "negative")],
        )
        self.assertEqual(
            batch.preview["rejected_sample"],
            [
                {
                    "row": 5,
                    "column": "national_id",
                    "message": "national ID '123' has 3 digits; a CCCD has 12 and a CMND 9",
                }
            ],
        )
        errors = read_csv(batch.errors_file.path)
        self.assertEqual((errors[0][-1], errors[1][0]), ("error", "BL-3"))
        self.assertEqual((TestResult.objects.count(), Person.objects.count()), (0, people))
        self.assertIsNone(worker.work_once())  # a preview waits for the user

    def test_a_requested_commit_stores_the_rows(self):
        batch = self.queue()
        worker.work_once()
        batch.refresh_from_db()
        self.assertTrue(batch.request_commit())
        self.assertEqual(worker.work_once(), batch)
        batch.refresh_from_db()
        self.assertEqual(
            (batch.status, batch.accepted, batch.rejected, batch.duplicates), (Status.DONE, 2, 1, 1)
        )
        self.assertEqual((batch.progress_pct, batch.rows_done), (100, 4))
        self.assertIsNotNone(batch.finished_at)
        self.assertEqual(set(TestResult.objects.values_list("batch", flat=True)), {batch.pk})
        self.assertEqual(TestResult.objects.count(), 2)
        self.assertFalse(batch.request_commit())  # done: too late
        self.assertFalse(batch.cancel())

    def test_a_batch_queued_for_commit_goes_straight_through(self):
        batch = self.queue(commit=True)
        self.assertEqual(worker.drain(), 2)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.accepted), (Status.DONE, 2))

    def test_a_cancelled_preview_is_never_committed(self):
        batch = self.queue()
        worker.work_once()
        batch.refresh_from_db()
        self.assertTrue(batch.cancel())
        self.assertFalse(batch.request_commit())
        self.assertIsNone(worker.work_once())
        self.assertFalse(TestResult.objects.exists())

    def test_an_unreadable_file_fails_with_the_reason(self):
        batch = self.queue(content=b"%PDF-1.4 not a spreadsheet")
        worker.work_once()
        batch.refresh_from_db()
        self.assertEqual(batch.status, Status.FAILED)
        self.assertIn("This file is not a spreadsheet", batch.error_message)

    def test_an_uploader_who_may_not_submit_for_the_organization_fails(self):
        batch = self.queue(user=self.commune)  # a commune user uploading as the lab
        worker.work_once()
        batch.refresh_from_db()
        self.assertEqual(batch.status, Status.FAILED)
        self.assertEqual(batch.error_message, "You may not submit results for Phòng xét nghiệm CDC.")

    def test_the_command_processes_what_waits_and_reports_each_batch(self):
        self.queue(commit=True)
        ran = run_command("process_imports", "--once")
        self.assertEqual(
            ran.out.splitlines(),
            [
                "ket-qua.csv: preview, accepted 2, rejected 1, duplicates 1",
                "ket-qua.csv: done, accepted 2, rejected 1, duplicates 1",
                "processed 2 import step(s)",
            ],
        )

    def test_progress_is_visible_while_it_runs(self):
        rows = [[f"BL-{i}", *DUC[1:], *TIMES, "âm tính", "", "", ""] for i in range(2500)]
        self.queue(rows=rows)
        seen = []
        original = worker._progress

        def spy(b):
            report = original(b)

            def wrapped(done, total):
                report(done, total)
                seen.append(ImportBatch.objects.values_list("rows_done", "rows_total").get(pk=b.pk))

            return wrapped

        worker._progress = spy
        self.addCleanup(setattr, worker, "_progress", original)
        worker.work_once()
        self.assertEqual(seen[:2], [(1000, 2500), (2000, 2500)])
        self.assertEqual(seen[-1], (2500, 2500))


class BackgroundTests(TransactionTestCase):
    """The daemon thread: its own database connection, so the data must really be committed."""

    def _fixture_teardown(self):
        super()._fixture_teardown()
        # the flush also emptied what data migrations loaded (the vaccine catalogue); the tests that run after
        # this class in the same process rely on it
        from epiwatch.vaccination import catalogue

        catalogue.load()

    def setUp(self):
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        media = override_settings(MEDIA_ROOT=scratch.name)
        media.enable()
        self.addCleanup(media.disable)

    def test_the_background_thread_validates_and_commits_a_queued_file(self):
        province = make_area("95", "Tỉnh Bạc Liêu", "province")
        district = make_area("954", "Thành phố Bạc Liêu", "district", province)
        make_area("31813", "Phường 7", "commune", district)
        make_area("31816", "Phường 8", "commune", district)
        lab = Organization.objects.create(code="bl-lab", name="Lab", kind=OrgKind.LAB, area=province)
        batch = worker.queue_file(lab, io.BytesIO(csv_bytes(VI_HEADER, ROWS)), name="nen.csv", commit=True)
        thread = worker.start_in_background(batch)
        thread.join(timeout=60)
        self.assertFalse(thread.is_alive())
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.accepted, batch.rejected), (Status.DONE, 2, 1))
        self.assertEqual(TestResult.objects.count(), 2)
