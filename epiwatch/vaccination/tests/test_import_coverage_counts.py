"""`epiwatch import coverage_counts`: aggregate counts where a commune has no individual records."""

import datetime as dt

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.lib import importing
from epiwatch.vaccination import coverage
from epiwatch.vaccination.importers import CoverageCountImporter
from epiwatch.vaccination.models import CoverageCount
from epiwatch.vaccination.tests.base import VaccinationTestCase, population

VI = ["Mã xã", "Tính đến ngày", "Nhóm tuổi", "Mức tiêm", "Số người"]


class CoverageCountImportTests(VaccinationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        population(cls.commune_b1, 500, 1300, 3000, 400)

    def counts(self):
        return sorted(CoverageCount.objects.values_list("area__code", "on", "age_band", "level", "count"))

    def test_it_stores_the_counts_and_coverage_shows_them_as_aggregate(self):
        path = self.file(
            "so-lieu.csv",
            VI,
            [
                ["31840", "04/11/2021", "18-64", "ít nhất 1 mũi", "2.100"],
                ["31840", "04/11/2021", "65+", "đủ liều", "120"],
                ["31840", "04/11/2021", "12-17 tuổi", "1dose", "300"],
            ],
        )
        ran = self.import_("coverage_counts", path, "bl-ttyt-956")
        self.assertEqual((ran.code, ran.out), (0, "accepted 3, rejected 0, duplicates 0\n"))
        self.assertEqual(
            self.counts(),
            [
                ("31840", dt.date(2021, 11, 4), "12_17", "1dose", 300),
                ("31840", dt.date(2021, 11, 4), "18_64", "1dose", 2100),
                ("31840", dt.date(2021, 11, 4), "65_plus", "full", 120),
            ],
        )
        c = coverage.coverage(self.commune_b1, dt.date(2021, 11, 4))
        self.assertEqual(
            (c.adults_1dose, c.adults_1dose_pct, c.elderly_full_pct, c.aggregate), (2100, 61.76, 30.0, True)
        )
        self.assertEqual(
            AuditEvent.objects.filter(model="vaccination.coveragecount", action="create").count(), 3
        )

    def test_a_count_larger_than_the_population_band_is_refused(self):
        path = self.file(
            "too-many.csv",
            VI,
            [
                ["31840", "04/11/2021", "65+", "1dose", "401"],
                ["31840", "04/11/2021", "5-11", "1dose", "1301"],
                ["31840", "04/11/2021", "18-64", "full", "2999"],
            ],
        )
        ran = self.import_("coverage_counts", path, "bl-ttyt-956")
        self.assertEqual(ran.out, "accepted 1, rejected 2, duplicates 0\n")
        self.assertEqual(
            [r[-1] for r in self.errors_of(path)[1:]],
            [
                "row 2, column count: 401 people is more than the 400 aged 65+ living in Thị trấn Ngan Dừa (2021)",
                "row 3, column count: 1,301 people is more than the 1,300 aged 5-17 living in Thị trấn Ngan Dừa "
                "(2021)",
            ],
        )
        self.assertEqual(self.counts(), [("31840", dt.date(2021, 11, 4), "18_64", "full", 2999)])

    def test_the_same_count_again_is_a_duplicate_and_another_one_is_refused(self):
        first = self.file("a.csv", VI, [["31840", "01/11/2021", "18-64", "1dose", "2000"]])
        self.import_("coverage_counts", first, "bl-ttyt-956")
        again = self.file(
            "b.csv",
            VI,
            [
                ["31840", "01/11/2021", "18-64", "1dose", "2000"],
                ["31840", "01/11/2021", "18-64", "1dose", "2050"],
            ],
        )
        ran = self.import_("coverage_counts", again, "bl-ttyt-956")
        self.assertEqual(ran.out, "accepted 0, rejected 1, duplicates 1\n")
        self.assertEqual(
            [r[-1] for r in self.errors_of(again)[1:]],
            ["row 3: the same commune, day, age band and level as row 2, with another count"],
        )
        changed = self.file("c.csv", VI, [["31840", "01/11/2021", "18-64", "1dose", "2050"]])
        self.assertEqual(
            self.import_("coverage_counts", changed, "bl-ttyt-956").out,
            "accepted 0, rejected 1, duplicates 0\n",
        )
        self.assertEqual(
            self.errors_of(changed)[1][-1],
            "row 2, column count: a count of 2,000 is already recorded for this commune, day, age band and level",
        )
        self.assertEqual(self.counts(), [("31840", dt.date(2021, 11, 1), "18_64", "1dose", 2000)])

    def test_unknown_areas_bands_and_levels_are_refused(self):
        path = self.file(
            "bad.csv",
            VI,
            [
                ["99999", "04/11/2021", "18-64", "1dose", "1"],
                ["956", "04/11/2021", "18-64", "1dose", "1"],
                ["31840", "04/11/2021", "0-4", "1dose", "1"],
                ["31840", "04/11/2021", "18-64", "3 mũi", "1"],
                ["31840", "04/11/2099", "18-64", "1dose", "1"],
            ],
        )
        ran = self.import_("coverage_counts", path, "bl-ttyt-956")
        self.assertEqual(ran.out, "accepted 0, rejected 5, duplicates 0\n")
        errors = [r[-1] for r in self.errors_of(path)[1:]]
        self.assertEqual(errors[0], "row 2, column area_code: unknown area code '99999' in dataset vn-2021")
        self.assertEqual(errors[1], "row 3, column area_code: 956 is not a commune or village")
        self.assertTrue(errors[2].startswith("row 4, column age_band: '0-4' is not one of: 5_11, 12_17"))
        self.assertTrue(errors[3].startswith("row 5, column level: '3 mũi' is not one of:"))
        self.assertEqual(errors[4], "row 6, column on: '04/11/2099' is in the future")

    def test_an_organization_reports_only_for_the_areas_it_may_write(self):
        context = importing.Context(organization=self.district_a_org, scope=access.scope_for(self.district_a))
        path = self.file("other.csv", VI, [["31840", "04/11/2021", "18-64", "1dose", "10"]])
        result = importing.run(CoverageCountImporter(), path, context)
        self.assertEqual(result.rejected, 1)
        self.assertEqual(result.errors[0].message, "you may not report for Thị trấn Ngan Dừa")
        self.assertEqual(CoverageCount.objects.count(), 0)
