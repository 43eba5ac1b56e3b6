"""GET /api/v1/levels?week_ending=...: the week's levels the token's user sees; `epiwatch export levels`."""

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from epiwatch.accounts.models import ApiToken
from epiwatch.levels.tests.base import LevelsTestCase, propose_week

URL = reverse("api-levels")


class LevelsApiTests(LevelsTestCase):
    def setUp(self):
        super().setUp()
        self.week = propose_week(self)

    def get(self, user, **params):
        _token, raw = ApiToken.issue(user, name="test")
        return self.client.get(URL, params, headers={"Authorization": f"Bearer {raw}"})

    def test_it_lists_the_week_for_a_province_user(self):
        response = self.get(self.province_analyst, week_ending="2021-11-04")
        self.assertEqual(response.status_code, 200)
        rows = response.json()
        self.assertEqual([r["area_code"] for r in rows], ["95", "954", "31813", "31816", "956", "31840"])
        a2 = rows[3]
        self.assertEqual(a2["id"], str(self.week["a2"].public_id))
        self.assertEqual(
            (a2["band"], a2["proposed_level"], a2["declared_level"], a2["level"]), ("C", 4, None, 4)
        )
        self.assertEqual(a2["rate_per_100k"], 50.0)
        self.assertEqual(a2["parent_code"], "954")
        self.assertEqual(a2["ruleset"], "BYT-4800")
        self.assertIn("rules.matrix", a2["unconfirmed"])
        self.assertTrue(a2["explanation_en"].startswith("Phường 8: 50.0 cases/100,000/week (band C)"))
        self.assertNotIn("pk", a2)

    def test_it_shows_other_users_the_declared_levels_of_their_area_only(self):
        self.assertEqual(self.get(self.district_a, week_ending="2021-11-04").json(), [])
        self.week["a2"].declare(self.province_admin, 3, "contained in one factory")
        self.week["b1"].declare(self.province_admin, 1)
        rows = self.get(self.district_a, week_ending="2021-11-04").json()
        self.assertEqual([(r["area_code"], r["level"]) for r in rows], [("31816", 3)])
        self.assertEqual(
            [r["area_code"] for r in self.get(self.district_b, week_ending="2021-11-04").json()], ["31840"]
        )
        for user in (self.school, self.lab, self.other_province_user, self.outsider):
            self.assertEqual(self.get(user, week_ending="2021-11-04").json(), [], user.username)

    def test_it_filters_by_area(self):
        rows = self.get(self.province_admin, week_ending="2021-11-04", area="956").json()
        self.assertEqual([r["area_code"] for r in rows], ["956", "31840"])
        response = self.get(self.district_b, week_ending="2021-11-04", area="954")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"error": "No area 954 in vn-2021", "details": []})

    def test_it_refuses_a_missing_or_bad_week(self):
        response = self.get(self.province_admin)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["details"][0]["field"], "week_ending")
        response = self.get(self.province_admin, week_ending="2021-13-01")
        self.assertEqual(response.status_code, 400)
        self.assertIn("is not a date", response.json()["details"][0]["message"])
        self.assertEqual(self.client.get(URL, {"week_ending": "2021-11-04"}).status_code, 401)

    def test_its_queries_do_not_grow_with_the_rows(self):
        _token, raw = ApiToken.issue(self.province_admin, name="test")
        headers = {"Authorization": f"Bearer {raw}"}
        with self.assertNumQueries(4):  # token, last use, memberships, assessments with their areas
            self.client.get(URL, {"week_ending": "2021-11-04"}, headers=headers)


class LevelsExportTests(LevelsTestCase):
    def test_it_exports_the_weeks_of_an_area(self):
        propose_week(self)
        earlier = propose_week(self, dt.date(2021, 10, 28))
        earlier["a1"].declare(self.province_admin, 4, "market outbreak")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "levels.csv"
            call_command(
                "export",
                "levels",
                "--area",
                "954",
                "--from",
                "2021-10-28",
                "--to",
                "2021-11-04",
                "--out",
                str(out),
                stdout=io.StringIO(),
            )
            rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        self.assertEqual(
            [(r["week_ending"], r["area_code"]) for r in rows],
            [
                ("2021-10-28", "954"),
                ("2021-10-28", "31813"),
                ("2021-10-28", "31816"),
                ("2021-11-04", "954"),
                ("2021-11-04", "31813"),
                ("2021-11-04", "31816"),
            ],
        )
        first = rows[1]
        self.assertEqual((first["proposed_level"], first["declared_level"], first["level"]), ("3", "4", "4"))
        self.assertEqual(first["override_reason"], "market outbreak")
        self.assertEqual(rows[4]["declared_level"], "")
        self.assertTrue(rows[5]["explanation_vi"].startswith("Phường 8: 50,0 ca/100.000 dân/tuần"))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "levels.csv"
            call_command(
                "export",
                "levels",
                "--area",
                "954",
                "--from",
                "2021-11-01",
                "--out",
                str(out),
                stdout=io.StringIO(),
            )
            self.assertEqual(len(out.read_text(encoding="utf-8-sig").strip().splitlines()), 4)
