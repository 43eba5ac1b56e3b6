"""Quarantine: planned from the rule set in force and the vaccination, tested on its days, released when over and
negative; corrections; facility occupancy; the pages and who is refused."""

import datetime as dt

from django.urls import reverse

from epiwatch.labs import models as labs
from epiwatch.tasks.models import Task, TaskKind, TaskStatus
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.models import (
    FacilityCapacity,
    Place,
    QuarantineReason,
    QuarantineStatus,
    QuarantineTestStatus,
)
from epiwatch.tracing.tests.base import TracingTestCase, at, frozen_today
from epiwatch.vaccination.models import VaccinationStatus


class PlanTestCase(TracingTestCase):
    def vaccinate(self, person, full_on):
        VaccinationStatus.objects.create(
            person=person, doses=2, first_on=full_on - dt.timedelta(days=28), full_on=full_on
        )

    def test_it_plans_14_days_for_an_f1_before_16_december_2021(self):
        self.vaccinate(self.binh, dt.date(2021, 10, 1))
        plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 12, 10)).quarantine
        self.assertEqual((plan.quarantine_until, plan.rule), (dt.date(2021, 12, 23), "BYT-MT-6386:f1.all"))

    def test_it_plans_7_days_at_home_for_a_vaccinated_f1_from_16_december_2021(self):
        self.vaccinate(self.binh, dt.date(2021, 10, 1))
        plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 12, 20)).quarantine
        self.assertEqual((plan.place, plan.quarantine_until), (Place.HOME, dt.date(2021, 12, 26)))
        self.assertEqual(plan.rule, "BYT-MT-10696:f1.vaccinated_or_recovered")
        self.assertEqual(
            [t.due_date for t in plan.tests.all()], [dt.date(2021, 12, 20), dt.date(2021, 12, 26)]
        )
        self.assertTrue(plan.vaccination_known)

    def test_it_says_when_the_vaccination_is_unknown(self):
        plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 12, 20)).quarantine
        self.assertEqual(plan.rule, "BYT-MT-10696:f1.others")
        self.assertFalse(plan.vaccination_known)
        self.assertEqual(plan.plan_reasons[-1]["en"], "no vaccination recorded: planned as not vaccinated")

    def test_it_counts_a_vaccination_completed_after_the_start_as_not_yet(self):
        self.vaccinate(self.binh, dt.date(2021, 12, 22))
        plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 12, 20)).quarantine
        self.assertEqual(plan.rule, "BYT-MT-10696:f1.others")

    def test_it_refuses_a_place_the_rule_does_not_allow(self):
        self.vaccinate(self.binh, dt.date(2021, 10, 1))
        with self.assertRaisesMessage(
            quarantines.QuarantineError,
            "The rule in force (BYT-MT-10696:f1.vaccinated_or_recovered) allows only: At home.",
        ):
            quarantines.plan(
                self.binh,
                QuarantineReason.F1,
                dt.date(2021, 12, 20),
                place=Place.CENTRALIZED,
                facility=self.facility,
            )

    def test_it_refuses_an_organization_that_is_not_a_facility(self):
        with self.assertRaisesMessage(
            quarantines.QuarantineError, "Nhà máy thủy sản 1 is not a quarantine facility."
        ):
            quarantines.plan(
                self.binh,
                QuarantineReason.F1,
                dt.date(2021, 11, 6),
                place=Place.CENTRALIZED,
                facility=self.enterprise_org,
            )

    def test_it_keeps_one_active_quarantine_per_person(self):
        first = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6))
        again = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 8))
        self.assertFalse(again.created)
        self.assertEqual(again.quarantine, first.quarantine)
        self.assertEqual(again.notes, ["Trần Thị Bình is already in quarantine since 06/11/2021."])

    def test_it_refuses_an_end_before_the_start(self):
        plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine
        with self.assertRaisesMessage(
            quarantines.QuarantineError, "The end (05/11/2021) is before the start (06/11/2021)."
        ):
            quarantines.change(
                plan,
                start_date=dt.date(2021, 11, 6),
                quarantine_until=dt.date(2021, 11, 5),
                place=Place.HOME,
                facility=None,
            )
        plan.refresh_from_db()
        self.assertEqual(plan.quarantine_until, dt.date(2021, 11, 19))

    def test_it_tells_who_was_in_quarantine_on_a_day(self):
        quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6))
        self.assertTrue(quarantines.in_quarantine(self.binh, dt.date(2021, 11, 10)))
        self.assertFalse(quarantines.in_quarantine(self.binh, dt.date(2021, 11, 20)))
        self.assertEqual(
            quarantines.in_quarantine_among([self.binh.pk, self.lan.pk], dt.date(2021, 11, 10)),
            {self.binh.pk},
        )


class ReleaseTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        self.plan = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine

    def result(self, day, outcome=labs.Outcome.NEGATIVE):
        return labs.TestResult.objects.create(
            person=self.binh,
            test_type=labs.TestType.RT_PCR,
            sampled_at=at(day),
            result=outcome,
            submitter=self.lab_org,
        )

    def test_it_refuses_to_release_before_the_end_and_without_negative_tests(self):
        self.result(dt.date(2021, 11, 6))
        problems = quarantines.release_problems(self.plan, dt.date(2021, 11, 12))
        self.assertEqual(
            problems,
            [
                "The period is not over: it ends on 19/11/2021.",
                "The test of day 7 (12/11/2021) has no negative result.",
                "The test of day 14 (19/11/2021) has no negative result.",
            ],
        )
        with self.assertRaises(quarantines.QuarantineError):
            quarantines.release(self.plan, dt.date(2021, 11, 12))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, QuarantineStatus.ACTIVE)

    def test_it_releases_when_over_and_negative_and_closes_the_test_tasks(self):
        for day in (
            dt.date(2021, 11, 6),
            dt.date(2021, 11, 13),
            dt.date(2021, 11, 19),
        ):  # day 7 sampled a day late
            self.result(day)
        released = quarantines.release(self.plan, dt.date(2021, 11, 19))
        self.assertEqual(
            (released.status, released.released_on), (QuarantineStatus.RELEASED, dt.date(2021, 11, 19))
        )
        self.assertEqual(
            set(self.plan.tests.values_list("status", flat=True)), {QuarantineTestStatus.NEGATIVE}
        )
        self.assertFalse(Task.objects.filter(kind=TaskKind.QUARANTINE_TEST, status=TaskStatus.OPEN).exists())

    def test_it_holds_a_quarantine_with_a_positive_test(self):
        self.result(dt.date(2021, 11, 6))
        self.result(dt.date(2021, 11, 12), labs.Outcome.POSITIVE)
        self.result(dt.date(2021, 11, 19))
        self.assertEqual(
            quarantines.release_problems(self.plan, dt.date(2021, 11, 19)),
            ["The test of day 7 (12/11/2021) is positive."],
        )

    def test_the_daily_command_releases_only_the_finished_ones(self):
        from io import StringIO

        from django.core.management import call_command

        other = quarantines.plan(self.child, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine
        for day in (dt.date(2021, 11, 6), dt.date(2021, 11, 12), dt.date(2021, 11, 19)):
            self.result(day)
        out = StringIO()
        call_command("release_quarantines", "--date", "2021-11-20", stdout=out)
        self.assertEqual(
            out.getvalue().strip(), "released 1, held 1 (tests missing or positive), contacts completed 0"
        )
        self.plan.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(
            (self.plan.status, other.status), (QuarantineStatus.RELEASED, QuarantineStatus.ACTIVE)
        )

    def test_the_release_page_says_why_not(self):
        self.login(self.commune)
        with frozen_today(dt.date(2021, 11, 12)):
            response = self.client.post(
                reverse("tracing-quarantine-release", args=[self.plan.public_id]), follow=True
            )
        self.assertContains(response, "Not released: The period is not over: it ends on 19/11/2021.")


class QuarantinePagesTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        self.home = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine
        self.centralized = quarantines.plan(
            self.lan, QuarantineReason.RETURNEE, dt.date(2021, 11, 7), place=Place.HOME
        ).quarantine
        self.centralized.place, self.centralized.facility = Place.CENTRALIZED, self.facility
        self.centralized.save()

    def test_the_list_shows_a_commune_its_people(self):
        self.login(self.commune)
        response = self.client.get(reverse("tracing-quarantine-list"))
        self.assertContains(response, "Trần Thị Bình")
        self.assertNotContains(response, "Phạm Thị Lan")

    def test_the_facility_sees_its_occupants(self):
        self.login(self.facility_user)
        response = self.client.get(reverse("tracing-quarantine-list"))
        self.assertContains(response, "Phạm Thị Lan")
        self.assertNotContains(response, "Trần Thị Bình")

    def test_the_list_is_refused_to_who_has_no_area_nor_facility(self):
        self.assert_refused(
            reverse("tracing-quarantine-list"), [None, self.school, self.enterprise, self.lab, self.outsider]
        )

    def test_the_detail_is_refused_outside_its_area(self):
        url = reverse("tracing-quarantine-detail", args=[self.home.public_id])
        self.assert_refused(
            url,
            [
                None,
                self.district_b,
                self.school,
                self.enterprise,
                self.lab,
                self.other_province_user,
                self.outsider,
                self.facility_user,
            ],
        )
        self.assert_allowed(url, [self.commune, self.district_a, self.province_admin])

    def test_a_viewer_may_not_change_or_release(self):
        url = reverse("tracing-quarantine-detail", args=[self.home.public_id])
        self.assert_refused(
            url,
            [self.commune_viewer, self.province_analyst],
            method="post",
            data={"start_date": "2021-11-06", "place": "home"},
            statuses=(403,),
        )
        self.assert_refused(
            reverse("tracing-quarantine-release", args=[self.home.public_id]),
            [self.commune_viewer],
            method="post",
            statuses=(403,),
        )

    def test_the_change_form_refuses_an_end_before_the_start(self):
        self.login(self.commune)
        response = self.client.post(
            reverse("tracing-quarantine-detail", args=[self.home.public_id]),
            {"start_date": "2021-11-06", "quarantine_until": "2021-11-01", "place": "home"},
        )
        self.assertContains(response, "The end (01/11/2021) is before the start (06/11/2021).")
        self.home.refresh_from_db()
        self.assertEqual(self.home.quarantine_until, dt.date(2021, 11, 19))

    def test_occupancy_counts_f1_and_returnees_per_facility(self):
        FacilityCapacity.objects.create(facility=self.facility, places=200)
        quarantines.plan(
            self.child,
            QuarantineReason.F1,
            dt.date(2021, 11, 6),
            place=Place.CENTRALIZED,
            facility=self.facility,
        )
        [row] = quarantines.occupancy(self.facility.__class__.objects.all())
        self.assertEqual((row.places, row.total, row.f1, row.returnees, row.free), (200, 2, 1, 1, 198))
        self.login(self.district_a)
        response = self.client.get(reverse("tracing-occupancy"))
        self.assertContains(response, "Khu cách ly Trường Chính trị")
        self.assertContains(response, '<td class="num">1 %</td>', html=False)  # 2 of 200 places

    def test_occupancy_is_refused_to_who_has_no_area_nor_facility(self):
        self.assert_refused(
            reverse("tracing-occupancy"), [None, self.school, self.enterprise, self.lab, self.outsider]
        )

    def test_places_are_set_by_the_area_and_refused_to_others(self):
        url = reverse("tracing-facility-capacity", args=[self.facility.public_id])
        self.assert_refused(
            url,
            [self.district_b, self.province_analyst, self.facility_user, self.outsider],
            method="post",
            data={"places": "50"},
        )
        self.login(self.district_a)
        self.client.post(url, {"places": "150"})
        self.assertEqual(FacilityCapacity.objects.get(facility=self.facility).places, 150)
