"""The demo's treatment system near the seed's figures, and the norms as data."""

import copy
import datetime as dt
import json
from unittest import TestCase as PlainTestCase

from django.test import TestCase
from django.utils import translation

from epiwatch.care import capacity, demo, planner
from epiwatch.care import norms as care_norms
from epiwatch.care.models import Admission, CapacityChange, Facility, FacilityKind
from epiwatch.care.views.planner import shortfall_sentence
from epiwatch.cases.models import Case
from epiwatch.demo.organizations import load_organizations
from epiwatch.geo.loading import load_dataset
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people.models import Person
from epiwatch.policy.reader import RuleSetError


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_dataset("vn-2021", province="95")
        cls.province = Area.objects.get(dataset="vn-2021", code="95")
        load_organizations(cls.province)
        communes = list(Area.objects.subtree(cls.province).of_kind(AreaKind.COMMUNE))
        Person.objects.bulk_create(
            Person(
                full_name=f"Người {i}",
                name_norm=f"nguoi {i}",
                birth_year=1950 + i % 20,
                residence=communes[i % len(communes)],
            )
            for i in range(300)
        )
        cls.summary = demo.load("95")

    def statuses(self, day):
        return capacity.statuses(Facility.objects.in_area(self.province), day)

    def test_capacity_is_2000_before_and_2850_from_05_11(self):
        before = capacity.totals(self.statuses(dt.date(2021, 11, 4)))
        after = capacity.totals(self.statuses(dt.date(2021, 11, 5)))
        self.assertEqual((before.beds, after.beds), (2000, 2850))
        self.assertEqual((before.tier(3).beds, before.figures["icu_beds"]), (100, 30))
        added = CapacityChange.objects.filter(effective_from=demo.SURGE).values_list(
            "facility__code", flat=True
        )
        self.assertEqual(set(added), {"bl-bvdc-1", "bl-ktx-khu-a", "bl-ttyt-960-dt"})
        self.assertEqual(Facility.objects.filter(kind=FacilityKind.COMMUNE_STATION).count(), 64)

    def test_tier_3_treats_80_and_tier_2_70_with_the_ventilators_short(self):
        self.assertEqual(self.summary.open_by_tier, {2: 70, 3: 80})
        self.assertEqual(Case.objects.filter(classification_rule=demo.TOP_UP_RULE).count(), 150)
        hospital = next(s for s in self.statuses(dt.date(2021, 11, 4)) if s.facility.code == "bl-bvdk")
        self.assertIn(capacity.AlertKind.VENTILATORS_FULL, [a.kind for a in hospital.alerts])
        self.assertEqual(hospital.facility.organization.code, "bl-bvdk")

    def test_the_seed_scenario_finds_the_seed_shortfall_of_staff(self):
        ids = Facility.objects.in_area(self.province).values_list("pk", flat=True)
        available = capacity.capacities_over(ids, dt.date(2021, 11, 4), dt.date(2021, 11, 4))[0]
        result = planner.manual_scenario(5000, care_norms.load().planner, available, severe=100)
        short = planner.shortfall_summary(result.gaps)
        self.assertEqual((short["doctors"], short["icu_doctors"], short["nurses"]), (65, 15, 170))
        with translation.override("en"):
            self.assertTrue(
                shortfall_sentence(short).startswith("65 doctors, 15 of them intensive-care, 170 nurses")
            )

    def test_criterion_3_from_the_demo(self):
        districts = list(Area.objects.filter(parent=self.province))
        communes = list(Area.objects.subtree(self.province).of_kind(AreaKind.COMMUNE))
        result = capacity.criterion3([self.province, *districts, *communes], demo.DEMO_DATE)
        self.assertTrue(all(result[c.pk].ok for c in communes))
        self.assertEqual(len(result), 1 + len(districts) + len(communes))

    def test_a_second_run_changes_nothing(self):
        stays = Admission.objects.count()
        again = demo.load("95")
        self.assertEqual(
            (again.facilities, again.capacity_changes, again.admissions, again.top_up_cases), (0, 0, 0, 0)
        )
        self.assertEqual(Admission.objects.count(), stays)

    def test_it_needs_the_areas(self):
        with self.assertRaises(LookupError):
            demo.load("22")


class NormsTests(PlainTestCase):
    def setUp(self):
        with care_norms.NORMS_FILE.open(encoding="utf-8") as f:
            self.data = json.load(f)

    def test_the_shipped_norms_load_and_are_flagged_unconfirmed(self):
        norms = care_norms.load()
        self.assertEqual(norms.occupancy_alert_percent, 85)
        for path in ("alerts.occupancy_percent", "staff_per_bed", "criterion3", "planner"):
            self.assertTrue(norms.is_unconfirmed(path), path)
        self.assertTrue(norms.is_unconfirmed("criterion3.province.icu_beds_per_100000"))
        self.assertIn(
            "thresholds are not confirmed", norms.note_for("criterion3.province.icu_beds_per_100000")
        )
        self.assertAlmostEqual(sum(norms.planner.severity_shares.values()), 1)

    def test_an_unknown_key_is_refused(self):
        data = copy.deepcopy(self.data)
        data["planner"]["lenght_of_stay_days"] = {}
        with self.assertRaises(RuleSetError) as caught:
            care_norms.parse(data)
        self.assertIn("lenght_of_stay_days", str(caught.exception))

    def test_shares_that_do_not_add_up_are_refused(self):
        data = copy.deepcopy(self.data)
        data["planner"]["severity_shares"]["mild"] = 0.5
        with self.assertRaises(RuleSetError) as caught:
            care_norms.parse(data)
        self.assertIn("add up to 110.0 %", str(caught.exception))

    def test_a_negative_ratio_is_refused_with_its_place(self):
        data = copy.deepcopy(self.data)
        data["staff_per_bed"]["tier_2"]["nurses"] = -1
        with self.assertRaises(RuleSetError) as caught:
            care_norms.parse(data)
        self.assertIn("nurses", str(caught.exception))
        self.assertIn("tier_2", str(caught.exception))
