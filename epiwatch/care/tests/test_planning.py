"""What the planner reads from the records: daily cases, the census of each day, capacity ahead, the backtest."""

import datetime as dt

from epiwatch.care import admissions as moves
from epiwatch.care import norms as care_norms
from epiwatch.care import planning
from epiwatch.care.models import Facility
from epiwatch.care.tests.base import TODAY, CareTestCase, at, make_case
from epiwatch.cases.models import Classification, Severity


class PlanningTests(CareTestCase):
    def test_the_census_of_each_day_counts_who_was_in_a_bed_when_it_ended(self):
        a = moves.admit(make_case(self.commune_a1, Severity.MILD), self.field, 1, at(1, 10)).admission
        moves.discharge(a, at(3, 9), "recovered")
        moves.admit(make_case(self.commune_a1), self.field, 2, at(2, 23))
        moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(4, 8))
        moves.admit(make_case(self.commune_b1, Severity.MILD), self.hospital_b, 1, at(2))  # another district
        ids = planning.facility_ids(self.district_a_area)
        series = planning.census_series(ids, dt.date(2021, 11, 1), TODAY)
        self.assertEqual(series, {1: [1, 1, 0, 0], 2: [0, 1, 1, 1], 3: [0, 0, 0, 1]})

    def test_daily_cases_count_confirmed_cases_of_the_area_by_report_day(self):
        make_case(self.commune_a1, report_date=dt.date(2021, 11, 2))
        make_case(self.commune_a2, report_date=dt.date(2021, 11, 2))
        make_case(self.commune_b1, report_date=dt.date(2021, 11, 2))
        make_case(self.commune_a1, report_date=dt.date(2021, 11, 3), classification=Classification.SUSPECTED)
        days = planning.daily_cases(self.district_a_area, dt.date(2021, 11, 1), dt.date(2021, 11, 3))
        self.assertEqual([n for _d, n in days], [0, 2, 0])
        days = planning.daily_cases(self.province, dt.date(2021, 11, 1), dt.date(2021, 11, 3))
        self.assertEqual([n for _d, n in days], [0, 3, 0])

    def test_the_line_list_ends_on_the_last_day_reported(self):
        self.assertEqual(planning.last_report_day(self.province), TODAY)
        make_case(self.commune_a1, report_date=dt.date(2021, 10, 30))
        self.assertEqual(planning.last_report_day(self.province), dt.date(2021, 10, 30))

    def test_the_plan_starts_from_today_and_backtests_14_days_earlier(self):
        for day in range(14, 33):
            for _ in range(day // 4):
                make_case(
                    self.commune_a1, Severity.MILD, report_date=dt.date(2021, 10, 3) + dt.timedelta(days=day)
                )
        moves.admit(
            make_case(self.commune_a1, Severity.SEVERE, report_date=dt.date(2021, 10, 1)),
            self.hospital,
            3,
            at(3),
        )
        care_norms.load()
        ids_query = 1
        with self.assertNumQueries(ids_query + 3):  # facilities, daily cases, census of every day, capacity
            current, backtest = planning.plan(self.province, 21, TODAY)
        projection = current.projection
        self.assertEqual((projection.start, projection.horizon), (TODAY, 21))
        self.assertEqual(current.census_now, {1: 0, 2: 0, 3: 1})
        self.assertEqual(current.available_now["beds_tier_1"], 30)
        self.assertEqual(projection.available[0]["beds_tier_1"], 60)  # the field hospital's +30 from 05/11
        self.assertEqual(backtest.projection.start, dt.date(2021, 10, 21))
        actual = backtest.get("cases").actual
        self.assertEqual(
            list(actual),
            [
                ((dt.date(2021, 10, 21) + dt.timedelta(days=i) - dt.date(2021, 10, 3)).days // 4)
                for i in range(1, 15)
            ],
        )
        self.assertEqual(backtest.get("census_tier_3").actual[-2:], (1, 1))

    def test_a_district_plans_with_its_own_facilities(self):
        current, _backtest = planning.plan(self.district_b_area, 7, TODAY)
        self.assertEqual(current.available_now["beds_tier_1"], 10)
        self.assertEqual(current.available_now["beds_tier_3"], 0)
        self.assertEqual(
            list(Facility.objects.filter(pk__in=planning.facility_ids(self.district_b_area))),
            [self.hospital_b],
        )
