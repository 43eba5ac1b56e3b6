import datetime as dt

from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from epiwatch.levels import summary
from epiwatch.levels.models import Assessment, CapacityStatus
from epiwatch.levels.tests.base import LevelsTestCase, propose_week

PROVINCE = reverse("levels-overview", args=["vn-2021", "95"])
DISTRICT_A = reverse("levels-overview", args=["vn-2021", "954"])
A1 = reverse("levels-area", args=["vn-2021", "31813"])
A2 = reverse("levels-area", args=["vn-2021", "31816"])


class OverviewTests(LevelsTestCase):
    def setUp(self):
        super().setUp()
        self.week = propose_week(self)

    def test_it_shows_the_province_user_every_proposal_with_counts_tiles_and_table(self):
        self.login(self.province_admin)
        response = self.client.get(PROVINCE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["assessments"]), 6)
        self.assertEqual(response.context["counts"], {4: 1, 3: 1, 2: 0, 1: 1})
        # the three communes as tiles grouped by their district (no outlines uploaded)
        tiles = response.context["tiles"]
        self.assertEqual(
            [[a.area.code for a in g["communes"]] for g in tiles], [["31813", "31816"], ["31840"]]
        )
        self.assertContains(response, 'class="tile level-4 proposed"')
        # the table: every input and the explanation, with the unconfirmed values labelled
        self.assertContains(response, escape(self.week["a2"].explanation_en))
        self.assertContains(response, "Middle cut as commonly cited")
        self.assertContains(response, "6 proposed levels await declaration.")
        # in Vietnamese, the Vietnamese explanation
        response = self.client.get(PROVINCE, HTTP_ACCEPT_LANGUAGE="vi")
        self.assertContains(response, escape(self.week["a2"].explanation_vi))

    def test_it_writes_the_counts_as_people_say_them(self):
        with translation.override("en"):
            self.assertEqual(summary.counts_text({4: 20, 3: 8, 2: 36, 1: 0}), "20 red, 8 orange, 36 yellow")

    def test_it_shows_other_users_only_the_declared_levels_of_their_area(self):
        self.login(self.district_a)
        response = self.client.get(DISTRICT_A)
        self.assertEqual(response.context["assessments"], [])
        self.assertContains(response, "No level you may see has been assessed for this area yet.")
        self.assertNotContains(response, escape(self.week["a2"].explanation_en))
        self.week["a2"].declare(self.province_admin, 4)
        self.week["b1"].declare(self.province_admin, 1)
        response = self.client.get(DISTRICT_A)
        self.assertEqual([a.area.code for a in response.context["assessments"]], ["31816"])
        self.assertContains(response, escape(self.week["a2"].explanation_en))
        self.assertNotContains(response, "Ngan Dừa")
        self.assertFalse(response.context["can_declare"])

    def test_it_refuses_areas_outside_the_scope(self):
        self.week["a1"].declare(self.province_admin, 3)
        self.assert_refused(
            PROVINCE,
            [None, self.district_a, self.district_b, self.commune, self.other_province_user, self.outsider],
        )
        self.assert_refused(DISTRICT_A, [self.district_b, self.other_province_user, self.outsider])
        # district_b may not see the details of district_a's commune, even declared
        self.assert_refused(A1, [self.district_b, self.other_province_user, self.outsider])
        self.assert_refused(reverse("levels-home"), [None, self.outsider])
        self.assert_refused(
            reverse("levels-export", args=["vn-2021", "954"]), [self.district_b, self.outsider]
        )

    def test_it_takes_each_user_to_their_own_area(self):
        self.login(self.district_b)
        self.assertRedirects(
            self.client.get(reverse("levels-home")), reverse("levels-overview", args=["vn-2021", "956"])
        )
        self.login(self.commune)
        response = self.client.get(reverse("levels-home"), follow=True)
        self.assertEqual(response.redirect_chain[-1][0], reverse("levels-area", args=["vn-2021", "31813"]))

    def test_it_shows_a_unit_with_its_inputs_trend_and_explanation(self):
        earlier = propose_week(self, self.week["a1"].week_ending - dt.timedelta(days=7), a2_cases=0)
        self.assertEqual(earlier["a2"].proposed_level, 1)
        self.login(self.province_analyst)
        response = self.client.get(A2)
        self.assertEqual(response.context["assessment"], self.week["a2"])
        self.assertContains(response, escape(self.week["a2"].explanation_en))
        trend = [(day, a.level if a else None) for day, a in response.context["trend"]]
        self.assertEqual(trend[-2:], [(dt.date(2021, 10, 28), 1), (dt.date(2021, 11, 4), 4)])
        self.assertIsNone(response.context["override_form"], "an analyst does not declare")
        self.assertContains(response, "Middle cut as commonly cited")

    def test_the_commune_sees_its_declared_level(self):
        self.login(self.commune)
        self.assertIsNone(self.client.get(A1).context["assessment"])
        self.week["a1"].declare(self.province_admin, 3)
        response = self.client.get(A1)
        self.assertEqual(response.context["assessment"], self.week["a1"])
        self.assertContains(response, escape(self.week["a1"].explanation_en))

    def test_its_queries_do_not_grow_with_the_units(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from epiwatch.geo.models import AreaKind
        from epiwatch.levels.tests.base import make_assessment, population
        from epiwatch.testing import make_area

        self.login(self.province_admin)
        self.client.get(PROVINCE)  # the session and the like, once
        with CaptureQueriesContext(connection) as few:
            self.client.get(PROVINCE)
        for i in range(6):
            commune = make_area(f"3186{i}", f"Xã {i}", AreaKind.COMMUNE, self.district_b_area)
            population(commune, 2_000)
            make_assessment(commune, community_cases_7d=i)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(PROVINCE)
        self.assertEqual(len(response.context["assessments"]), 12)
        self.assertEqual(len(many), len(few))

    def test_the_export_link_downloads_the_week(self):
        self.login(self.province_admin)
        response = self.client.get(
            reverse("levels-export", args=["vn-2021", "954"]) + "?from=2021-11-04&to=2021-11-04"
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = body.strip().splitlines()
        self.assertEqual(len(lines), 4)  # header, district A, its two communes
        self.assertTrue(lines[0].startswith("week_ending,area_code,area_name"))


class WhatIfPageTests(LevelsTestCase):
    def setUp(self):
        super().setUp()
        self.week = propose_week(self)

    def url(self, code="31816"):
        return reverse("levels-what-if", args=["vn-2021", code])

    def test_it_starts_from_the_assessed_inputs(self):
        self.login(self.province_admin)
        response = self.client.get(self.url())
        form = response.context["form"]
        self.assertEqual((form.initial["population"], form.initial["community_cases_7d"]), (20_000, 10))
        self.assertEqual(form.initial["ruleset"], "BYT-4800")
        self.assertIsNone(response.context["decision"])

    def test_it_shows_the_level_other_inputs_would_give(self):
        self.login(self.province_admin)
        data = {
            "ruleset": "BYT-4800",
            "population": 20000,
            "community_cases_7d": 10,
            "adults_1dose_pct": 90,
            "elderly_full_pct": 90,
            "capacity_ok": "yes",
            "days_since_last_case": 0,
        }
        response = self.client.get(self.url(), data)
        self.assertEqual(response.context["decision"].level, 3)
        self.assertContains(response, "Phường 8: 50.0 cases/100,000/week (band C); coverage met")
        # in Vietnamese, the Vietnamese explanation
        response = self.client.get(self.url(), data, HTTP_ACCEPT_LANGUAGE="vi")
        self.assertContains(response, "Phường 8: 50,0 ca/100.000 dân/tuần (nhóm C); bao phủ đạt")
        self.assertEqual(Assessment.objects.get(area=self.commune_a2).proposed_level, 4, "nothing is stored")

    def test_it_refuses_bad_inputs_with_the_field(self):
        self.login(self.province_admin)
        bad = {
            "ruleset": "BYT-4800",
            "population": 0,
            "community_cases_7d": -1,
            "adults_1dose_pct": 120,
            "elderly_full_pct": 50,
            "capacity_ok": "yes",
        }
        form = self.client.get(self.url(), bad).context["form"]
        self.assertEqual(form.errors["population"], ["The population must be more than 0."])
        self.assertEqual(form.errors["community_cases_7d"], ["Must not be negative."])
        self.assertEqual(form.errors["adults_1dose_pct"], ["A percentage cannot be above 100."])
        contradiction = {
            **bad,
            "population": 100,
            "community_cases_7d": 2,
            "adults_1dose_pct": 50,
            "days_since_last_case": 9,
        }
        form = self.client.get(self.url(), contradiction).context["form"]
        self.assertIn("days_since_last_case is 9", form.non_field_errors()[0])

    def test_it_is_refused_outside_the_scope(self):
        self.assert_refused(self.url(), [self.district_b, self.other_province_user, self.outsider, None])


class CapacityTests(LevelsTestCase):
    def url(self, code="31813"):
        return reverse("levels-capacity", args=["vn-2021", code])

    def test_the_district_sets_the_capacity_of_its_commune(self):
        self.login(self.district_a)
        response = self.client.post(
            self.url(), {"date": "2021-11-01", "ok": "no", "reason": "no home-care plan"}
        )
        self.assertRedirects(response, A1)
        status = CapacityStatus.objects.get()
        self.assertEqual(
            (status.area, status.ok, status.reason, status.set_by),
            (self.commune_a1, False, "no home-care plan", self.district_a),
        )

    def test_it_needs_a_reason_when_not_met(self):
        self.login(self.commune)
        response = self.client.post(self.url(), {"date": "2021-11-01", "ok": "no", "reason": ""}, follow=True)
        self.assertContains(response, "Say why the capacity is not met: it raises the level.")
        self.assertFalse(CapacityStatus.objects.exists())

    def test_it_is_refused_to_readers_and_outsiders(self):
        data = {"date": "2021-11-01", "ok": "no", "reason": "x"}
        self.assert_refused(
            self.url(),
            [self.province_analyst, self.district_b, self.school, self.outsider, None],
            method="post",
            data=data,
        )
        self.assertFalse(CapacityStatus.objects.exists())
