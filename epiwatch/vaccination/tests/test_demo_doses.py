"""The demo generator's "doses" step: Bạc Liêu's coverage near the seed on 4 November 2021."""

import datetime as dt

from django.test import TestCase

from epiwatch.accounts import audit
from epiwatch.demo.generator import doses, runner
from epiwatch.demo.generator.steps import STEPS
from epiwatch.demo.loading import load_demo
from epiwatch.geo.models import Area
from epiwatch.vaccination import coverage
from epiwatch.vaccination.models import CoverageCount, Deferral, Dose, VaccinationStatus

SEED = 11
SCALE = "0.01"  # about 9,000 people
ON = runner.DEMO_DATE
STEP = runner.Step("doses", "vaccination.dose", doses.make_doses)


class DemoDosesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo(people=False)
        with audit.acting(via="command"):
            cls.report = runner.generate(SEED, SCALE, steps=[*STEPS, STEP])
        cls.province = Area.objects.get(dataset="vn-2021", code="95")

    def test_coverage_lands_near_the_seed(self):
        c = coverage.coverage(self.province, ON)
        # 490,121 people with a dose = 75 % of adults; 107,376 fully vaccinated = 16 %
        self.assertAlmostEqual(c.adults_1dose_pct, 75.0, delta=1.5)
        self.assertAlmostEqual(c.adults_full_pct, 16.4, delta=1.0)
        self.assertAlmostEqual(c.adults_1dose, 490_121, delta=10_000)
        self.assertAlmostEqual(c.adults_full, 107_376, delta=7_000)
        self.assertTrue(c.aggregate)  # at a scale below 1 the counts stand for the people not generated
        self.assertLess(c.elderly_full_pct, 80)  # criterion 2 not met, as in the seed

    def test_the_individual_records_have_the_same_proportions(self):
        statuses = VaccinationStatus.objects.all()
        people = statuses.count()
        full = statuses.filter(full_on__lte=ON).count()
        adults = coverage.coverage(self.province, ON).adults * float(SCALE)  # about the generated adults
        self.assertAlmostEqual(people / adults, 0.75, delta=0.03)
        self.assertAlmostEqual(full / adults, 0.164, delta=0.02)
        self.assertFalse(Dose.objects.filter(given_on__gt=ON).exists())
        self.assertTrue(Deferral.objects.filter(permanent=True).exists())

    def test_every_commune_reports_its_aggregate_counts_up_to_the_reference_day(self):
        self.assertEqual(CoverageCount.objects.filter(on=ON).values("area").distinct().count(), 64)
        self.assertFalse(CoverageCount.objects.filter(on__gt=ON).exists())

    def test_the_series_grows_with_the_campaign(self):
        series = coverage.coverage_series(self.province, dt.date(2021, 9, 1), ON, [self.province.pk])[
            self.province.pk
        ]
        values = [c.adults_1dose_pct for c in series]
        self.assertEqual(values, sorted(values))
        self.assertLess(values[0], 40)
