"""The screening page of one shift and day: tick a worker's rapid antigen result (with or without the page's
script), a positive opening a case, undo, and every tick the page must refuse."""

from __future__ import annotations

import uuid

from django.urls import reverse

from epiwatch.accounts.models import AuditEvent
from epiwatch.cases.models import Case
from epiwatch.labs.models import TestResult
from epiwatch.labs.shift_models import ShiftScreening
from epiwatch.labs.tests.shift_base import DAY, ShiftTestCase, at, clock

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
EARLY = at(3, 5, 45)  # a quarter of an hour before shift A


class ScreeningPageTests(ShiftTestCase):
    def url(self, shift=None, day=DAY) -> str:
        return reverse(
            "screening-shift-day",
            kwargs={"public_id": (shift or self.shift_a).public_id, "day": day.isoformat()},
        )

    def tick(self, person, result="negative", when=EARLY, shift=None, day=DAY, user=None, **extra):
        self.login(user or self.enterprise)
        data = {"worker": str(self.entry_of(person).public_id), "result": result, **extra}
        with clock(when):
            return self.client.post(self.url(shift, day), data, **FETCH)

    def test_it_lists_the_shifts_workers_with_their_screening(self):
        self.result(self.hong, at(3, 5, 30))
        self.login(self.enterprise)
        with clock(at(3, 5, 50)):
            response = self.client.get(self.url())
        self.assertEqual(
            [(w.full_name, w.status) for w in response.context["sheet"].workers],
            [("Lê Thị Hồng", "tested"), ("Phạm Thị An", "not_tested"), ("Võ Thị Bình", "not_tested")],
        )
        self.assertNotContains(response, "Mai Thị Khánh")  # left the roster
        self.assertContains(response, 'data-result="positive"')
        self.assertEqual(response.context["closed"], "")

    def test_a_tick_stores_an_antigen_result_for_the_shift(self):
        response = self.tick(self.an)
        self.assertEqual(response.status_code, 200, response.content)
        answer = response.json()
        self.assertEqual((answer["status"], answer["time"]), ("tested", "05:45"))
        self.assertEqual(answer["counts"]["tested"], 1)
        result = TestResult.objects.get(person=self.an)
        self.assertEqual(
            (result.test_type, result.result, result.reason, result.submitter, result.sampled_at),
            ("antigen", "negative", "shift_screening", self.enterprise_org, at(3, 5, 45)),
        )
        link = ShiftScreening.objects.get()
        self.assertEqual(
            (link.shift, link.day, link.person, link.result, link.source),
            (self.shift_a, DAY, self.an, result, "tick"),
        )
        self.assertTrue(
            AuditEvent.objects.filter(model="labs.shiftscreening", object_id=str(link.public_id)).exists()
        )

    def test_a_positive_tick_opens_a_case_through_the_same_pipeline(self):
        answer = self.tick(self.binh, "positive").json()
        self.assertEqual((answer["status"], answer["counts"]["positive"]), ("positive", 1))
        case = Case.objects.get()
        # before 29 December 2021 an antigen positive is a suspected case awaiting PCR, found at the workplace
        self.assertEqual(
            (case.person, case.classification, case.detection_setting), (self.binh, "suspected", "workplace")
        )
        self.assertTrue(answer["cases"])

    def test_the_page_works_without_its_script(self):
        self.login(self.enterprise)
        entry = self.entry_of(self.hong)
        with clock(at(3, 5, 50)):
            response = self.client.post(self.url(), {"tick": f"{entry.public_id}:positive", "at": "05:35"})
        self.assertRedirects(
            response, f"{self.url()}?focus={entry.public_id}&at=05%3A35", fetch_redirect_response=False
        )
        self.assertEqual(TestResult.objects.get(person=self.hong).sampled_at, at(3, 5, 35))
        self.assertEqual(Case.objects.get().person, self.hong)
        # back on the page, the typed time is kept for the next worker
        with clock(at(3, 5, 50)):
            page = self.client.get(response["Location"])
        self.assertContains(page, 'value="05:35"')

    def test_a_night_shift_tick_after_midnight_belongs_to_the_day_the_shift_started(self):
        answer = self.tick(self.em, when=at(4, 0, 40), shift=self.shift_c).json()
        self.assertEqual(answer["status"], "late")  # tested, but during the shift
        self.assertEqual(ShiftScreening.objects.get().day, DAY)
        # with a time of day, 23:50 is the evening of the 3rd and 01:10 the morning of the 4th
        self.tick(self.dung, when=at(4, 1, 30), shift=self.shift_c, at="21:50")
        self.assertEqual(TestResult.objects.get(person=self.dung).sampled_at, at(3, 21, 50))

    def test_a_double_click_is_stored_once(self):
        self.tick(self.an)
        answer = self.tick(self.an, when=at(3, 5, 45)).json()
        self.assertIn("Already recorded", answer["message"])
        self.assertEqual(TestResult.objects.filter(person=self.an).count(), 1)
        self.assertEqual(ShiftScreening.objects.count(), 1)

    def test_a_tick_made_by_mistake_is_undone_by_amendment(self):
        answer = self.tick(self.binh, "positive").json()
        self.login(self.enterprise)
        with clock(at(3, 5, 50)):
            response = self.client.post(reverse("screening-undo", kwargs={"public_id": answer["undo"]}))
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        result = TestResult.objects.get(person=self.binh)
        self.assertEqual(result.result, "invalid")
        self.assertEqual(Case.objects.get().classification, "discarded")
        with clock(at(3, 5, 55)):
            sheet = self.client.get(self.url()).context["sheet"]
        binh = next(w for w in sheet.workers if w.full_name == "Võ Thị Bình")
        self.assertEqual((binh.status, binh.admit), ("invalid", False))
        # nobody else undoes the factory's ticks
        for user in (self.district_a, self.enterprise_viewer, self.factory_b_user):
            self.login(user)
            response = self.client.post(reverse("screening-undo", kwargs={"public_id": answer["undo"]}))
            self.assertIn(response.status_code, (403, 404), user.username)

    # --- refused ticks: the message, and nothing stored ----------------------------------------------------------

    def assert_refused_tick(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn(message, response.json()["error"])
        self.assertFalse(TestResult.objects.exists())
        self.assertFalse(ShiftScreening.objects.exists())

    def test_a_worker_not_on_the_shifts_roster_is_refused(self):
        # on shift C, not A
        self.assert_refused_tick(
            self.tick(self.dung),
            "This worker is not on the roster of shift A · Ca sáng of Nhà máy thủy sản 1 on 03/11/2021.",
        )
        # left the roster before that day
        self.assert_refused_tick(self.tick(self.khanh), "not on the roster of shift A")
        # another factory's worker, and an id nobody has
        lam = self.entry_of(self.lam, self.factory_b).public_id
        for worker in (lam, uuid.uuid4()):
            self.login(self.enterprise)
            with clock(at(3, 5, 45)):
                response = self.client.post(
                    self.url(), {"worker": str(worker), "result": "negative"}, **FETCH
                )
            self.assert_refused_tick(response, "not on the roster of shift A")

    def test_a_day_that_has_not_come_is_refused(self):
        response = self.tick(self.an, day=DAY.replace(day=5), when=at(3, 5, 45))
        self.assert_refused_tick(response, "05/11/2021 has not come yet")

    def test_a_shift_too_far_ahead_is_refused(self):
        # 08:00: the night shift starts at 22:00, 14 hours later
        response = self.tick(self.dung, shift=self.shift_c, when=at(3, 8))
        self.assert_refused_tick(
            response,
            "Shift C · Ca đêm starts at 22:00 on 03/11/2021: a test taken now, more than 12 hours before",
        )
        self.login(self.enterprise)
        with clock(at(3, 8)):
            page = self.client.get(self.url(self.shift_c))
        self.assertIn("starts at 22:00", page.context["closed"])
        self.assertNotContains(page, 'data-result="negative"')

    def test_a_time_outside_the_shift_or_in_the_future_is_refused(self):
        self.assert_refused_tick(
            self.tick(self.an, at="15:30", when=at(3, 16)), "15:30 is outside the screening of shift A"
        )
        self.assert_refused_tick(self.tick(self.an, at="05:50", when=at(3, 5, 45)), "is in the future")
        self.assert_refused_tick(self.tick(self.an, at="25:00"), "'25:00' is not a time of day")
        # after the shift ended, the time of each test must be given
        self.assert_refused_tick(self.tick(self.an, when=at(3, 15)), "give the time each test was sampled at")
        self.tick(self.an, when=at(3, 15), at="05:10")
        self.assertEqual(TestResult.objects.get().sampled_at, at(3, 5, 10))

    def test_a_result_word_that_is_not_a_tick_is_refused(self):
        self.assert_refused_tick(self.tick(self.an, result="pending"), "pending")

    def test_without_its_script_a_refused_tick_shows_the_page_with_the_message(self):
        self.login(self.enterprise)
        with clock(at(3, 5, 45)):
            response = self.client.post(self.url(), {"tick": f"{uuid.uuid4()}:negative"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This worker is not on the roster of shift A", status_code=400)
        self.assertFalse(TestResult.objects.exists())

    def test_only_the_factorys_data_entry_staff_tick(self):
        entry = self.entry_of(self.an)
        data = {"worker": str(entry.public_id), "result": "negative"}
        with clock(at(3, 5, 45)):
            # they see the page (the district oversees) but may not tick
            self.assert_refused(
                self.url(),
                [self.district_a, self.province_admin, self.enterprise_viewer],
                "post",
                data,
                (403,),
            )
            self.assert_refused(
                self.url(),
                [None, self.outsider, self.school, self.district_b, self.factory_b_user, self.lab],
                "post",
                data,
            )
            self.login(self.district_a)
            page = self.client.get(self.url())
        self.assertFalse(page.context["can_screen"])
        self.assertNotContains(page, 'data-result="negative"')
        self.assertFalse(TestResult.objects.exists())
