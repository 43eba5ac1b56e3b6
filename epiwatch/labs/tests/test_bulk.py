"""labs.bulk: the raw insert stores what bulk_create() stores, and audits as audit.record_many() does."""

import decimal

from django.db import connection

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.labs import bulk
from epiwatch.labs.models import Pool, TestResult
from epiwatch.labs.tests.base import ResultsTestCase, local

SKIP = {"id", "public_id", "created_at", "modified_at"}


class ResultMaker:
    def result(self, **values) -> TestResult:
        defaults = {
            "person": self.duc,
            "test_type": "pooled_rt_pcr",
            "sampled_at": local(2),
            "resulted_at": local(2, 19, 5),
            "result": "positive",
            "ct_value": decimal.Decimal("24.5"),
            "reason": "contact",
            "submitter": self.lab_org,
            "external_id": "X",
            "area": self.commune_a1,
            "province_code": "95",
            "needs_review": True,
            "review_note": "note",
        }
        return TestResult(**{**defaults, **values})


class BulkInsertTests(ResultMaker, ResultsTestCase):
    def test_it_stores_and_audits_what_bulk_create_and_record_many_would(self):
        pool = Pool(submitter=self.lab_org, code="G-1", sampled_at=local(2), result="positive")
        fast, slow = self.result(external_id="A", pool=pool), self.result(external_id="B", pool=pool)
        pool.save()  # after the assignment: insert() takes the pool's id from the object, as bulk_create does
        with audit.acting(user=self.lab, organization=self.lab_org, via="upload"):
            bulk.insert_audited([fast])
            TestResult.objects.bulk_create([slow])
            audit.record_many(AuditAction.CREATE, [slow])
        self.assertIsNotNone(fast.pk)
        self.assertFalse(fast._state.adding)
        rows = {
            r["external_id"]: {k: v for k, v in r.items() if k not in SKIP | {"external_id"}}
            for r in TestResult.objects.values()
        }
        self.assertEqual(rows["A"], rows["B"])
        self.assertEqual(rows["A"]["pool_id"], pool.pk)
        stored = TestResult.objects.get(external_id="A")
        self.assertEqual(
            (stored.public_id, stored.sampled_at, stored.created_at),
            (fast.public_id, local(2), fast.created_at),
        )

        events = {e.object_id: e for e in AuditEvent.objects.filter(model="labs.testresult")}
        a, b = events[str(fast.public_id)], events[str(slow.public_id)]
        for event in (a, b):
            self.assertEqual(
                (event.user, event.username, event.organization, event.via, event.action),
                (self.lab, "lab", self.lab_org, "upload", "create"),
            )
        self.assertEqual(a.object_repr, str(fast))
        strip = lambda changes: {k: v for k, v in changes.items() if k not in SKIP | {"external_id"}}  # noqa: E731
        self.assertEqual(strip(a.changes), strip(b.changes))
        self.assertEqual(a.changes["public_id"], [None, str(fast.public_id)])

    def test_ids_follow_on_from_rows_inserted_otherwise(self):
        first = self.result(external_id="1")
        first.save()
        batch = [self.result(external_id=str(i)) for i in range(2, 5)]
        bulk.insert(batch)
        after = self.result(external_id="5")
        after.save()
        self.assertEqual(len({first.pk, *(r.pk for r in batch), after.pk}), 5)
        self.assertEqual(TestResult.objects.count(), 5)


class StatisticsTests(ResultMaker, ResultsTestCase):
    def test_a_submission_filling_the_table_analyzes_it_on_postgresql(self):
        statistics = bulk.Statistics()
        statistics.FIRST = 3
        batch = [self.result(external_id=str(i)) for i in range(5)]
        bulk.insert(batch)
        analyzed = statistics.inserted(TestResult, len(batch))
        if connection.vendor != "postgresql":
            self.assertFalse(analyzed)  # SQLite's planner needs no statistics to take the indexes
            return
        self.assertTrue(analyzed)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'labs_testresult'")
            self.assertEqual(cursor.fetchone()[0], 5)
        self.assertFalse(statistics.inserted(TestResult, 4))  # next at 10 rows
        self.assertTrue(statistics.inserted(TestResult, 1))
