"""Daily check-ins: who is due, values out of range, alerts and the tier proposed, missed check-ins; pages."""

import datetime as dt
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from epiwatch.cases.models import CareSetting
from epiwatch.tasks.models import Task, TaskKind
from epiwatch.tracing import followup
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.models import FollowUp, Quarantine, QuarantineReason
from epiwatch.tracing.tests.base import TODAY, TracingTestCase, frozen_today


class FollowUpTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        self.case_an.care_setting = CareSetting.HOME
        self.case_an.save()
        self.home_q = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine

    def test_it_lists_home_care_cases_and_home_quarantines_as_due(self):
        from epiwatch.cases.models import Case

        rows = followup.due(TODAY, Case.objects.all(), Quarantine.objects.all())
        self.assertEqual({(r.person, r.kind) for r in rows}, {(self.an, "case"), (self.binh, "quarantine")})

    def test_it_refuses_spo2_outside_50_to_100_and_stores_nothing(self):
        for value in (49, 101):
            with self.assertRaises(ValidationError) as raised:
                followup.record(self.an, case=self.case_an, day=TODAY, spo2=value, breathing_rate=18)
            self.assertEqual(
                raised.exception.message_dict,
                {"spo2": [f"SpO₂ must be between 50 and 100 %; {value} was entered."]},
            )
        self.assertFalse(FollowUp.objects.exists())

    def test_a_normal_check_in_raises_no_alert(self):
        check = followup.record(
            self.an, case=self.case_an, day=TODAY, spo2=97, breathing_rate=18, symptoms=["cough"]
        )
        self.assertFalse(check.alert)
        self.assertFalse(Task.objects.filter(kind=TaskKind.OTHER).exists())

    def test_low_spo2_proposes_moving_the_case_up_a_tier(self):
        check = followup.record(self.an, case=self.case_an, day=TODAY, spo2=94, breathing_rate=22)
        self.assertTrue(check.alert)
        self.assertEqual(check.alert_reasons, ["SpO₂ 94 % < 96 %", "breathing 22/min > 20/min"])
        self.assertEqual(check.proposed_tier, 2)
        task = Task.objects.get(kind=TaskKind.OTHER)
        self.assertEqual(task.organization, self.commune_org)
        self.assertEqual(
            task.title,
            "Nguyễn Văn An: SpO₂ 94 % < 96 %; breathing 22/min > 20/min: consider moving the case to tier 2",
        )

    def test_an_alert_in_quarantine_asks_to_test_now(self):
        check = followup.record(self.binh, quarantine=self.home_q, day=TODAY, spo2=95)
        self.assertIsNone(check.proposed_tier)
        self.assertEqual(
            Task.objects.get(kind=TaskKind.OTHER).title,
            "Trần Thị Bình (in quarantine): SpO₂ 95 % < 96 %: test and assess now",
        )

    def test_missed_check_ins_raise_one_task_each(self):
        followup.record(self.an, case=self.case_an, day=TODAY, spo2=98)
        out = StringIO()
        call_command("missed_checkins", "--date", "2021-11-10", stdout=out)
        self.assertEqual(out.getvalue().strip(), "raised 1 tasks")
        task = Task.objects.get(kind=TaskKind.MISSED_CHECKIN)
        self.assertEqual((task.person, task.due_date), (self.binh, dt.date(2021, 11, 11)))
        call_command("missed_checkins", "--date", "2021-11-10", stdout=StringIO())
        self.assertEqual(Task.objects.filter(kind=TaskKind.MISSED_CHECKIN).count(), 1)

    def test_the_due_page_shows_the_communes_people_and_alerts(self):
        followup.record(self.an, case=self.case_an, day=TODAY, spo2=93)
        self.login(self.commune)
        with frozen_today():
            response = self.client.get(reverse("tracing-followup-due"))
        self.assertContains(response, "1 of 2 checked in")
        self.assertContains(response, "move the case to tier 2")

    def test_the_missed_page_lists_and_raises_tasks(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.get(reverse("tracing-followup-missed") + "?day=2021-11-10")
            self.assertContains(response, "Trần Thị Bình")
            self.client.post(reverse("tracing-followup-missed") + "?day=2021-11-10")
        self.assertEqual(Task.objects.filter(kind=TaskKind.MISSED_CHECKIN).count(), 2)

    def test_the_lists_are_refused_to_who_has_no_area(self):
        for name in ("tracing-followup-due", "tracing-followup-missed"):
            self.assert_refused(
                reverse(name),
                [None, self.school, self.enterprise, self.lab, self.outsider, self.facility_user],
            )
        self.assert_refused(
            reverse("tracing-followup-missed"), [self.commune_viewer], method="post", statuses=(403,)
        )

    def test_staff_record_a_check_in_and_see_the_alert(self):
        url = reverse("tracing-checkin-create", args=["case", self.case_an.public_id])
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(url, {"day": "2021-11-10", "spo2": "120", "breathing_rate": "18"})
            self.assertContains(response, "SpO₂ must be between 50 and 100 %; 120 was entered.")
            response = self.client.post(
                url, {"day": "2021-11-10", "spo2": "93", "breathing_rate": "18"}, follow=True
            )
        self.assertContains(response, "Alert: SpO₂ 93 % &lt; 96 %.")
        self.assertEqual(FollowUp.objects.get().recorded_by, self.commune)

    def test_the_check_in_form_is_refused_outside_the_area_and_to_readers(self):
        url = reverse("tracing-checkin-create", args=["quarantine", self.home_q.public_id])
        self.assert_refused(
            url, [None, self.district_b, self.school, self.lab, self.other_province_user, self.outsider]
        )
        self.assert_refused(url, [self.commune_viewer, self.province_analyst], statuses=(403,))
        self.assert_refused(
            reverse("tracing-checkin-create", args=["nonsense", self.home_q.public_id]), [self.commune]
        )
