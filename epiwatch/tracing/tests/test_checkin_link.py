"""The personal one-time link: unguessable, stored hashed, expiring, single use, scoped to one person and form,
rate-limited, showing and accepting nothing else."""

import datetime as dt
import hashlib

from django.core.cache import cache
from django.urls import reverse

from epiwatch.cases.models import CareSetting
from epiwatch.tracing import followup
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.models import CheckInLink, FollowUp, QuarantineReason, QuarantineStatus
from epiwatch.tracing.tests.base import TracingTestCase, frozen_today
from epiwatch.tracing.views.followups import LINK_RATE


class CheckInLinkTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.quarantine = quarantines.plan(self.binh, QuarantineReason.F1, dt.date(2021, 11, 6)).quarantine
        self.link, self.key = followup.issue_link(self.binh, quarantine=self.quarantine)
        self.url = reverse("tracing-checkin", args=[self.key])

    def submit(self, url=None, **data):
        return self.client.post(url or self.url, {"spo2": "97", "breathing_rate": "16", **data})

    def test_the_key_is_long_random_and_stored_only_as_its_hash(self):
        self.assertGreaterEqual(len(self.key), 43)  # 32 random bytes = 256 bits, base64
        self.assertEqual(self.link.key_hash, hashlib.sha256(self.key.encode()).hexdigest())
        self.assertFalse(CheckInLink.objects.filter(key_hash=self.key).exists())
        _other, second = followup.issue_link(self.binh, quarantine=self.quarantine)
        self.assertNotEqual(second, self.key)

    def test_the_page_shows_the_form_and_nothing_personal(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        for secret in (
            "Trần Thị Bình",
            "Nguyễn Văn An",
            str(self.binh.public_id),
            "0912000001",
            "Khóm 3",
            "/people/",
            "/tracing/cases/",
        ):
            self.assertNotIn(secret, page)
        self.assertIn('name="spo2"', page)
        self.assertEqual(response["Cache-Control"][:8], "max-age=")  # never_cache: max-age=0, no-store...

    def test_it_records_the_check_in_for_its_person_once(self):
        response = self.submit()
        self.assertContains(response, "your check-in was recorded")
        check = FollowUp.objects.get()
        self.assertEqual(
            (check.person, check.quarantine, check.via, check.spo2), (self.binh, self.quarantine, "link", 97)
        )
        self.link.refresh_from_db()
        self.assertIsNotNone(self.link.used_at)
        self.assertEqual(self.link.follow_up, check)

    def test_a_used_link_is_refused(self):
        self.submit()
        again = self.submit(spo2="90")
        self.assertEqual(again.status_code, 410)
        self.assertContains(again, "This link was already used", status_code=410)
        self.assertEqual(self.client.get(self.url).status_code, 410)
        self.assertEqual(FollowUp.objects.count(), 1)

    def test_an_expired_link_is_refused(self):
        with frozen_today(dt.date.today() + dt.timedelta(days=2)):
            response = self.submit()
        self.assertContains(response, "This link has expired", status_code=410)
        self.assertFalse(FollowUp.objects.exists())

    def test_a_link_of_an_ended_quarantine_is_refused(self):
        self.quarantine.status = QuarantineStatus.RELEASED
        self.quarantine.save()
        self.assertEqual(self.submit().status_code, 410)
        self.assertFalse(FollowUp.objects.exists())

    def test_an_unknown_key_is_refused(self):
        response = self.submit(url=reverse("tracing-checkin", args=[self.key[:-2] + "xx"]))
        self.assertContains(response, "This link is not valid", status_code=404)

    def test_it_accepts_nothing_but_its_own_form(self):
        # naming another person or another subject in the form changes nothing: the link decides who it is about
        self.case_an.care_setting = CareSetting.HOME
        self.case_an.save()
        self.submit(
            person=str(self.an.public_id), case=str(self.case_an.public_id), quarantine="x", day="2021-01-01"
        )
        check = FollowUp.objects.get()
        self.assertEqual((check.person, check.case, check.quarantine), (self.binh, None, self.quarantine))

    def test_another_persons_link_fills_only_that_persons_form(self):
        self.case_an.care_setting = CareSetting.HOME
        self.case_an.save()
        _link, key_an = followup.issue_link(self.an, case=self.case_an)
        self.submit(url=reverse("tracing-checkin", args=[key_an]))
        self.submit()
        self.assertEqual(
            set(FollowUp.objects.values_list("person_id", "case_id", "quarantine_id")),
            {(self.an.pk, self.case_an.pk, None), (self.binh.pk, None, self.quarantine.pk)},
        )

    def test_the_link_does_not_open_the_site(self):
        self.client.get(self.url)
        for name in ("tracing-followup-due", "tracing-contact-list", "home"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 302)

    def test_a_value_out_of_range_is_refused_and_leaves_the_link_usable(self):
        response = self.submit(spo2="30")
        self.assertContains(response, "SpO₂ must be between 50 and 100 %; 30 was entered.")
        self.assertFalse(FollowUp.objects.exists())
        self.assertContains(self.submit(), "your check-in was recorded")

    def test_it_is_rate_limited(self):
        for _ in range(LINK_RATE["per_link"]):
            self.client.get(self.url)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many attempts", status_code=429)

    def test_guessing_keys_is_rate_limited_per_address(self):
        statuses = [
            self.client.get(reverse("tracing-checkin", args=[f"guess{i}"])).status_code
            for i in range(LINK_RATE["per_address"] + 1)
        ]
        self.assertEqual(set(statuses[:-1]), {404})
        self.assertEqual(statuses[-1], 429)

    def test_issuing_a_link_is_for_staff_of_the_area(self):
        url = reverse("tracing-checkin-link", args=["quarantine", self.quarantine.public_id])
        self.assert_refused(
            url,
            [None, self.district_b, self.school, self.lab, self.outsider, self.other_province_user],
            method="post",
        )
        self.assert_refused(url, [self.commune_viewer], method="post", statuses=(403,))
        self.login(self.commune)
        response = self.client.post(url)
        self.assertContains(response, "/tracing/checkin/")
        self.assertEqual(response["Cache-Control"], "no-store")
