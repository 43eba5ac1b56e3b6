"""cases.ingest: what a positive (or a negative RT-PCR) does under the confirmation rules in force."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from epiwatch.cases import ingest
from epiwatch.cases.models import Case, CaseEvent
from epiwatch.labs.models import TestResult
from epiwatch.labs.tests.base import ResultsTestCase, local, row
from epiwatch.people.models import Person
from epiwatch.tasks.models import Task


def lan(**values):
    return row(
        national_id="095199004321",
        full_name="Trần Thị Lan",
        sex="F",
        date_of_birth="03/07/1999",
        commune_code="31840",
        **values,
    )


class ConfirmationTests(ResultsTestCase):
    def case(self, person=None) -> Case:
        return Case.objects.get(person=person or self.duc)

    def test_a_pcr_positive_confirms_a_case(self):
        self.submit([row(result="positive", reason="tiếp xúc", resulted_at="03/11/2021 06:00")])
        case = self.case()
        result = TestResult.objects.get()
        self.assertEqual(
            (case.classification, case.classification_rule, case.detection_setting),
            ("confirmed", "confirmation/BYT-2022/rt-pcr-positive", "community"),
        )
        self.assertEqual((case.area, case.province_code), (self.commune_a1, "95"))
        self.assertEqual((case.sample_date, case.report_date), (dt.date(2021, 11, 2), dt.date(2021, 11, 3)))
        self.assertEqual(case.source_result, result)
        [event] = case.events.all()
        self.assertEqual((event.kind, event.result), ("opened", result))
        self.assertIn("Confirmed case opened", event.text)
        [task] = Task.objects.all()
        self.assertEqual(
            (task.kind, task.organization, task.person, task.about_id, task.due_date),
            ("investigate_case", self.commune_org, self.duc, str(case.public_id), dt.date(2021, 11, 4)),
        )

    def test_the_task_goes_to_the_district_centre_where_the_commune_has_no_station(self):
        self.submit([lan(result="positive")])
        self.assertEqual(Task.objects.get().organization, self.district_b_org)

    def test_the_detection_setting_comes_from_the_reason(self):
        self.submit(
            [
                row(result="positive", reason="sàng lọc theo ca"),
                lan(result="positive", reason="về từ vùng dịch"),
            ]
        )
        self.assertEqual(self.case(self.duc).detection_setting, "workplace")
        self.assertEqual(self.case(self.lan).detection_setting, "point_of_entry")

    def test_an_antigen_positive_opens_a_suspected_case_awaiting_pcr_before_29_december(self):
        self.submit(
            [row(test_type="test nhanh", result="DT", sampled_at="28/12/2021 08:00", resulted_at=None)]
        )
        case = self.case()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("suspected", "confirmation/BYT-2022/antigen-positive-awaits-pcr"),
        )
        [task] = Task.objects.all()
        self.assertEqual(
            (task.kind, task.organization, task.status), ("confirm_pcr", self.commune_org, "open")
        )

    def test_a_pcr_positive_upgrades_the_suspected_case(self):
        self.submit(
            [row(test_type="test nhanh", result="DT", sampled_at="01/11/2021 08:00", resulted_at=None)]
        )
        self.submit([row(result="positive")])
        case = self.case()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("confirmed", "confirmation/BYT-2022/rt-pcr-positive"),
        )
        self.assertEqual(list(case.events.values_list("kind", flat=True)), ["opened", "confirmed"])
        tasks = dict(Task.objects.values_list("kind", "status"))
        self.assertEqual(tasks, {"confirm_pcr": "done", "investigate_case": "open"})

    def test_an_antigen_positive_and_its_pcr_in_one_batch_make_one_confirmed_case(self):
        self.submit(
            [
                row(result="positive", sampled_at="02/11/2021 10:00"),
                row(test_type="test nhanh", result="DT", sampled_at="02/11/2021 08:00", resulted_at=None),
            ]
        )
        case = self.case()
        self.assertEqual(case.classification, "confirmed")
        self.assertEqual(list(case.events.values_list("kind", flat=True)), ["opened", "confirmed"])

    def test_a_negative_pcr_soon_after_discards_the_suspected_case(self):
        self.submit(
            [row(test_type="test nhanh", result="DT", sampled_at="01/11/2021 08:00", resulted_at=None)]
        )
        self.submit([row(result="âm tính", sampled_at="03/11/2021 08:00", resulted_at=None)])
        case = self.case()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("discarded", "confirmation/BYT-2022/rt-pcr-negative-discards-suspected"),
        )
        self.assertEqual(Task.objects.get().status, "cancelled")

    def test_a_negative_pcr_long_after_leaves_the_suspected_case(self):
        self.submit(
            [row(test_type="test nhanh", result="DT", sampled_at="01/11/2021 08:00", resulted_at=None)]
        )
        days = ingest.DISCARD_WITHIN_DAYS + 1
        later = (dt.date(2021, 11, 1) + dt.timedelta(days=days)).strftime("%d/%m/%Y 08:00")
        self.submit([row(result="âm tính", sampled_at=later, resulted_at=None)])
        self.assertEqual(self.case().classification, "suspected")

    def test_a_negative_pcr_without_a_suspected_case_does_nothing(self):
        self.submit([row(result="negative")])
        self.assertFalse(Case.objects.exists())
        self.assertFalse(Task.objects.exists())


class RuleSwitchTests(ResultsTestCase):
    """From 29 Dec 2021 (dispatch 11042/BYT-DP) an antigen positive confirms with symptoms, or twice linked."""

    def antigen(self, when: str, **values):
        return row(test_type="test nhanh", result="DT", sampled_at=when, resulted_at=None, **values)

    def test_an_antigen_positive_with_symptoms_is_suspected_on_28_december(self):
        self.submit([self.antigen("28/12/2021 20:00", reason="triệu chứng")])
        case = Case.objects.get()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("suspected", "confirmation/BYT-2022/antigen-positive-awaits-pcr"),
        )

    def test_an_antigen_positive_with_symptoms_confirms_on_29_december(self):
        self.submit([self.antigen("29/12/2021 00:30", reason="triệu chứng")])
        case = Case.objects.get()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("confirmed", "confirmation/BYT-DP-11042/antigen-positive-symptoms"),
        )
        self.assertEqual(Task.objects.get().kind, "investigate_case")

    def test_a_lone_antigen_positive_stays_suspected_after_the_switch(self):
        self.submit([self.antigen("05/01/2022 08:00")])
        self.assertEqual(
            Case.objects.get().classification_rule, "confirmation/BYT-DP-11042/antigen-positive-suspected"
        )

    def test_two_linked_antigen_positives_within_8_hours_confirm(self):
        self.submit([self.antigen("05/01/2022 08:00", reason="tiếp xúc")])
        self.submit([self.antigen("05/01/2022 15:00", reason="tiếp xúc")])
        case = Case.objects.get()
        self.assertEqual(
            (case.classification, case.classification_rule),
            ("confirmed", "confirmation/BYT-DP-11042/antigen-positive-twice-linked"),
        )

    def test_two_antigen_positives_9_hours_apart_stay_suspected(self):
        self.submit([self.antigen("05/01/2022 08:00", reason="tiếp xúc")])
        self.submit([self.antigen("05/01/2022 17:00", reason="tiếp xúc")])
        self.assertEqual(Case.objects.get().classification, "suspected")


class IdempotencyTests(ResultsTestCase):
    def test_the_same_result_twice_does_nothing_more(self):
        self.submit([row(result="positive")])
        result = TestResult.objects.get()
        counts = (Case.objects.count(), CaseEvent.objects.count(), Task.objects.count())
        self.assertIsNone(ingest.on_result(result))
        self.assertEqual(ingest.on_results([result, result]), [])
        self.assertEqual((Case.objects.count(), CaseEvent.objects.count(), Task.objects.count()), counts)

    def test_a_second_positive_of_a_confirmed_case_opens_no_other_case(self):
        self.submit([row(result="positive")])
        self.submit([row(result="positive", sampled_at="05/11/2021 07:00", resulted_at=None)])
        self.assertEqual(Case.objects.count(), 1)

    def test_on_result_returns_the_change(self):
        result = TestResult.objects.create(
            person=self.lan,
            test_type="rt_pcr",
            sampled_at=local(2),
            result="positive",
            submitter=self.lab_org,
            area=self.commune_b1,
            province_code="95",
        )
        change = ingest.on_result(result)
        self.assertEqual((change.action, change.classification), ("opened", "confirmed"))
        self.assertEqual(change.case.person, self.lan)

    def positives(self, count: int, first: int = 0) -> list[TestResult]:
        people = [
            Person(
                national_id=f"0953010{i:05d}",
                full_name=f"Người {i}",
                birth_year=2001,
                sex="F",
                residence=self.commune_a1,
            ).prepare()
            for i in range(first, first + count)
        ]
        Person.objects.bulk_create(people)
        results = [
            TestResult(
                person=p,
                test_type="rt_pcr",
                sampled_at=local(3),
                result="positive",
                submitter=self.lab_org,
                area=self.commune_a1,
                province_code="95",
            )
            for p in people
        ]
        TestResult.objects.bulk_create(results)
        return list(TestResult.objects.filter(pk__in=[r.pk for r in results]))  # nothing cached

    def test_a_batch_costs_the_same_few_queries_whatever_its_size(self):
        small, large = self.positives(5), self.positives(50, first=100)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(ingest.on_results(small)), 5)
        with CaptureQueriesContext(connection) as many:
            self.assertEqual(len(ingest.on_results(large)), 50)
        self.assertEqual(len(few), len(many))
        self.assertLessEqual(len(many), 16)
        self.assertEqual(Case.objects.count(), 55)
