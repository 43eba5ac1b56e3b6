import datetime as dt

from django.urls import reverse

from epiwatch.levels import rules
from epiwatch.levels.models import RuleSetVersion
from epiwatch.levels.tests.base import LevelsTestCase, make_assessment
from epiwatch.policy import rulesets

NEW = reverse("levels-rule-create") + "?from=BYT-4800"


def post_data(base="BYT-4800", **changes):
    """The editor's fields for a copy of the base version, with changes (band_1_upper=40 ...)."""
    values = rules.editor_values(rulesets.get("levels", base))
    data = {
        "name": "BL-2021-11",
        "effective_from": "2021-11-15",
        "source": "Quyết định 1234/QĐ-UBND (thử)",
        "note": "",
        "no_recent_case_days": values.no_recent_case_days,
        "no_recent_case_level": values.no_recent_case_level,
        "capacity_raise": values.capacity_raise,
        "max_level": values.max_level,
    }
    for measure, cut in values.coverage.items():
        data[f"coverage_{measure}"] = cut
    for i, band in enumerate(values.bands):
        data.update(
            {
                f"band_{i}_name": band.name,
                f"band_{i}_lower_op": "from" if band.lower_inclusive else "above",
                f"band_{i}_lower": band.lower,
                f"band_{i}_upper_op": "up_to" if band.upper_inclusive else "below",
                f"band_{i}_upper": "" if band.upper is None else band.upper,
                f"band_{i}_met": band.met,
                f"band_{i}_not_met": band.not_met,
            }
        )
    i = len(values.bands)
    data.update({f"band_{i}_lower_op": "from", f"band_{i}_upper_op": "below"})
    data.update(changes)
    return data


class RuleEditorTests(LevelsTestCase):
    def create(self, **changes):
        self.login(self.province_admin)
        return self.client.post(NEW, post_data(**changes))

    def assert_refused_with(self, response, message):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This version cannot be used")
        self.assertContains(response, message)
        self.assertFalse(RuleSetVersion.objects.exists())

    def test_it_shows_the_base_version_to_copy(self):
        self.login(self.province_admin)
        response = self.client.get(NEW)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="band_1_upper" value="50"')
        self.assertContains(response, 'name="coverage_elderly_full_pct" value="80"')

    def test_it_saves_an_adjusted_version_that_is_in_force_from_its_date(self):
        response = self.create(band_1_upper=40, band_2_lower=40)
        self.assertRedirects(response, reverse("levels-rule", args=["BL-2021-11"]))
        version = RuleSetVersion.objects.get(name="BL-2021-11")
        self.assertEqual(
            (version.province, version.based_on, version.created_by),
            (self.province, "BYT-4800", self.province_admin),
        )
        ruleset = version.ruleset()
        self.assertEqual(ruleset.rules.band_for(45).name, "C")
        history = rules.history_for(self.province)
        self.assertEqual(history.in_force("levels", dt.date(2021, 11, 14)).name, "BYT-4800")
        self.assertEqual(history.in_force("levels", dt.date(2021, 11, 15)).name, "BL-2021-11")
        self.assertEqual(history.in_force("levels", dt.date(2022, 1, 27)).name, "BYT-218")
        # another province keeps the shipped rules
        self.assertEqual(
            rules.history_for(self.other_province).in_force("levels", dt.date(2021, 11, 20)).name, "BYT-4800"
        )

    def test_it_drops_the_unconfirmed_flag_only_of_the_values_changed(self):
        self.create(band_1_upper=40, band_2_lower=40)
        ruleset = RuleSetVersion.objects.get().ruleset()
        self.assertFalse(ruleset.is_unconfirmed("rules.criterion1.bands.B.below"))
        self.assertTrue(ruleset.is_unconfirmed("rules.coverage.met_when_all.elderly_full_pct.at_least"))
        self.assertTrue(ruleset.is_unconfirmed("rules.matrix"))

    def test_it_refuses_a_gap_between_bands(self):
        self.assert_refused_with(self.create(band_2_lower=60), "bands B and C leave a gap between 50 and 60")

    def test_it_refuses_overlapping_bands(self):
        self.assert_refused_with(self.create(band_1_upper=70), "bands B and C overlap between 50 and 70")

    def test_it_refuses_a_missing_matrix_cell(self):
        self.assert_refused_with(
            self.create(band_1_not_met=""), "matrix has no level for band B when coverage is not met"
        )

    def test_it_refuses_a_level_outside_1_to_4(self):
        self.assert_refused_with(self.create(band_3_met=5), "levels run from 1 to 4")

    def test_it_refuses_a_percentage_outside_0_to_100(self):
        self.assert_refused_with(
            self.create(coverage_adults_1dose_pct=120),
            "coverage cut-off for adults_1dose_pct is 120 %, outside 0–100 %",
        )

    def test_it_refuses_the_name_of_a_shipped_version(self):
        self.assert_refused_with(self.create(name="BYT-218"), "BYT-218 is the name of a shipped version")

    def test_it_refuses_two_versions_taking_effect_the_same_day(self):
        self.create()
        response = self.client.post(NEW, post_data(name="BL-OTHER"))
        self.assertContains(response, "both take effect on 2021-11-15")
        self.assertEqual(RuleSetVersion.objects.count(), 1)

    def test_it_adds_a_band_from_the_empty_row(self):
        self.create(band_3_upper=300, band_4_name="E", band_4_lower=300, band_4_met=4, band_4_not_met=4)
        ruleset = RuleSetVersion.objects.get().ruleset()
        self.assertEqual([b.name for b in ruleset.rules.bands], ["A", "B", "C", "D", "E"])

    def test_it_lets_only_province_administrators_create(self):
        data = post_data()
        self.assert_refused(
            NEW, [None, self.province_analyst, self.district_a, self.commune, self.lab, self.outsider]
        )
        self.assert_refused(
            NEW,
            [self.province_analyst, self.district_a, self.commune, self.outsider],
            method="post",
            data=data,
        )
        # the administrator of another province adjusts only its own
        self.assert_refused(NEW + "&province=95", [self.other_province_user], method="post", data=data)
        self.assertFalse(RuleSetVersion.objects.exists())

    def test_it_edits_a_version_until_an_assessment_uses_it(self):
        self.create()
        edit = reverse("levels-rule-edit", args=["BL-2021-11"])
        response = self.client.post(edit, post_data(band_1_upper=45, band_2_lower=45))
        self.assertRedirects(response, reverse("levels-rule", args=["BL-2021-11"]))
        self.assertEqual(RuleSetVersion.objects.get().ruleset().rules.band_for(46).name, "C")
        self.assertEqual(RuleSetVersion.objects.get().created_by, self.province_admin)
        make_assessment(self.commune_a1, ruleset="BL-2021-11")
        self.assertEqual(self.client.get(edit).status_code, 403)
        self.assertEqual(self.client.post(edit, post_data(band_1_upper=42, band_2_lower=42)).status_code, 403)
        self.assertEqual(RuleSetVersion.objects.get().ruleset().rules.band_for(46).name, "C")
        # not even by another way in
        version = RuleSetVersion.objects.get()
        version.effective_from = version.effective_from.replace(day=20)
        with self.assertRaises(PermissionError):
            version.save()
        with self.assertRaises(PermissionError):
            version.delete()

    def test_it_never_edits_a_shipped_version(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(reverse("levels-rule-edit", args=["BYT-4800"])).status_code, 404)
        response = self.client.post(
            reverse("levels-rule-edit", args=["BYT-4800"]), post_data(name="BYT-4800")
        )
        self.assertEqual(response.status_code, 404)

    def test_it_shows_versions_with_their_unconfirmed_values_labelled(self):
        self.create()
        self.login(self.district_a)
        response = self.client.get(reverse("levels-rule", args=["BYT-4800"]))
        self.assertContains(response, "Middle cut as commonly cited")
        self.assertContains(response, "unconfirmed")
        self.assertContains(self.client.get(reverse("levels-rules")), "BL-2021-11")
        self.assertEqual(self.client.get(reverse("levels-rule", args=["BL-2021-11"])).status_code, 200)
        # another province does not see Bạc Liêu's version; nobody outside sees any
        self.assert_refused(
            reverse("levels-rule", args=["BL-2021-11"]), [self.other_province_user, self.outsider]
        )
        self.login(self.other_province_user)
        self.assertNotContains(self.client.get(reverse("levels-rules")), "BL-2021-11")
