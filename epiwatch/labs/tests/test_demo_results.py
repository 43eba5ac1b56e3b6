"""The demo generator's "results" step: October 2021 to the reference date in Bạc Liêu, through cases and tasks."""

import datetime as dt
from collections import Counter

from django.test import TestCase

from epiwatch.accounts import audit
from epiwatch.cases.models import Case
from epiwatch.demo.generator import results, runner
from epiwatch.demo.generator.steps import STEPS
from epiwatch.demo.loading import load_demo
from epiwatch.labs.models import Pool, TestResult
from epiwatch.lib.dates import local_date
from epiwatch.tasks.models import Task

SEED = 11
SCALE = "0.003"
STEP = runner.Step("results", "labs.testresult", results.make_results)


def steps():
    return [s for s in STEPS if s.name in ("households", "rosters")] + [STEP]


class DemoResultsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with audit.acting(via="command"):
            load_demo(people=False)
            cls.report = runner.generate(SEED, SCALE, steps=steps())
        cls.results = list(
            TestResult.objects.select_related("submitter", "area", "person__residence", "pool")
        )

    def test_it_makes_results_from_october_to_the_reference_date(self):
        self.assertGreater(self.report.count_of("results"), 500)
        self.assertEqual(len(self.results), self.report.count_of("results"))
        days = {local_date(r.sampled_at) for r in self.results}
        self.assertGreaterEqual(min(days), results.FIRST_DAY)
        self.assertEqual(max(days), runner.DEMO_DATE)
        self.assertLessEqual(max(local_date(r.resulted_at) for r in self.results), runner.DEMO_DATE)

    def test_it_has_screening_rounds_pools_and_contact_tests(self):
        kinds = Counter((r.submitter.kind, r.test_type, r.reason) for r in self.results)
        self.assertGreater(kinds[("commune_station", "antigen", "screening")], 100)
        self.assertGreater(kinds[("lab", "pooled_rt_pcr", "screening")], 50)
        self.assertEqual(kinds[("enterprise", "antigen", "shift_screening")], 0)  # the "shifts" step's
        self.assertGreater(kinds[("lab", "rt_pcr", "contact")], 5)
        pooled = [r for r in self.results if r.test_type == "pooled_rt_pcr"]
        self.assertTrue(all(r.pool is not None and r.area.path.startswith("95/954/") for r in pooled))
        self.assertEqual(
            Pool.objects.filter(submitter__code="bl-lab-cdc").count(), len({r.pool_id for r in pooled})
        )

    def test_each_result_is_where_its_person_lives(self):
        for result in self.results:
            self.assertEqual((result.area, result.province_code), (result.person.residence, "95"))

    def test_positives_became_cases_with_tasks_for_the_stations(self):
        positives = sum(r.result == "positive" for r in self.results)
        self.assertLess(positives / len(self.results), 0.1)
        cases = Counter(Case.objects.values_list("classification", flat=True))
        self.assertGreater(cases["confirmed"], 3)
        confirmed_by = set(Case.objects.confirmed().values_list("classification_rule", flat=True))
        self.assertEqual(confirmed_by, {"confirmation/BYT-2022/rt-pcr-positive"})
        tasks = Counter(Task.objects.values_list("kind", flat=True))
        self.assertEqual(tasks["investigate_case"], cases["confirmed"])
        overdue = Task.objects.open().filter(due_date__lt=runner.DEMO_DATE - dt.timedelta(days=1))
        self.assertFalse(overdue.exists())

    def test_the_same_seed_makes_the_same_results(self):
        ctx = runner.load_context(SEED, SCALE)
        for step in steps()[:-1]:
            step.restore(ctx)
        first, second = results._Maker(ctx), results._Maker(ctx)
        for maker in (first, second):
            infected = maker.infections()
            maker.rounds(infected)
            maker.community_and_contacts(infected)
        self.assertEqual([r.public_id for r in first.results], [r.public_id for r in second.results])
        self.assertEqual({r.public_id for r in first.results}, {r.public_id for r in self.results})
