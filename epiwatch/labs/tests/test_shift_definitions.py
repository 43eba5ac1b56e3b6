"""Shift definitions: the form page, the `shifts` import kind, and the definitions they must refuse (overlapping
shifts, a shift ending when it starts, longer than 12 hours, one the roster could not tell from another)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from epiwatch.labs import shifts
from epiwatch.labs.shift_importers import parse_time
from epiwatch.labs.shift_models import Shift, overlap
from epiwatch.labs.tests.shift_base import ShiftTestCase
from epiwatch.people.models import RosterEntry

EN = ["code", "name", "starts_at", "ends_at"]
VI = ["Mã ca", "Tên ca", "Giờ bắt đầu", "Giờ kết thúc"]


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


class ShiftRulesTests(ShiftTestCase):
    def hours(self, organization=None) -> list[tuple[str, str]]:
        return [(s.code, s.hours) for s in Shift.objects.active().of(organization or self.enterprise_org)]

    def test_it_tells_overlapping_shifts_on_a_24_hour_clock(self):
        self.assertTrue(overlap(t(22), t(6), t(5), t(13)))  # the night shift runs into the morning
        self.assertTrue(overlap(t(22), t(6), t(23), t(1)))
        self.assertFalse(overlap(t(22), t(6), t(6), t(14)))  # touching ends do not overlap
        self.assertFalse(overlap(t(6), t(14), t(14), t(22)))
        self.assertTrue(overlap(t(8), t(17), t(6), t(14)))

    def test_overlapping_shifts_are_refused_with_the_shift_they_overlap(self):
        with self.assertRaises(shifts.ShiftInvalid) as refused:
            shifts.define_shift(
                self.enterprise_org, code="D", name="Hành chính", starts_at=t(8), ends_at=t(17)
            )
        self.assertEqual(
            refused.exception.problems,
            [
                ("starts_at", "08:00–17:00 overlaps shift A · Ca sáng (06:00–14:00)"),
                ("starts_at", "08:00–17:00 overlaps shift B · Ca chiều (14:00–22:00)"),
            ],
        )
        with self.assertRaises(shifts.ShiftInvalid) as refused:
            shifts.define_shift(self.enterprise_org, code="D", starts_at=t(4), ends_at=t(7))
        self.assertIn("overlaps shift C · Ca đêm (22:00–06:00)", str(refused.exception))
        self.assertEqual(self.hours(), [("A", "06:00–14:00"), ("B", "14:00–22:00"), ("C", "22:00–06:00")])

    def test_a_shift_that_ends_when_it_starts_or_lasts_too_long_is_refused(self):
        org = self.factory_b
        with self.assertRaises(shifts.ShiftInvalid) as refused:
            shifts.define_shift(org, code="B", starts_at=t(16), ends_at=t(16))
        self.assertEqual(
            refused.exception.problems, [("ends_at", "a shift cannot end when it starts (16:00)")]
        )
        with self.assertRaises(shifts.ShiftInvalid) as refused:
            shifts.define_shift(org, code="B", starts_at=t(15), ends_at=t(5))
        self.assertEqual(
            refused.exception.problems,
            [("ends_at", "15:00 to 05:00 lasts 14 hours; a shift lasts at most 12 hours")],
        )
        self.assertEqual(self.hours(org), [("A", "07:00–15:00")])

    def test_a_shift_the_roster_could_not_tell_apart_is_refused(self):
        # "Ca A" on a roster would name both
        with self.assertRaises(shifts.ShiftInvalid) as refused:
            shifts.define_shift(self.factory_b, code="X", name="Ca A", starts_at=t(19), ends_at=t(23))
        self.assertIn("the roster could not tell this shift from shift A · Ca ngày", str(refused.exception))

    def test_changing_a_shift_is_checked_against_the_others_only(self):
        shift, changed = shifts.define_shift(
            self.enterprise_org, code="a", name="Ca sáng", starts_at=t(6, 30), ends_at=t(13, 30)
        )
        self.assertEqual((shift, changed), (self.shift_a, True))
        self.assertEqual(self.hours()[0], ("a", "06:30–13:30"))
        _shift, changed = shifts.define_shift(
            self.enterprise_org, code="a", name="Ca sáng", starts_at=t(6, 30), ends_at=t(13, 30)
        )
        self.assertFalse(changed)

    def test_it_reads_times_as_people_type_them(self):
        for text, expected in (
            ("06:00", t(6)),
            ("6h", t(6)),
            ("6h30", t(6, 30)),
            ("22:00:00", t(22)),
            ("0.25", t(6)),
            ("1899-12-30 14:00:00", t(14)),
        ):
            with self.subTest(text):
                self.assertEqual(parse_time(text), expected)
        for text in ("25:00", "6", "sáng", "12:60"):
            with self.subTest(text), self.assertRaises(ValueError):
                parse_time(text)


class ShiftImportTests(ShiftTestCase):
    def test_it_imports_shifts_from_a_vietnamese_file(self):
        # A exists (07:00-15:00) and moves half an hour earlier; B is new
        path = self.file("ca.csv", VI, [["A", "Ca ngày", "6h30", "14:30"], ["B", "Ca tối", "19:00", "03:00"]])
        ran = self.import_("shifts", path, "bl-thuysan-2")
        self.assertEqual((ran.code, ran.lines[-1]), (0, "accepted 2, rejected 0, duplicates 0"), ran.err)
        shifts_b = {s.code: s for s in Shift.objects.of(self.factory_b)}
        self.assertEqual((shifts_b["A"], shifts_b["A"].hours), (self.factory_b_shift, "06:30–14:30"))
        self.assertEqual(shifts_b["B"].hours, "19:00–03:00")
        self.assertTrue(shifts_b["B"].crosses_midnight)
        # again: nothing changes
        self.assertEqual(
            self.import_("shifts", path, "bl-thuysan-2").lines[-1], "accepted 0, rejected 0, duplicates 2"
        )

    def test_bad_rows_are_refused_with_row_column_and_reason_and_the_rest_kept(self):
        path = self.file(
            "ca.csv",
            EN,
            [
                ["B", "Ca chiều", "15:00", "23:00"],  # row 2: fine
                ["C", "", "22:00", "22:00"],  # row 3: ends when it starts
                ["D", "", "20:00", "02:00"],  # row 4: overlaps B of row 2
                ["E", "", "sáng", "10:00"],  # row 5: not a time
                ["B", "Ca chiều", "15:00", "23:00"],  # row 6: the same as row 2
                ["B", "Ca chiều", "16:00", "23:00"],  # row 7: B again, other hours
            ],
        )
        ran = self.import_("shifts", path, "bl-thuysan-2")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 4, duplicates 1")
        errors = self.errors_of(path)
        self.assertEqual(errors[0], [*EN, "error"])
        # the file lists a row when it is refused: the time at once, the overlap when stored
        self.assertEqual(
            sorted(row[-1] for row in errors[1:]),
            [
                "row 3, column ends_at: a shift cannot end when it starts (22:00)",
                "row 4, column starts_at: 20:00–02:00 overlaps shift B · Ca chiều (15:00–23:00)",
                "row 5, column starts_at: 'sáng' is not a time of day (expected e.g. 06:00 or 22:30)",
                "row 7: shift B is defined in row 2 already, with other values",
            ],
        )
        self.assertEqual(
            [(s.code, s.hours) for s in Shift.objects.of(self.factory_b)],
            [("A", "07:00–15:00"), ("B", "15:00–23:00")],
        )

    def test_shifts_belong_to_an_enterprise(self):
        path = self.file("ca.csv", EN, [["A", "", "06:00", "14:00"]])
        ran = self.import_("shifts", path, "bl-thpt-1")
        self.assertEqual(ran.code, 2)
        self.assertIn("Shifts belong to an enterprise", ran.err)
        self.assertFalse(Shift.objects.filter(organization=self.school_org).exists())


class SetupPageTests(ShiftTestCase):
    def url(self, organization=None) -> str:
        return reverse("screening-setup", kwargs={"org_id": (organization or self.enterprise_org).public_id})

    def test_the_enterprise_adds_a_shift_with_the_form(self):
        self.login(self.factory_b_user)
        response = self.client.post(
            self.url(self.factory_b), {"code": "B", "name": "Ca đêm", "starts_at": "22:00", "ends_at": "6h"}
        )
        self.assertRedirects(response, self.url(self.factory_b))
        shift = Shift.objects.get(organization=self.factory_b, code="B")
        self.assertEqual((shift.name, shift.hours), ("Ca đêm", "22:00–06:00"))

    def test_the_form_shows_why_a_shift_is_refused(self):
        self.login(self.enterprise)
        response = self.client.post(self.url(), {"code": "D", "starts_at": "13:00", "ends_at": "15:00"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "13:00–15:00 overlaps shift A · Ca sáng (06:00–14:00)",
            response.context["form"].errors["starts_at"],
        )
        response = self.client.post(self.url(), {"code": "D", "starts_at": "23:00", "ends_at": "23:00"})
        self.assertEqual(
            response.context["form"].errors["ends_at"], ["a shift cannot end when it starts (23:00)"]
        )
        self.assertEqual(Shift.objects.of(self.enterprise_org).count(), 3)

    def test_editing_and_retiring_a_shift(self):
        self.login(self.enterprise)
        edit = reverse("screening-shift-edit", kwargs={"public_id": self.shift_b.public_id})
        response = self.client.post(
            edit, {"code": "B", "name": "Ca chiều", "starts_at": "14:00", "ends_at": "21:00"}
        )
        self.assertRedirects(response, self.url())
        self.shift_b.refresh_from_db()
        self.assertEqual(self.shift_b.hours, "14:00–21:00")
        retire = reverse("screening-shift-retire", kwargs={"public_id": self.shift_b.public_id})
        self.assertRedirects(self.client.post(retire), self.url())
        self.assertEqual([s.code for s in Shift.objects.active().of(self.enterprise_org)], ["A", "C"])
        # Cường's shift "b" is now a shift nobody checks: the page says so
        self.assertContains(self.client.get(self.url()), "1 worker has shift “b” on the roster")

    def test_only_the_enterprise_and_the_province_admin_change_shifts(self):
        data = {"code": "D", "starts_at": "23:00", "ends_at": "01:00"}
        self.assert_refused(
            self.url(), [self.district_a, self.enterprise_viewer, self.province_analyst], "post", data, (403,)
        )
        self.assert_refused(
            self.url(), [None, self.outsider, self.school, self.district_b, self.factory_b_user], "post", data
        )
        edit = reverse("screening-shift-edit", kwargs={"public_id": self.shift_b.public_id})
        self.assert_refused(edit, [self.district_a, self.enterprise_viewer], statuses=(403,))
        self.assert_refused(
            edit, [None, self.outsider, self.factory_b_user, self.district_b], statuses=(302, 404)
        )
        retire = reverse("screening-shift-retire", kwargs={"public_id": self.shift_b.public_id})
        self.assert_refused(
            retire, [self.district_a, self.enterprise_viewer, self.factory_b_user, self.outsider], "post"
        )
        self.assertEqual(Shift.objects.active().of(self.enterprise_org).count(), 3)
        self.login(self.province_admin)
        response = self.client.post(
            self.url(), {"code": "N", "name": "", "starts_at": "22:00", "ends_at": "06:00"}
        )
        self.assertEqual(response.status_code, 400)  # allowed, but overlapping C
        self.assertIn("overlaps shift C", str(response.context["form"].errors))

    def test_the_enterprise_uploads_its_roster_and_shifts_here(self):
        self.login(self.factory_b_user)
        shifts_file = self.file(
            "ca.csv", EN, [["B", "Ca tối", "19:00", "03:00"], ["C", "", "02:00", "04:00"]]
        )
        with shifts_file.open("rb") as f:
            response = self.client.post(
                reverse("screening-import", kwargs={"org_id": self.factory_b.public_id, "kind": "shifts"}),
                {"file": f},
            )
        self.assertEqual(response.status_code, 200)
        outcome = response.context["outcome"]
        self.assertEqual((outcome["result"].accepted, outcome["result"].rejected), (1, 1))
        self.assertContains(response, "02:00–04:00 overlaps shift B · Ca tối (19:00–03:00)")
        errors = self.client.get(reverse("screening-errors", kwargs={"token": outcome["error_token"]}))
        self.assertIn("overlaps shift B", b"".join(errors.streaming_content).decode("utf-8-sig"))

        roster = self.file(
            "cong-nhan.csv",
            ["Họ và tên", "Ngày sinh", "Giới tính", "Ca làm việc", "Mã nhân viên"],
            [["Trương Văn Mạnh", "12/12/1990", "Nam", "Ca tối", "NV9"]],
        )
        with roster.open("rb") as f:
            response = self.client.post(
                reverse("screening-import", kwargs={"org_id": self.factory_b.public_id, "kind": "roster"}),
                {"file": f},
            )
        self.assertEqual(response.context["outcome"]["result"].accepted, 1)
        entry = RosterEntry.objects.get(organization=self.factory_b, employee_code="NV9")
        self.assertEqual(entry.shift, "Ca tối")
        # on the roster from the day it was uploaded
        self.assertEqual(
            shifts.workers_of(Shift.objects.get(organization=self.factory_b, code="B"), entry.joined_on),
            [entry],
        )
        # another factory may not upload this one's roster
        self.login(self.enterprise)
        with roster.open("rb") as f:
            response = self.client.post(
                reverse("screening-import", kwargs={"org_id": self.factory_b.public_id, "kind": "roster"}),
                {"file": f},
            )
        self.assertEqual(response.status_code, 404)

    def test_templates_download_in_both_languages(self):
        self.login(self.enterprise)
        response = self.client.get(
            reverse("screening-template", kwargs={"kind": "shifts", "lang": "vi", "fmt": "csv"})
        )
        self.assertEqual(response.content.decode("utf-8-sig").splitlines()[0], ",".join(VI))
        self.assertIn("22:00", response.content.decode("utf-8-sig"))
        response = self.client.get(
            reverse("screening-template", kwargs={"kind": "shifts", "lang": "en", "fmt": "xlsx"})
        )
        self.assertEqual(response.status_code, 200)
        self.assert_refused(
            reverse("screening-template", kwargs={"kind": "shifts", "lang": "vi", "fmt": "csv"}),
            [None, self.outsider],
        )
