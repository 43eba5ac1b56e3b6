"""The scenario planner's pure functions: growth, projection, manual scenario, backtest."""

import datetime as dt
import math
from unittest import TestCase

from django.utils import translation

from epiwatch.care import norms as care_norms
from epiwatch.care import planner
from epiwatch.care.views.planner import shortfall_sentence

PARAMS = care_norms.load().planner
START = dt.date(2021, 11, 4)


def observed(counts):
    return [(START - dt.timedelta(days=len(counts) - 1 - i), c) for i, c in enumerate(counts)]


def capacity(days, **values):
    row = {r: 0 for r in planner.RESOURCES}
    row.update(values)
    return [dict(row) for _ in range(days)]


# what the norms need for "5,000 cases, 100 severe", less the seed's shortfall: 65 doctors (15 ICU), 170 nurses
DEMO_AVAILABLE = {
    "beds_tier_1": 2760,
    "beds_tier_2": 140,
    "beds_tier_3": 100,
    "icu_beds": 30,
    "ventilators": 18,
    "oxygen_points": 180,
    "doctors": 82,
    "icu_doctors": 5,
    "nurses": 251,
}


class GrowthTests(TestCase):
    def test_it_finds_the_doubling_time_of_an_exponential_curve(self):
        counts = [round(20 * 2 ** (d / 5)) for d in range(14)]
        growth = planner.estimate_growth(counts, PARAMS)
        self.assertAlmostEqual(growth.doubling_days, 5, delta=0.3)
        self.assertIsNone(growth.halving_days)
        self.assertGreater(growth.reproduction, 1)
        self.assertLess(growth.reproduction_low, growth.reproduction)
        self.assertGreater(growth.reproduction_high, growth.reproduction)

    def test_a_shrinking_epidemic_halves_and_has_r_below_one(self):
        counts = [round(200 * 0.5 ** (d / 7)) for d in range(14)]
        growth = planner.estimate_growth(counts, PARAMS)
        self.assertIsNone(growth.doubling_days)
        self.assertAlmostEqual(growth.halving_days, 7, delta=0.5)
        self.assertLess(growth.reproduction, 1)

    def test_r_is_one_without_growth(self):
        self.assertAlmostEqual(planner.reproduction_number(0.0, 4.7, 2.9), 1.0)
        # with an interval of fixed length, R = exp(r T)
        self.assertAlmostEqual(planner.reproduction_number(0.1, 5, 0), math.exp(0.5))

    def test_it_needs_three_days(self):
        with self.assertRaises(planner.ScenarioError):
            planner.estimate_growth([1, 2], PARAMS)


class ManualScenarioTests(TestCase):
    def test_the_seed_scenario_finds_the_seed_shortfall(self):
        result = planner.manual_scenario(5000, PARAMS, DEMO_AVAILABLE, severe=100)
        self.assertAlmostEqual(result.census[3], 100)
        self.assertAlmostEqual(sum(result.by_severity.values()), 5000)
        short = planner.shortfall_summary(result.gaps)
        self.assertEqual((short["doctors"], short["icu_doctors"], short["nurses"]), (65, 15, 170))
        with translation.override("en"):
            sentence = shortfall_sentence(short)
        self.assertEqual(sentence.split(", ")[:3], ["65 doctors", "15 of them intensive-care", "170 nurses"])

    def test_shares_that_do_not_add_up_are_refused(self):
        shares = {"asymptomatic": 0.5, "mild": 0.4, "moderate": 0.1, "severe": 0.05, "critical": 0.01}
        with self.assertRaises(planner.ScenarioError) as caught:
            planner.manual_scenario(1000, PARAMS, DEMO_AVAILABLE, shares=shares)
        self.assertIn("add up to 106.0 %, not 100 %", caught.exception.message)

    def test_a_missing_or_impossible_share_names_its_field(self):
        with self.assertRaises(planner.ScenarioError) as caught:
            planner.check_shares({"asymptomatic": 0.5, "mild": 0.5, "moderate": 0, "severe": 0})
        self.assertEqual(caught.exception.field, "share_critical")
        with self.assertRaises(planner.ScenarioError) as caught:
            planner.check_shares(
                {"asymptomatic": 1.5, "mild": -0.5, "moderate": 0, "severe": 0, "critical": 0}
            )
        self.assertEqual(caught.exception.field, "share_asymptomatic")

    def test_more_severe_than_cases_is_refused(self):
        with self.assertRaises(planner.ScenarioError) as caught:
            planner.manual_scenario(50, PARAMS, DEMO_AVAILABLE, severe=100)
        self.assertEqual(caught.exception.field, "severe")

    def test_own_shares_drive_the_tiers(self):
        shares = {"asymptomatic": 0, "mild": 0, "moderate": 0.5, "severe": 0.5, "critical": 0}
        result = planner.manual_scenario(100, PARAMS, DEMO_AVAILABLE, shares=shares)
        self.assertEqual(
            (round(result.census[1]), round(result.census[2]), round(result.census[3])), (0, 50, 50)
        )
        self.assertEqual(result.at_home, 0)

    def test_nothing_is_short_when_the_scenario_fits(self):
        result = planner.manual_scenario(100, PARAMS, DEMO_AVAILABLE, severe=2)
        self.assertEqual(planner.shortfall_summary(result.gaps), {})
        self.assertEqual(shortfall_sentence({}), "")


class ProjectionTests(TestCase):
    def test_a_flat_epidemic_settles_at_arrivals_times_length_of_stay(self):
        result = planner.project(
            observed([50] * 14), {1: 0, 2: 0, 3: 0}, capacity(30, beds_tier_1=10_000), PARAMS, 30
        )
        self.assertAlmostEqual(result.growth.rate, 0, places=6)
        daily_tier_1 = 50 * PARAMS.tier_shares()[1]
        self.assertEqual(result.central.cases, [result.central.cases[0]] * 30)
        # steady state of census * (1 - 1/LOS) + arrivals: arrivals * LOS
        self.assertAlmostEqual(
            result.central.census[1][-1], daily_tier_1 * PARAMS.length_of_stay[1], delta=daily_tier_1 * 1.5
        )

    def test_it_finds_the_day_capacity_runs_out(self):
        counts = [round(30 * 2 ** (d / 4)) for d in range(14)]
        beds = capacity(
            14,
            beds_tier_1=2000,
            beds_tier_2=150,
            beds_tier_3=100,
            icu_beds=30,
            ventilators=18,
            doctors=500,
            nurses=2000,
            icu_doctors=50,
            oxygen_points=1000,
        )
        result = planner.project(observed(counts), {1: 800, 2: 60, 3: 40}, beds, PARAMS, 14)
        run_out = result.run_out("beds_tier_1")
        self.assertIsNotNone(run_out.day)
        self.assertLessEqual(run_out.earliest, run_out.day)
        index = result.days.index(run_out.day)
        self.assertGreater(result.central.census[1][index], 2000)
        if index:
            self.assertLessEqual(math.ceil(result.central.census[1][index - 1]), 2000)
        self.assertIsNotNone(result.first_run_out)
        peak = next(g for g in result.peak_gaps if g.resource == "beds_tier_1")
        self.assertGreater(peak.shortfall, 0)

    def test_planned_capacity_counts_from_its_day(self):
        beds = capacity(14, beds_tier_1=100)[:5] + capacity(9, beds_tier_1=10_000)
        result = planner.project(observed([40] * 14), {1: 150, 2: 0, 3: 0}, beds, PARAMS, 14)
        self.assertEqual(result.run_out("beds_tier_1").day, START + dt.timedelta(days=1))
        peak = next(g for g in result.peak_gaps if g.resource == "beds_tier_1")
        self.assertEqual(peak.available, 100)

    def test_the_band_contains_the_central_path(self):
        counts = [5, 9, 7, 12, 10, 15, 13, 20, 18, 25, 22, 30, 28, 35]
        result = planner.project(
            observed(counts), {1: 10, 2: 5, 3: 2}, capacity(20, beds_tier_1=1), PARAMS, 20
        )
        for low, mid, high in zip(
            result.low.census[2], result.central.census[2], result.high.census[2], strict=True
        ):
            self.assertLessEqual(low, mid + 1e-9)
            self.assertLessEqual(mid, high + 1e-9)

    def test_the_horizon_is_7_to_30_days(self):
        for horizon in (6, 31):
            with self.assertRaises(planner.ScenarioError):
                planner.project(observed([1] * 14), {}, capacity(40), PARAMS, horizon)


class BacktestTests(TestCase):
    def test_it_measures_the_error_against_what_happened(self):
        result = planner.project(observed([10] * 14), {1: 50, 2: 5, 3: 1}, capacity(14), PARAMS, 14)
        perfect = planner.backtest(
            result,
            [round(c) for c in result.central.cases],
            {t: [round(v) for v in result.central.census[t]] for t in (1, 2, 3)},
        )
        self.assertLess(perfect.get("cases").mean_absolute_error, 0.6)
        self.assertEqual(perfect.get("cases").within_band, 1.0)
        doubled = planner.backtest(
            result,
            [2 * round(c) for c in result.central.cases],
            {t: [2 * round(v) for v in result.central.census[t]] for t in (1, 2, 3)},
        )
        self.assertAlmostEqual(doubled.get("cases").relative_error, 0.5, delta=0.05)
        self.assertLess(doubled.get("cases").bias, 0)

    def test_it_needs_every_day(self):
        result = planner.project(observed([10] * 14), {}, capacity(14), PARAMS, 14)
        with self.assertRaises(ValueError):
            planner.backtest(result, [1] * 13, {1: [0] * 14, 2: [0] * 14, 3: [0] * 14})
