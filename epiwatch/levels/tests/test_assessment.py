"""The weekly assessment on a hand-made province.

Population (base.LevelsTestCase): Phường 7 (31813) 10,000, Phường 8 (31816) 20,000, both in district 954;
Thị trấn Ngan Dừa (31840) 5,000 in district 956. Coverage comes from aggregate counts reported to the
vaccination app; cases from case records, by residence.
"""

import datetime as dt
import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from epiwatch.cases.models import Classification, DetectionSetting
from epiwatch.geo.models import AreaKind
from epiwatch.levels import assessing
from epiwatch.levels.models import Assessment, CapacityStatus, RuleSetVersion
from epiwatch.levels.tests.base import WEEK, LevelsTestCase, cases, person, population
from epiwatch.levels.tests.test_rule_editor import post_data
from epiwatch.testing import make_area
from epiwatch.vaccination.models import AgeBand, CoverageCount, DoseLevel, Product
from epiwatch.vaccination.recording import record

REPORTED = dt.date(2021, 11, 1)


class AssessmentTests(LevelsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def counts(area, adults_1dose, elderly_1dose, elderly_full):
            for band, level, n in (
                (AgeBand.ADULTS_18_64, DoseLevel.ONE_DOSE, adults_1dose),
                (AgeBand.ELDERLY, DoseLevel.ONE_DOSE, elderly_1dose),
                (AgeBand.ELDERLY, DoseLevel.FULL, elderly_full),
            ):
                CoverageCount.objects.create(
                    area=area, on=REPORTED, age_band=band, level=level, count=n, submitter=cls.commune_org
                )

        # 18+ >=1 dose 78.7 %, 65+ full 85 %: met
        counts(cls.commune_a1, 5000, 900, 850)
        # 18+ 70 %, 65+ full 12 %: not met
        counts(cls.commune_a2, 9000, 1500, 240)
        # 18+ 92 %, 65+ full 90 %: met
        counts(cls.commune_b1, 3000, 450, 450)

        # Phường 7: 3 community cases, and 5 found in quarantine, 1 in a locked-down area, 1 only suspected
        cases(cls.commune_a1, 3, dt.date(2021, 11, 3))
        cases(cls.commune_a1, 5, dt.date(2021, 11, 2), setting=DetectionSetting.QUARANTINE)
        cases(cls.commune_a1, 1, dt.date(2021, 11, 2), setting=DetectionSetting.LOCKDOWN)
        cases(cls.commune_a1, 1, dt.date(2021, 11, 2), classification=Classification.SUSPECTED)
        # ... and one community case before the window, which counts for nothing this week
        cases(cls.commune_a1, 1, dt.date(2021, 10, 28))
        # Phường 8: 10 community cases, 2 of them living in a village of the commune; one found at work
        cls.village = make_area("31816-01", "Khóm 1", AreaKind.VILLAGE, cls.commune_a2)
        cls.village.village_kind = "khom"
        cls.village.save()
        cases(cls.commune_a2, 7, dt.date(2021, 10, 30))
        cases(cls.commune_a2, 1, dt.date(2021, 11, 4), setting=DetectionSetting.WORKPLACE)
        cases(cls.village, 2, dt.date(2021, 11, 1))
        # Ngan Dừa: the last community case 20 days ago; 2 found in quarantine this week
        cases(cls.commune_b1, 1, dt.date(2021, 10, 15))
        cases(cls.commune_b1, 2, dt.date(2021, 11, 1), setting=DetectionSetting.QUARANTINE)
        # Phường 7 cannot meet its care requirements from 1 November
        CapacityStatus.objects.create(
            area=cls.commune_a1, date=dt.date(2021, 11, 1), ok=False, reason="no mobile medical station yet"
        )

    def assess(self, week=WEEK, provinces="province"):
        return assessing.assess_week(week, [self.province] if provinces == "province" else provinces)

    def of(self, area, week=WEEK) -> Assessment:
        return Assessment.objects.get(area=area, week_ending=week)

    def test_it_assesses_every_commune_district_and_the_province(self):
        result = self.assess()
        self.assertEqual(result.assessed, 6)
        self.assertEqual(result.skipped, [])
        codes = set(Assessment.objects.values_list("area__code", flat=True))
        self.assertEqual(codes, {"95", "954", "956", "31813", "31816", "31840"})
        self.assertEqual(Assessment.objects.filter(province_code="95").count(), 6)

    def test_it_stores_every_field_it_decided(self):
        from django.utils import timezone

        decided = {a.area_id: a for a in self.assess().assessments}
        for stored in Assessment.objects.all():
            made = decided[stored.area_id]
            self.assertEqual(stored.public_id, made.public_id)
            self.assertEqual(
                (stored.adjustments, stored.unconfirmed, stored.explanation_vi, stored.days_since_last_case),
                (made.adjustments, made.unconfirmed, made.explanation_vi, made.days_since_last_case),
            )
            self.assertLess(abs(stored.computed_at - timezone.now()).total_seconds(), 60)
            self.assertIsNone(stored.declared_level)
        self.assertEqual(Assessment.objects.get(area=self.commune_a1).adjustments, [["capacity_not_met", 1]])

    def test_it_counts_community_cases_by_residence_excluding_quarantine_and_lockdown(self):
        self.assess()
        a1 = self.of(self.commune_a1)
        self.assertEqual((a1.community_cases_7d, a1.cases_7d), (3, 9))
        self.assertEqual(a1.population, 10_000)
        self.assertAlmostEqual(a1.rate_per_100k, 30.0)
        self.assertEqual(a1.days_since_last_case, 1)
        # cases living in a village count for its commune; a case found at work is a community case
        a2 = self.of(self.commune_a2)
        self.assertEqual((a2.community_cases_7d, a2.cases_7d), (10, 10))

    def test_it_assesses_districts_and_the_province_on_their_own_totals(self):
        self.assess()
        district = self.of(self.district_a_area)
        # 13 community cases in 30,000 people: 43.3 (band B), not the 30 and 50 of its communes
        self.assertEqual((district.population, district.community_cases_7d), (30_000, 13))
        self.assertAlmostEqual(district.rate_per_100k, 43.333, places=2)
        self.assertEqual(district.band, "B")
        # coverage over the district's own people: 65+ full (850 + 240) / 3,000 = 36.3 % -> not met
        self.assertAlmostEqual(district.elderly_full_pct, 36.33, places=1)
        self.assertFalse(district.coverage_met)
        self.assertEqual(district.proposed_level, 3)
        province = self.of(self.province)
        self.assertEqual((province.population, province.community_cases_7d), (35_000, 13))
        self.assertEqual((province.band, province.proposed_level), ("B", 3))

    def test_it_takes_the_level_from_the_band_and_coverage(self):
        self.assess()
        a2 = self.of(self.commune_a2)
        self.assertAlmostEqual(a2.rate_per_100k, 50.0)
        self.assertEqual((a2.band, a2.coverage_met, a2.matrix_level, a2.proposed_level), ("C", False, 4, 4))
        self.assertAlmostEqual(a2.adults_1dose_pct, 70.0)
        self.assertAlmostEqual(a2.elderly_full_pct, 12.0)
        self.assertEqual(a2.coverage_source, "aggregate")
        self.assertEqual(a2.ruleset, "BYT-4800")

    def test_it_raises_the_level_by_one_when_capacity_is_not_met(self):
        self.assess()
        a1 = self.of(self.commune_a1)
        self.assertEqual((a1.band, a1.coverage_met, a1.matrix_level), ("B", True, 2))
        self.assertEqual((a1.capacity_ok, a1.capacity_known, a1.capacity_adjustment), (False, True, 1))
        self.assertEqual(a1.capacity_reason, "no mobile medical station yet")
        self.assertEqual(a1.proposed_level, 3)
        # a unit nobody set a capacity for counts as meeting it, and says so
        a2 = self.of(self.commune_a2)
        self.assertEqual((a2.capacity_ok, a2.capacity_known, a2.capacity_adjustment), (True, False, 0))

    def test_it_gives_level_1_after_14_days_without_a_community_case(self):
        self.assess()
        b1 = self.of(self.commune_b1)
        self.assertEqual((b1.community_cases_7d, b1.cases_7d, b1.days_since_last_case), (0, 2, 20))
        self.assertEqual(b1.proposed_level, 1)
        self.assertIn("không có ca mắc mới trong cộng đồng trong 14 ngày qua → cấp 1", b1.explanation_vi)
        # 13 days after the last case the rule does not apply yet: band A with coverage met -> 1 anyway, so
        # look at a commune whose coverage is not met
        cases(self.commune_a2, 1, dt.date(2021, 11, 20))
        self.assess(dt.date(2021, 12, 3))
        self.assertEqual(self.of(self.commune_a2, dt.date(2021, 12, 3)).days_since_last_case, 13)
        self.assertEqual(self.of(self.commune_a2, dt.date(2021, 12, 3)).proposed_level, 2)
        self.assess(dt.date(2021, 12, 4))
        self.assertEqual(self.of(self.commune_a2, dt.date(2021, 12, 4)).proposed_level, 1)

    def test_it_treats_a_unit_without_any_case_on_record_as_without_recent_cases(self):
        quiet = make_area("31841", "Xã Lộc Ninh", AreaKind.COMMUNE, self.district_b_area)
        population(quiet, 4_000)
        self.assess()
        assessment = self.of(quiet)
        self.assertIsNone(assessment.days_since_last_case)
        self.assertEqual(assessment.proposed_level, 1)

    def test_it_explains_the_level_in_vietnamese_and_english(self):
        self.assess()
        a2 = self.of(self.commune_a2)
        self.assertEqual(
            a2.explanation_vi,
            "Phường 8: 50,0 ca/100.000 dân/tuần (nhóm C); bao phủ không đạt: 65+ đủ liều 12 % < 80 % → cấp 4",
        )
        self.assertEqual(
            a2.explanation_en,
            "Phường 8: 50.0 cases/100,000/week (band C); coverage not met: 65+ fully vaccinated 12 % < 80 % "
            "→ level 4",
        )
        a1 = self.of(self.commune_a1)
        self.assertEqual(
            a1.explanation_vi,
            "Phường 7: 30,0 ca/100.000 dân/tuần (nhóm B); bao phủ đạt: 18+ ≥1 liều 78,7 % ≥ 70 %, 65+ đủ liều "
            "85 % ≥ 80 % → cấp 2; không đảm bảo năng lực thu dung, điều trị: +1 → cấp 3; "
            "no mobile medical station yet",
        )
        # criterion 3's reason is part of the explanation in both languages
        self.assertTrue(a1.explanation_en.endswith("; no mobile medical station yet"))
        # the unconfirmed values the decision relied on, for pages to label
        self.assertIn("rules.matrix", a1.unconfirmed)
        self.assertIn("rules.criterion1.bands.B.below", a1.unconfirmed)

    def test_it_reads_coverage_from_dose_records(self):
        commune = make_area("31842", "Xã Ninh Quới", AreaKind.COMMUNE, self.district_b_area)
        population(commune, 20, elderly=10)  # 15 adults, 10 of them 65+
        janssen = Product.objects.get(code="janssen")
        for i in range(12):
            born = dt.date(1950, 1, 1) if i < 9 else dt.date(1990, 1, 1)
            record(
                person(commune, born),
                number=1,
                product=janssen,
                given_on=dt.date(2021, 10, 1),
                submitter=self.commune_org,
                today=WEEK,
            )
        self.assess()
        assessment = self.of(commune)
        self.assertAlmostEqual(assessment.adults_1dose_pct, 80.0)
        self.assertAlmostEqual(assessment.elderly_full_pct, 90.0)
        self.assertTrue(assessment.coverage_met)
        self.assertEqual(assessment.coverage_source, "records")

    def test_it_replaces_proposals_but_never_declared_levels_when_run_again(self):
        self.assess()
        a1, a2 = self.of(self.commune_a1), self.of(self.commune_a2)
        a1.declare(self.province_admin, 3)
        cases(self.commune_a2, 10, dt.date(2021, 11, 4))
        cases(self.commune_a1, 30, dt.date(2021, 11, 4))
        result = self.assess()
        self.assertEqual((result.assessed, result.kept), (5, 1))
        self.assertEqual(Assessment.objects.count(), 6)
        again = self.of(self.commune_a2)
        self.assertEqual(again.community_cases_7d, 20)
        self.assertNotEqual(again.pk, a2.pk)
        kept = self.of(self.commune_a1)
        self.assertEqual((kept.pk, kept.community_cases_7d, kept.declared_level), (a1.pk, 3, 3))
        # a third run with nothing new changes nothing
        before = sorted(Assessment.objects.values_list("area_id", "proposed_level", "community_cases_7d"))
        self.assess()
        self.assertEqual(
            sorted(Assessment.objects.values_list("area_id", "proposed_level", "community_cases_7d")), before
        )

    def test_it_uses_the_rule_set_in_force_and_past_assessments_keep_theirs(self):
        self.assess()
        self.login(self.province_admin)
        # Bạc Liêu adjusts the bands from 15 November: B ends at 40
        self.client.post("/levels/rules/new/?from=BYT-4800", post_data(band_1_upper=25, band_2_lower=25))
        self.assertTrue(RuleSetVersion.objects.filter(name="BL-2021-11").exists())
        cases(self.commune_a1, 3, dt.date(2021, 11, 20))
        self.assess(dt.date(2021, 11, 21))
        adjusted = self.of(self.commune_a1, dt.date(2021, 11, 21))
        self.assertEqual((adjusted.ruleset, adjusted.band), ("BL-2021-11", "C"))
        self.assertEqual(self.of(self.commune_a1).ruleset, "BYT-4800")
        # from 27 January 2022 Decision 218 counts all new cases
        self.assess(dt.date(2022, 1, 27))
        self.assertEqual(self.of(self.commune_a1, dt.date(2022, 1, 27)).ruleset, "BYT-218")
        # the other province never sees Bạc Liêu's version
        self.assess(dt.date(2021, 11, 21), provinces=[self.other_province])
        self.assertEqual(self.of(self.other_commune, dt.date(2021, 11, 21)).ruleset, "BYT-4800")

    def test_it_skips_a_unit_without_population_and_assesses_the_rest(self):
        make_area("31843", "Xã Vĩnh Lộc", AreaKind.COMMUNE, self.district_b_area)
        result = self.assess()
        self.assertEqual([(s.area.code, s.why) for s in result.skipped], [("31843", "no population figures")])
        self.assertEqual(result.assessed, 6)

    def test_it_leaves_other_provinces_alone(self):
        self.assess()
        self.assertFalse(Assessment.objects.filter(area=self.other_commune).exists())
        assessing.assess_week(WEEK)  # every province
        self.assertEqual(self.of(self.other_commune).proposed_level, 1)
        self.assertEqual(Assessment.objects.count(), 9)

    def test_its_number_of_queries_does_not_grow_with_units_or_cases(self):
        self.assess()
        with CaptureQueriesContext(connection) as small:
            self.assess()
        for i in range(5):
            commune = make_area(f"3185{i}", f"Xã {i}", AreaKind.COMMUNE, self.district_b_area)
            population(commune, 3_000)
            cases(commune, 2, dt.date(2021, 11, 3))
        with CaptureQueriesContext(connection) as large:
            self.assess()
        self.assertEqual(Assessment.objects.count(), 11)
        self.assertEqual(len(large), len(small))
        self.assertLess(len(large), 25)


class AssessCommandTests(LevelsTestCase):
    def test_it_prints_a_one_line_summary(self):
        out = io.StringIO()
        call_command("assess_levels", "--week-ending", "2021-11-04", "--province", "95", stdout=out)
        self.assertEqual(
            out.getvalue().strip(),
            "assessed 6 units of 1 province(s) for the week ending 2021-11-04 (BYT-4800): 6 at level 1; "
            "kept 0 declared; skipped 0",
        )
        self.assertEqual(Assessment.objects.count(), 6)

    def test_it_stores_nothing_on_a_dry_run(self):
        out = io.StringIO()
        call_command("assess_levels", "--week-ending", "04/11/2021", "--dry-run", stdout=out)
        self.assertTrue(out.getvalue().startswith("dry run: would have assessed 9 units of 2 province(s)"))
        self.assertFalse(Assessment.objects.exists())

    def test_it_assesses_the_week_ending_yesterday_at_night(self):
        from django.utils import timezone

        call_command("assess_levels", "--nightly", stdout=io.StringIO())
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        self.assertEqual(set(Assessment.objects.values_list("week_ending", flat=True)), {yesterday})

    def test_it_refuses_bad_usage(self):
        for args, message in (
            (["--week-ending", "2021-11-31"], "is not a date"),
            (["--week-ending", "2021-11-04", "--province", "99"], "Unknown province code '99'"),
            ([], "Give either --week-ending DATE or --nightly"),
            (["--week-ending", "2021-11-04", "--rules", "BYT-4800"], "--rules goes with --inputs"),
            (["--inputs", "x.csv"], "--inputs needs --rules NAME"),
        ):
            with self.subTest(args=args), self.assertRaises(CommandError) as caught:
                call_command("assess_levels", *args, stdout=io.StringIO())
            self.assertEqual(caught.exception.returncode, 2)
            self.assertIn(message, str(caught.exception))
        self.assertFalse(Assessment.objects.exists())
