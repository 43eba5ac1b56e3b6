"""Coverage per area and age band against a small example computed by hand, and `epiwatch export coverage`."""

import datetime as dt

from epiwatch.lib.tests.helpers import parse_csv
from epiwatch.vaccination import coverage
from epiwatch.vaccination.models import CoverageCount
from epiwatch.vaccination.tests.base import VaccinationTestCase, population

NOV_4 = dt.date(2021, 11, 4)


class CoverageTests(VaccinationTestCase):
    """Population: commune A1 (Phường 7) 10 aged 0-4, 26 aged 5-17 (14 + 12 estimated), 60 aged 18-64, 20 aged
    65+; commune A2 (Phường 8) 5, 13 (7 + 6), 30, 10. Nobody else has figures.

    On 4 November 2021, A1 has 4 adults with a dose (one of them 65+), 2 fully vaccinated (the 65+ one and a
    Janssen), 1 teenager with a dose, and one 80-year-old vaccinated the day after; A2 has a fully vaccinated 66-
    year-old, a man born in 1960 (year only) with one dose, someone of unknown age with one dose, and an aggregate
    report of 25 people aged 18-64 with a dose (its 0 fully vaccinated 65+ is below the records and does not count).
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        population(cls.commune_a1, 10, 26, 60, 20)
        population(cls.commune_a2, 5, 13, 30, 10)

    def setUp(self):
        super().setUp()
        v1, a2 = self.village_a1, self.commune_a2
        p1 = self.person("Người 65+", "1951-01-01", v1)
        self.dose(p1, 1, "astrazeneca", "2021-06-01")
        self.dose(p1, 2, "astrazeneca", "2021-08-01")
        self.dose(self.person("Người 40", "1981-02-01", v1), 1, "pfizer", "2021-10-01")
        self.dose(self.person("Người 30", "1991-02-01", self.village_a2), 1, "janssen", "2021-10-20")
        self.dose(self.person("Em 15", "2006-05-01", self.commune_a1), 1, "pfizer", "2021-11-01")
        self.dose(self.person("Cụ 80", "1941-05-01", v1), 1, "pfizer", "2021-11-05")
        self.dose(self.person("Vừa 18", "2003-11-03", v1), 1, "pfizer", "2021-10-15")
        p7 = self.person("Bà 66", "1955-06-01", a2)
        self.dose(p7, 1, "sinopharm", "2021-09-01")
        self.dose(p7, 2, "sinopharm", "2021-09-25")
        year_only = self.person("Năm 1960", None, a2, birth_year=1960)
        self.dose(year_only, 1, "astrazeneca", "2021-10-01")
        self.dose(self.person("Không rõ tuổi", None, a2), 1, "moderna", "2021-10-10")
        for level, band, count in (("1dose", "18_64", 25), ("full", "65_plus", 0)):
            CoverageCount.objects.create(
                area=a2,
                on=dt.date(2021, 11, 1),
                age_band=band,
                level=level,
                count=count,
                submitter=self.commune_org,
            )

    def test_it_counts_a_commune_by_age_band(self):
        c = coverage.coverage(self.commune_a1, NOV_4)
        self.assertEqual(
            (c.adults, c.adults_1dose, c.adults_full, c.elderly, c.elderly_1dose, c.elderly_full),
            (80, 4, 2, 20, 1, 1),
        )
        self.assertEqual((c.teens, c.teens_1dose, c.children, c.children_1dose), (12, 1, 14, 0))
        self.assertEqual(
            (
                c.adults_1dose_pct,
                c.adults_full_pct,
                c.elderly_full_pct,
                c.teens_1dose_pct,
                c.children_1dose_pct,
            ),
            (5.0, 2.5, 5.0, 8.33, 0.0),
        )
        self.assertFalse(c.aggregate)

    def test_an_aggregate_count_stands_in_where_it_exceeds_the_records_and_is_marked(self):
        c = coverage.coverage(self.commune_a2, NOV_4)
        self.assertEqual((c.adults_1dose, c.adults_full, c.elderly_full), (26, 1, 1))
        self.assertEqual(c.adults_1dose_pct, 65.0)
        self.assertEqual(c.people_1dose, 27)  # the 25 reported, the 66-year-old, the person of unknown age
        self.assertTrue(c.aggregate)
        before = coverage.coverage(self.commune_a2, dt.date(2021, 10, 31))
        self.assertEqual((before.adults_1dose, before.aggregate), (2, False))

    def test_it_rolls_communes_up_into_the_district_and_province(self):
        by_area = coverage.coverage_by_area(self.province, NOV_4)
        district = by_area[self.district_a_area.pk]
        self.assertEqual((district.adults, district.adults_1dose, district.adults_full, district.elderly_full),
                         (120, 30, 3, 2))  # fmt: skip
        self.assertEqual((district.adults_1dose_pct, district.adults_full_pct, district.elderly_full_pct),
                         (25.0, 2.5, 6.67))  # fmt: skip
        self.assertTrue(district.aggregate)
        self.assertEqual(by_area[self.province.pk].adults_1dose, 30)
        self.assertEqual(by_area[self.village_a1.pk].adults_1dose, 3)
        self.assertIsNone(by_area[self.village_a1.pk].adults_1dose_pct)  # villages have no population here
        self.assertEqual(by_area[self.district_b_area.pk].adults_1dose_pct, None)

    def test_it_measures_the_shortfall_against_the_targets(self):
        statuses = {
            t.target.indicator: t for t in coverage.coverage(self.commune_a1, NOV_4).target_statuses()
        }
        adults = statuses["adults_1dose"]
        self.assertEqual((float(adults.target.target_pct), adults.target.due), (90.0, dt.date(2021, 11, 10)))
        self.assertEqual((adults.pct, adults.shortfall, adults.met), (5.0, 68, False))  # 72 wanted, 4 done
        self.assertEqual(statuses["elderly_full"].shortfall, 15)  # 16 wanted, 1 done

    def test_the_daily_series_adds_up_day_by_day(self):
        series = coverage.coverage_series(self.commune_a1, dt.date(2021, 10, 1), NOV_4)[self.commune_a1.pk]
        by_day = {c.on: c for c in series}
        self.assertEqual(len(series), 35)
        self.assertEqual(
            [by_day[dt.date(2021, 10, d)].adults_1dose for d in (1, 14, 15, 19, 20)], [2, 2, 3, 3, 4]
        )
        self.assertEqual(
            [by_day[dt.date(2021, 10, 31)].teens_1dose, by_day[dt.date(2021, 11, 1)].teens_1dose], [0, 1]
        )
        self.assertEqual(series[-1].tally.counts, coverage.coverage(self.commune_a1, NOV_4).tally.counts)

    def test_a_series_takes_ages_on_its_last_day(self):
        # "Vừa 18" turned 18 on 3 November: the series counts them an adult on 15 October too, a day alone does not
        series = coverage.coverage_series(self.commune_a1, dt.date(2021, 10, 15), NOV_4)[self.commune_a1.pk]
        self.assertEqual(series[0].adults_1dose, 3)
        self.assertEqual(coverage.coverage(self.commune_a1, dt.date(2021, 10, 15)).adults_1dose, 2)

    def test_coverage_of_every_area_takes_the_same_few_queries(self):
        # areas, population years, population, targets, statuses, aggregate counts
        with self.assertNumQueries(6):
            coverage.coverage_by_area(self.province, NOV_4)
        with self.assertNumQueries(8):  # a series: one statuses query per dose level
            coverage.coverage_series(self.province, dt.date(2021, 10, 1), NOV_4)

    def test_the_export_has_one_row_per_area_and_day(self):
        ran = self.export("coverage", "--area", "31816", "--from", "03/11/2021", "--to", "2021-11-04")
        self.assertEqual(ran.code, 0, ran.err)
        rows = parse_csv(ran.out)
        header = rows[0]
        self.assertEqual(header[:7], ["date", "area_code", "area_name", "area_kind", "adults_1dose_pct",
                                      "adults_full_pct", "elderly_full_pct"])  # fmt: skip
        data = [dict(zip(header, r, strict=True)) for r in rows[1:]]
        self.assertEqual(
            [(r["date"], r["area_code"]) for r in data], [("2021-11-03", "31816"), ("2021-11-04", "31816")]
        )
        last = data[-1]
        self.assertEqual(
            (
                last["adults_1dose_pct"],
                last["adults_1dose"],
                last["adults"],
                last["elderly_full"],
                last["aggregate"],
            ),
            ("65.0", "26", "40", "1", "1"),
        )

    def test_the_export_refuses_an_unknown_area(self):
        ran = self.export("coverage", "--area", "99999")
        self.assertEqual(ran.code, 2)
        self.assertIn("Unknown area code '99999'", ran.err)
