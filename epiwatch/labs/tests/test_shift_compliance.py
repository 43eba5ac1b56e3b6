"""Compliance per enterprise, shift and day: who was tested before the shift, who was not, who is positive; the
gate guard's "do not admit" list; the pages of the enterprise, its commune and district, and the province."""

from __future__ import annotations

import uuid

from django.urls import reverse

from epiwatch.accounts import access
from epiwatch.labs import shifts
from epiwatch.labs.shift_models import Shift, ShiftScreening
from epiwatch.labs.tests.shift_base import DAY, ShiftTestCase, at, clock


def counts(sheet) -> tuple:
    return sheet.total, sheet.tested, sheet.not_tested, sheet.positive, len(sheet.do_not_admit)


class ComplianceTests(ShiftTestCase):
    """The hand-made roster of 3 November 2021 (the clock on the morning after, every shift over)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.setup_results = [
            (cls.hong, at(3, 5, 30), "negative"),  # A, before 06:00: tested
            (cls.an, at(3, 6, 20), "negative"),  # A, 20 minutes after the start: not tested before the shift
            (cls.binh, at(3, 5, 40), "positive"),  # A: tested, positive
            (cls.dung, at(3, 21, 30), "negative"),  # C (22:00): tested
            (cls.em, at(4, 0, 30), "negative"),  # C, past midnight, during the night shift: late
            (cls.giang, at(2, 21, 30), "negative"),  # C of the day before
            (cls.giang, at(3, 21, 0), "invalid"),  # C: an invalid result is no test
            (cls.khanh, at(3, 5, 0), "negative"),  # left the roster before: not counted anywhere
        ]

    def setUp(self):
        super().setUp()
        for person, when, outcome in self.setup_results:
            self.result(person, when, outcome)
        # a commune station's test is not the factory's screening
        self.result(self.cuong, at(3, 13, 0), submitter=self.commune_org)

    def sheets(self, day=DAY, orgs=None):
        with clock(at(4, 8)):
            found, unassigned = shifts.compliance(orgs or [self.enterprise_org], day)
        return {s.shift.code: s for s in found}, unassigned

    def test_it_counts_each_shift_of_the_day(self):
        sheets, _unassigned = self.sheets()
        self.assertEqual(counts(sheets["A"]), (3, 2, 1, 1, 2))
        self.assertEqual(counts(sheets["B"]), (1, 0, 1, 0, 1))
        self.assertEqual(counts(sheets["C"]), (3, 1, 2, 0, 2))

    def test_the_night_shift_belongs_to_the_day_it_starts(self):
        sheets, _unassigned = self.sheets()
        night = sheets["C"]
        self.assertEqual((night.start, night.end), (at(3, 22), at(4, 6)))
        status = {w.full_name: w.status for w in night.workers}
        self.assertEqual(
            status, {"Huỳnh Thị Dung": "tested", "Ngô Thị Em": "late", "Lý Thị Giang": "invalid"}
        )
        # the test at 00:30 on the 4th was during the shift of the 3rd, not before the one of the 4th
        with clock(at(5, 8)):
            next_night = shifts.shift_compliance(self.shift_c, DAY.replace(day=4))
        self.assertEqual(next_night.tested, 0)
        # and Giang's test of the evening of the 2nd counts for the night of the 2nd
        before, _unassigned = self.sheets(day=DAY.replace(day=2))
        self.assertEqual([w.full_name for w in before["C"].workers if w.tested_before], ["Lý Thị Giang"])

    def test_a_test_after_the_shift_started_is_not_a_test_before_it(self):
        sheets, _unassigned = self.sheets()
        an = next(w for w in sheets["A"].workers if w.full_name == "Phạm Thị An")
        self.assertEqual((an.status, an.tested_before, an.admit), ("late", False, False))
        self.assertEqual(an.reason(), "tested only after the shift started (06:20 03/11)")

    def test_the_do_not_admit_list_says_why(self):
        sheets, _unassigned = self.sheets()
        reasons = {w.full_name: w.reason() for s in sheets.values() for w in s.do_not_admit}
        self.assertEqual(
            reasons,
            {
                "Phạm Thị An": "tested only after the shift started (06:20 03/11)",
                "Võ Thị Bình": "positive (05:40 03/11)",
                "Đỗ Thị Cường": "not tested",
                "Ngô Thị Em": "tested only after the shift started (00:30 04/11)",
                "Lý Thị Giang": "no valid result (Invalid, 21:00 03/11): test again",
            },
        )

    def test_workers_on_an_undefined_shift_are_reported_not_lost(self):
        _sheets, unassigned = self.sheets()
        self.assertEqual([(u.shift_text, u.count) for u in unassigned], [("D", 1)])

    def test_several_enterprises_in_three_queries(self):
        self.result(self.lam, at(3, 6, 30), submitter=self.factory_b)
        with self.assertNumQueries(3), clock(at(4, 8)):
            found, _unassigned = shifts.compliance([self.enterprise_org, self.factory_b], DAY)
        by_org = {(s.organization.code, s.shift.code): counts(s) for s in found}
        self.assertEqual(by_org[("bl-thuysan-2", "A")], (1, 1, 0, 0, 0))
        self.assertEqual(by_org[("bl-thuysan-1", "A")], (3, 2, 1, 1, 2))

    # --- the pages ---------------------------------------------------------------------------------------------

    def day_url(self, name, shift=None, day=DAY):
        return reverse(name, kwargs={"public_id": (shift or self.shift_a).public_id, "day": day.isoformat()})

    def test_the_gate_list_prints_who_may_not_enter(self):
        self.login(self.enterprise)
        with clock(at(4, 8)):
            response = self.client.get(self.day_url("screening-do-not-admit"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [w.full_name for w in response.context["sheet"].do_not_admit], ["Phạm Thị An", "Võ Thị Bình"]
        )
        self.assertContains(response, "positive (05:40 03/11)")
        self.assertNotContains(response, "Lê Thị Hồng")  # tested negative before the shift: admitted

    def test_the_province_sees_every_enterprise_today(self):
        self.login(self.province_analyst)
        with clock(at(3, 23)):
            response = self.client.get(reverse("screening-overview"))
        rows = {(s.organization.code, s.shift.code): counts(s) for s in response.context["sheets"]}
        self.assertEqual(
            set(rows),
            {("bl-thuysan-1", "A"), ("bl-thuysan-1", "B"), ("bl-thuysan-1", "C"), ("bl-thuysan-2", "A")},
        )
        self.assertEqual(rows[("bl-thuysan-1", "C")], (3, 1, 2, 0, 2))
        self.assertEqual(response.context["totals"]["workers"], 8)
        self.assertContains(response, "which is not a defined shift")

    def test_commune_and_district_see_the_enterprises_of_their_subtree_only(self):
        expected = {
            self.district_a: {"bl-thuysan-1"},
            self.district_b: {"bl-thuysan-2"},
            self.enterprise: {"bl-thuysan-1"},
            self.factory_b_user: {"bl-thuysan-2"},
            self.commune: set(),  # the factory is in commune A2, the station in A1
            self.school: set(),
            self.lab: set(),
            self.other_province_user: set(),
        }
        for user, codes in expected.items():
            with self.subTest(user.username):
                self.login(user)
                with clock(at(4, 8)):
                    response = self.client.get(reverse("screening-overview"), {"day": "03/11/2021"})
                self.assertEqual({s.organization.code for s in response.context["sheets"]}, codes)
        self.assert_refused(reverse("screening-overview"), [None, self.outsider])

    def test_the_enterprise_page_shows_the_day_and_the_days_before(self):
        self.login(self.district_a)
        url = reverse("screening-enterprise", kwargs={"org_id": self.enterprise_org.public_id})
        with clock(at(4, 8)):
            response = self.client.get(url, {"day": "2021-11-03"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(counts(response.context["sheets"][0]), (3, 2, 1, 1, 2))
        earlier, by_shift = response.context["history"][0]
        self.assertEqual(earlier, DAY.replace(day=2))
        self.assertEqual([s.tested for s in by_shift], [0, 0, 1])  # Giang, the night of the 2nd
        self.assertFalse(response.context["can_screen"])  # the district oversees, the factory screens

    def test_other_enterprises_schools_other_districts_and_outsiders_are_refused(self):
        urls = [
            reverse("screening-enterprise", kwargs={"org_id": self.enterprise_org.public_id}),
            reverse("screening-setup", kwargs={"org_id": self.enterprise_org.public_id}),
            reverse("screening-upload", kwargs={"org_id": self.enterprise_org.public_id}),
            self.day_url("screening-shift-day"),
            self.day_url("screening-do-not-admit"),
        ]
        refused = [
            None,
            self.outsider,
            self.school,
            self.factory_b_user,
            self.district_b,
            self.lab,
            self.commune,
        ]
        for url in urls:
            with self.subTest(url):
                self.assert_refused(url, refused)
                self.assert_allowed(url, [self.enterprise, self.district_a, self.province_admin])

    def test_guessed_ids_are_not_found(self):
        self.login(self.enterprise)
        for url in (
            reverse("screening-enterprise", kwargs={"org_id": uuid.uuid4()}),
            reverse("screening-enterprise", kwargs={"org_id": self.factory_b.public_id}),
            # a school is no enterprise, even for its own members
            reverse("screening-enterprise", kwargs={"org_id": self.school_org.public_id}),
            self.day_url("screening-shift-day", shift=self.factory_b_shift),
            reverse("screening-shift-day", kwargs={"public_id": uuid.uuid4(), "day": "2021-11-03"}),
            reverse("screening-do-not-admit", kwargs={"public_id": uuid.uuid4(), "day": "2021-11-03"}),
            reverse("screening-shift-day", kwargs={"public_id": self.shift_a.public_id, "day": "2021-02-30"}),
        ):
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.school)
        url = reverse("screening-enterprise", kwargs={"org_id": self.school_org.public_id})
        self.assertEqual(self.client.get(url).status_code, 404)


class ShiftAccessTests(ShiftTestCase):
    def test_each_user_sees_the_shifts_and_screenings_of_their_scope(self):
        result = self.result(self.hong, at(3, 5, 30))
        ShiftScreening.objects.create(
            organization=self.enterprise_org, shift=self.shift_a, day=DAY, person=self.hong, result=result
        )
        mine = {"bl-thuysan-1"}
        expected = {
            self.province_admin: {"bl-thuysan-1", "bl-thuysan-2"},
            self.province_analyst: {"bl-thuysan-1", "bl-thuysan-2"},
            self.district_a: mine,
            self.district_b: {"bl-thuysan-2"},
            self.enterprise: mine,
            self.enterprise_viewer: mine,
            self.factory_b_user: {"bl-thuysan-2"},
            self.commune: set(),
            self.school: set(),
            self.lab: set(),
            self.other_province_user: set(),
            self.outsider: set(),
        }
        for user, codes in expected.items():
            with self.subTest(user.username):
                seen = access.visible(Shift, user).values_list("organization__code", flat=True)
                self.assertEqual(set(seen), codes)
                screenings = access.visible(ShiftScreening, user).exists()
                self.assertEqual(screenings, "bl-thuysan-1" in codes)
        # writing: the factory's data-entry staff only (a viewer or the district reads)
        writers = [u for u in expected if access.visible(ShiftScreening, u, write=True).exists()]
        self.assertEqual(writers, [self.enterprise])
        shift_writers = {
            u.username
            for u in expected
            if access.visible(Shift.objects.filter(pk=self.shift_a.pk), u, write=True).exists()
        }
        self.assertEqual(shift_writers, {"province_admin", "enterprise"})
