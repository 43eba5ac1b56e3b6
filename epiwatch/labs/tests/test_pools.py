"""Pooled RT-PCR: a negative pool records negative for every member, a positive one re-tests each member."""

from epiwatch.cases.models import Case
from epiwatch.labs.models import Pool, TestResult
from epiwatch.labs.tests.base import ResultsTestCase, row
from epiwatch.tasks.models import Task

LAN = {
    "national_id": "095199004321",
    "full_name": "Trần Thị Lan",
    "sex": "F",
    "date_of_birth": "03/07/1999",
    "commune_code": "31840",
}
HONG = {
    "national_id": "095185004321",
    "full_name": "Lê Thị Hồng",
    "sex": "F",
    "date_of_birth": "09/04/1985",
    "commune_code": "31816",
}


def pooled(result: str, code: str = "G-001", **person) -> dict:
    return row(test_type="PCR gộp", pool_id=code, result=result, **person)


class PoolTests(ResultsTestCase):
    def test_a_negative_pool_records_negative_for_every_member(self):
        outcomes = self.submit([pooled("âm tính"), pooled("âm tính", **LAN), pooled("âm tính", **HONG)])
        self.assertEqual([o.status for o in outcomes], ["accepted"] * 3)
        pool = Pool.objects.get()
        self.assertEqual((pool.code, pool.result, pool.submitter), ("G-001", "negative", self.lab_org))
        self.assertEqual(
            sorted(pool.members.values_list("person__full_name", "test_type", "result")),
            [
                ("Lê Thị Hồng", "pooled_rt_pcr", "negative"),
                ("Nguyễn Văn Đức", "pooled_rt_pcr", "negative"),
                ("Trần Thị Lan", "pooled_rt_pcr", "negative"),
            ],
        )
        self.assertFalse(Task.objects.exists())

    def test_a_positive_pool_confirms_nobody_and_retests_each_member(self):
        self.submit([pooled("dương tính"), pooled("dương tính", **LAN), pooled("dương tính", **HONG)])
        self.assertFalse(Case.objects.exists())
        pool = Pool.objects.get()
        tasks = Task.objects.filter(kind="retest").order_by("person__full_name")
        self.assertEqual(
            [(t.person.full_name, t.organization, t.about_id, t.status) for t in tasks],
            [
                # Phường 8 has no commune station: the submitting lab re-tests
                ("Lê Thị Hồng", self.lab_org, str(pool.public_id), "open"),
                ("Nguyễn Văn Đức", self.commune_org, str(pool.public_id), "open"),
                ("Trần Thị Lan", self.lab_org, str(pool.public_id), "open"),
            ],
        )
        self.assertIn("pool G-001 is positive", tasks[1].title)

    def test_the_individual_retest_is_linked_to_the_pool_and_closes_the_task(self):
        self.submit([pooled("dương tính"), pooled("dương tính", **LAN)])
        self.submit(
            [
                row(result="positive", sampled_at="03/11/2021 08:00", resulted_at="03/11/2021 18:00"),
                row(result="negative", sampled_at="03/11/2021 08:00", resulted_at="03/11/2021 18:00", **LAN),
            ],
            org=self.commune_org,
        )
        pool = Pool.objects.get()
        retests = TestResult.objects.filter(test_type="rt_pcr")
        self.assertEqual({r.pool for r in retests}, {pool})
        self.assertEqual(
            sorted(pool.members.values_list("test_type", "result")),
            [
                ("pooled_rt_pcr", "positive"),
                ("pooled_rt_pcr", "positive"),
                ("rt_pcr", "negative"),
                ("rt_pcr", "positive"),
            ],
        )
        self.assertEqual(set(Task.objects.filter(kind="retest").values_list("status", flat=True)), {"done"})
        self.assertEqual(Case.objects.get().person, self.duc)

    def test_a_pcr_naming_its_pool_is_linked_to_it(self):
        self.submit([pooled("dương tính")])
        [outcome] = self.submit(
            [row(result="negative", pool_id="G-001", sampled_at="04/11/2021 07:00", resulted_at=None)]
        )
        self.assertEqual(outcome.status, "accepted")
        self.assertEqual(TestResult.objects.get(test_type="rt_pcr").pool.code, "G-001")

    def test_it_refuses_a_member_row_disagreeing_with_the_pool(self):
        outcomes = self.submit([pooled("dương tính"), pooled("âm tính", **LAN)])
        self.assertEqual([o.status for o in outcomes], ["accepted", "rejected"])
        self.assertEqual(
            [(e.row, e.column, e.message) for e in outcomes[1].errors],
            [(2, "result", "pool G-001 was reported positive; this row says negative")],
        )
        repeated = self.submit([pooled("âm tính", **LAN), pooled("âm tính", **LAN)])
        self.assertEqual([o.status for o in repeated], ["rejected", "rejected"])  # the repeat is no duplicate
        self.assertEqual(repeated[1].errors[0].row, 2)
        [again] = self.submit([pooled("âm tính", **HONG)])
        self.assertEqual(again.errors[0].message, "pool G-001 was reported positive; this row says negative")
        self.assertEqual(TestResult.objects.count(), 1)

    def test_a_pending_pool_takes_its_result_from_a_later_row(self):
        self.submit([pooled("chờ", resulted_at=None)])
        self.submit([pooled("âm tính", **LAN)])
        self.assertEqual(Pool.objects.get().result, "negative")

    def test_it_refuses_a_pcr_naming_an_unknown_pool(self):
        [outcome] = self.submit([row(pool_id="G-999")])
        self.assertEqual(
            [(e.column, e.message) for e in outcome.errors],
            [("pool_id", "no pool G-999 of Phòng xét nghiệm CDC is known")],
        )

    def test_pool_codes_belong_to_their_submitter(self):
        self.submit([pooled("dương tính")])
        self.submit([pooled("âm tính", **LAN)], org=self.commune_org)
        self.assertEqual(
            sorted(Pool.objects.values_list("submitter__code", "result")),
            [("bl-lab", "positive"), ("bl-tyt-31813", "negative")],
        )
