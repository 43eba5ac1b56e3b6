"""Capacity on a day, occupancy, alerts and criterion 3, read in a fixed number of queries."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from epiwatch.care import admissions as moves
from epiwatch.care import capacity
from epiwatch.care.models import CapacityChange, CareSettings, Facility, FacilityKind, Support
from epiwatch.care.tests.base import TODAY, CareTestCase, at, make_case, set_capacity
from epiwatch.cases.models import Severity
from epiwatch.geo.models import AreaKind
from epiwatch.testing import make_area


class CapacityOnADayTests(CareTestCase):
    def test_it_takes_the_latest_change_on_or_before_the_day(self):
        figures = capacity.capacities_on([self.field.pk], dt.date(2021, 11, 4))[self.field.pk]
        self.assertEqual(figures.beds(1), 20)
        figures = capacity.capacities_on([self.field.pk], dt.date(2021, 11, 5))[self.field.pk]
        self.assertEqual((figures.beds(1), figures.effective_from), (50, dt.date(2021, 11, 5)))
        self.assertNotIn(self.field.pk, capacity.capacities_on([self.field.pk], dt.date(2021, 9, 30)))

    def test_it_sums_planned_capacity_day_by_day(self):
        days = capacity.capacities_over(
            [self.field.pk, self.hospital_b.pk], dt.date(2021, 11, 3), dt.date(2021, 11, 6)
        )
        self.assertEqual([d["beds_tier_1"] for d in days], [30, 30, 60, 60])

    def test_negative_figures_never_reach_the_database(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            set_capacity(self.field, dt.date(2021, 11, 6), beds_tier_1=-5)
        change = CapacityChange(
            facility=self.field, effective_from=dt.date(2021, 11, 6), beds_tier_1=-5, nurses=-1
        )
        with self.assertRaises(ValidationError) as caught:
            change.full_clean()
        self.assertIn("beds_tier_1", caught.exception.message_dict)
        self.assertIn("negative", caught.exception.message_dict["nurses"][0])

    def test_beds_in_a_tier_not_served_and_more_icu_than_tier_3_are_refused(self):
        change = CapacityChange(facility=self.field, effective_from=dt.date(2021, 11, 6), beds_tier_3=5)
        with self.assertRaises(ValidationError) as caught:
            change.full_clean()
        self.assertIn("does not serve tier 3", caught.exception.message_dict["beds_tier_3"][0])
        change = CapacityChange(
            facility=self.hospital,
            effective_from=dt.date(2021, 11, 6),
            beds_tier_3=5,
            icu_beds=6,
            doctors=1,
            icu_doctors=2,
        )
        with self.assertRaises(ValidationError) as caught:
            change.full_clean()
        self.assertEqual(set(caught.exception.message_dict), {"icu_beds", "icu_doctors"})


class StatusTests(CareTestCase):
    def status(self, facility, **kwargs):
        return capacity.statuses([facility], TODAY, **kwargs)[0]

    def kinds(self, facility, **kwargs):
        return [a.kind for a in self.status(facility, **kwargs).alerts]

    def test_a_quiet_facility_has_no_alert(self):
        self.assertEqual(self.kinds(self.field), [])

    def test_a_tier_above_the_threshold_raises_an_alert(self):
        for _ in range(9):
            moves.admit(make_case(self.commune_a1), self.hospital, 2, at(3))
        self.assertIn(capacity.AlertKind.TIER_FULL, self.kinds(self.hospital))  # 90 % > 85 %
        self.assertNotIn(capacity.AlertKind.TIER_FULL, self.kinds(self.hospital, threshold=95))

    def test_the_province_sets_its_own_threshold(self):
        self.assertEqual(capacity.alert_threshold(self.commune_a1), 85)
        CareSettings.objects.create(province=self.province, occupancy_alert_percent=70)
        self.assertEqual(capacity.alert_threshold(self.commune_a1), 70)
        self.assertEqual(capacity.alert_threshold(self.other_commune), 85)

    def test_over_capacity_icu_and_ventilators_full(self):
        for support in (Support.VENTILATOR, Support.ICU, Support.NONE, Support.NONE, Support.NONE):
            moves.admit(
                make_case(self.commune_a1, Severity.CRITICAL), self.hospital, 3, at(3), support=support
            )
        status = self.status(self.hospital)
        kinds = [a.kind for a in status.alerts]
        self.assertIn(capacity.AlertKind.OVER_CAPACITY, kinds)
        self.assertIn(capacity.AlertKind.ICU_FULL, kinds)
        self.assertIn(capacity.AlertKind.VENTILATORS_FULL, kinds)
        self.assertEqual(status.tier(3).over, 1)
        self.assertTrue(all(a.is_critical for a in status.alerts if a.kind != capacity.AlertKind.STAFF_SHORT))

    def test_staff_below_the_norms_raises_an_alert(self):
        # 200 tier 1 and 2 tier 2 beds need 200 * 0.02 + 2 * 0.1 = 4.2 -> 5 doctors, 200 * 0.05 + 2 * 0.3 = 10.6
        # -> 11 nurses; the 22 beds before did with 2 and 5
        set_capacity(self.field, TODAY, beds_tier_1=200, beds_tier_2=2, doctors=2, nurses=5)
        status = self.status(self.field)
        staff = [a for a in status.alerts if a.kind == capacity.AlertKind.STAFF_SHORT]
        self.assertEqual(len(staff), 1)
        self.assertIn("202 beds: short of 3 doctors, 6 nurses", staff[0].message)

    def test_totals_give_free_beds_per_tier(self):
        moves.admit(make_case(self.commune_a1), self.field, 1, at(3))
        moves.admit(make_case(self.commune_b1), self.hospital_b, 1, at(3))
        rows = capacity.statuses(Facility.objects.all(), TODAY)
        total = capacity.totals(rows)
        self.assertEqual((total.tier(1).beds, total.tier(1).occupied, total.tier(1).free), (30, 2, 28))
        self.assertEqual(total.tier(3).free, 4)

    def test_statuses_read_in_three_queries_whatever_the_number_of_facilities(self):
        for i in range(15):
            f = Facility.objects.create(
                code=f"f-{i}",
                name=f"F {i}",
                kind=FacilityKind.FIELD_HOSPITAL,
                area=self.commune_a1,
                serves_tier_1=True,
            )
            set_capacity(f, dt.date(2021, 10, 1), beds_tier_1=10)
            moves.admit(make_case(self.commune_a1, Severity.MILD), f, 1, at(3))
        facilities = list(Facility.objects.all())
        capacity.alert_threshold(self.province)  # the norms file, read once per process
        with self.assertNumQueries(2):
            rows = capacity.statuses(facilities, TODAY)
        self.assertEqual(sum(r.occupied for r in rows), 15)


class Criterion3Tests(CareTestCase):
    def test_a_commune_needs_a_mobile_station_and_a_home_care_plan(self):
        result = capacity.criterion3([self.commune_a1, self.commune_a2], TODAY)
        self.assertTrue(result[self.commune_a1.pk].ok)
        self.assertIn("mobile medical station", result[self.commune_a1.pk].reason_en)
        self.assertFalse(result[self.commune_a2.pk].ok)
        self.assertEqual(
            result[self.commune_a2.pk].reason_en,
            "Phường 8 lacks a mobile medical station and a home-care plan",
        )
        self.assertIn(
            "chưa có trạm y tế lưu động và phương án chăm sóc F0 tại nhà",
            result[self.commune_a2.pk].reason_vi,
        )

    def test_the_commune_requirement_is_read_on_the_day(self):
        set_capacity(self.station, dt.date(2021, 11, 2), mobile_station=False, home_care_plan=True)
        self.assertFalse(capacity.criterion3([self.commune_a1], TODAY)[self.commune_a1.pk].ok)
        self.assertTrue(capacity.criterion3([self.commune_a1], dt.date(2021, 11, 1))[self.commune_a1.pk].ok)

    def test_a_district_needs_treatment_beds_per_population(self):
        # district A: 100,000 people, 20 + 2 + 10 + 4 = 36 beds: 3.6 per 10,000, below 10
        result = capacity.criterion3([self.district_a_area], TODAY)[self.district_a_area.pk]
        self.assertFalse(result.ok)
        self.assertIn("3.6 treatment beds per 10,000 population, below the norm of 10", result.reason_en)
        set_capacity(self.field, TODAY, beds_tier_1=100, beds_tier_2=2, doctors=2, nurses=5)
        result = capacity.criterion3([self.district_a_area], TODAY)[self.district_a_area.pk]
        self.assertTrue(result.ok, result.reason_en)

    def test_a_district_with_full_beds_fails(self):
        set_capacity(
            self.hospital_b, dt.date(2021, 11, 1), beds_tier_1=60, beds_tier_2=0, doctors=1, nurses=3
        )
        # district B: 50,000 people and 60 beds (12 per 10,000), all taken
        for _ in range(60):
            moves.admit(make_case(self.commune_b1, Severity.MILD), self.hospital_b, 1, at(3))
        result = capacity.criterion3([self.district_b_area], TODAY)[self.district_b_area.pk]
        self.assertFalse(result.ok)
        self.assertIn("100 % full (60 of 60)", result.reason_en)

    def test_a_province_needs_icu_beds_per_population(self):
        # 150,000 people and 2 ICU beds: 1.3 per 100,000, below 4
        result = capacity.criterion3([self.province], TODAY)[self.province.pk]
        self.assertFalse(result.ok)
        self.assertIn("1.3 ICU beds per 100,000", result.reason_en)
        set_capacity(
            self.hospital,
            TODAY,
            beds_tier_2=10,
            beds_tier_3=10,
            icu_beds=6,
            doctors=10,
            icu_doctors=2,
            nurses=20,
        )
        self.assertTrue(capacity.criterion3([self.province], TODAY)[self.province.pk].ok)

    def test_a_province_without_recorded_facilities_is_left_out(self):
        other_commune_2 = make_area("06760", "Xã Quảng Minh", AreaKind.COMMUNE, self.other_district)
        result = capacity.criterion3(
            [self.other_province, self.other_district, self.other_commune, other_commune_2, self.province],
            TODAY,
        )
        self.assertEqual(set(result), {self.province.pk})

    def test_it_reads_many_areas_in_a_few_queries(self):
        areas = [
            self.province,
            self.district_a_area,
            self.district_b_area,
            self.commune_a1,
            self.commune_a2,
            self.commune_b1,
        ]
        capacity.criterion3(areas, TODAY)  # the norms file
        with self.assertNumQueries(4):
            result = capacity.criterion3(areas, TODAY)
        self.assertEqual(len(result), 6)
