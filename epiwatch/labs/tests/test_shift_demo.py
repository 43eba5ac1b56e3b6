"""The demo's shift screening step: the seafood factories' shifts, their workers tested before each shift from
1 October to 4 November 2021, every result linked to its shift, the positives in the case pipeline."""

from __future__ import annotations

import datetime as dt

from django.test import TestCase

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.cases.models import Case
from epiwatch.demo.generator import runner
from epiwatch.demo.generator.shifts import FIRST_DAY, make_screening
from epiwatch.demo.generator.steps import STEPS
from epiwatch.demo.loading import load_demo
from epiwatch.labs import shifts
from epiwatch.labs.models import Outcome, TestResult
from epiwatch.labs.shift_models import Shift, ShiftScreening

STEP = runner.Step("shifts", "labs.testresult", make_screening)


class DemoScreeningTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo(people=False)
        cls.report = runner.generate(7, "0.01", steps=[*STEPS, STEP])
        cls.factories = list(Organization.objects.filter(kind=OrgKind.ENTERPRISE))

    def test_each_factory_screens_its_workers_on_three_shifts(self):
        self.assertEqual(len(self.factories), 3)
        for factory in self.factories:
            with self.subTest(factory.code):
                self.assertEqual(
                    [s.hours for s in Shift.objects.active().of(factory)],
                    ["06:00–14:00", "14:00–22:00", "22:00–06:00"],
                )
        results = TestResult.objects.all()
        self.assertEqual(results.count(), self.report.count_of("shifts"))
        self.assertEqual(ShiftScreening.objects.count(), results.count())
        days = {r.sampled_at.date() for r in results}
        self.assertLessEqual(min(days), FIRST_DAY)
        self.assertEqual(set(results.values_list("reason", flat=True)), {"shift_screening"})

    def test_compliance_is_high_and_rises(self):
        def share(day):
            sheets, unassigned = shifts.compliance(self.factories, day)
            self.assertEqual(unassigned, [])
            total = sum(s.total for s in sheets)
            return sum(s.tested for s in sheets) / total

        early = [share(dt.date(2021, 10, d)) for d in range(1, 8)]
        late = [share(dt.date(2021, 10, 28) + dt.timedelta(days=d)) for d in range(7)]
        self.assertGreater(sum(late) / 7, sum(early) / 7)
        self.assertGreater(min(early + late), 0.6)

    def test_positive_workers_are_suspected_cases_found_at_work(self):
        positives = TestResult.objects.filter(result=Outcome.POSITIVE)
        self.assertTrue(positives.exists())
        cases = Case.objects.filter(person__in=positives.values("person"))
        self.assertEqual(cases.count(), positives.values("person").distinct().count())
        self.assertEqual(
            set(cases.values_list("classification", "detection_setting")), {("suspected", "workplace")}
        )
