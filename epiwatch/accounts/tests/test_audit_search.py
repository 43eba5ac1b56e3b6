"""The audit search page: province administrators find who changed what; everybody else is refused."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.accounts.tests.helpers import EnglishTestCase
from epiwatch.people.models import Person


class AuditSearchTestCase(EnglishTestCase):
    url = reverse("audit-search")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with audit.acting(user=cls.commune, organization=cls.commune_org, via="web"):
            cls.duc = Person.objects.create(full_name="Nguyễn Văn Đức", residence=cls.commune_a1)
            cls.duc.phone = "0912345678"
            cls.duc.save()
        with audit.acting(user=cls.district_b, organization=cls.district_b_org, via="api"):
            cls.lan = Person.objects.create(full_name="Trần Thị Lan", residence=cls.commune_b1)
        with audit.acting(user=cls.other_province_user, organization=cls.other_province_org, via="web"):
            cls.qn = Person.objects.create(full_name="Quảng Ninh Person", residence=cls.other_commune)

    def search(self, **params):
        self.login(self.province_admin)
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return response

    def names(self, response):
        return [e.object_repr for e in response.context["events"]]

    def test_it_lists_the_events_of_the_province_newest_first_with_changes(self):
        response = self.search()
        self.assertEqual(self.names(response), ["Trần Thị Lan", "Nguyễn Văn Đức", "Nguyễn Văn Đức"])
        self.assertContains(
            response,
            '<strong>phone</strong>: <span class="old"></span> → <span class="new">0912345678</span>',
            html=True,
        )
        self.assertContains(
            response,
            '<strong>full_name</strong>: <span class="old">∅</span> → <span class="new">Trần Thị Lan</span>',
            html=True,
        )
        self.assertNotContains(response, "Quảng Ninh Person")

    def test_it_filters_by_user_organization_model_action_and_record(self):
        self.assertEqual(self.names(self.search(username="DISTRICT_B")), ["Trần Thị Lan"])
        self.assertEqual(self.names(self.search(organization="bl-tyt-31813")), ["Nguyễn Văn Đức"] * 2)
        self.assertEqual(self.names(self.search(action=AuditAction.UPDATE)), ["Nguyễn Văn Đức"])
        self.assertEqual(len(self.names(self.search(model="people.person"))), 3)
        self.assertEqual(self.names(self.search(model="accounts.organization")), [])
        by_id = self.search(object_id=str(self.duc.public_id).upper())
        self.assertEqual(self.names(by_id), ["Nguyễn Văn Đức"] * 2)

    def test_it_filters_by_local_dates(self):
        today = timezone.localdate()
        self.assertEqual(
            len(self.names(self.search(date_from=today.isoformat(), date_to=today.isoformat()))), 3
        )
        self.assertEqual(self.names(self.search(date_to=(today - dt.timedelta(days=1)).isoformat())), [])
        self.assertEqual(self.names(self.search(date_from=(today + dt.timedelta(days=1)).isoformat())), [])

    def test_it_explains_a_bad_filter_and_shows_nothing(self):
        response = self.search(object_id="12345")
        self.assertContains(response, "12345 is not a record id")
        self.assertEqual(self.names(response), [])
        response = self.search(date_from="2021-11-05", date_to="2021-11-01")
        self.assertContains(response, "The end date is before the start date.")
        response = self.search(action="steal")
        self.assertContains(response, "Select a valid choice.")

    def test_it_pages_through_many_events(self):
        with audit.acting(user=self.commune, organization=self.commune_org, via="web"):
            audit.record_many(AuditAction.EXPORT, [self.duc] * 60)
        first = self.search(action=AuditAction.EXPORT)
        self.assertEqual(len(first.context["events"]), 50)
        self.assertContains(first, "action=export&amp;page=2")
        second = self.search(action=AuditAction.EXPORT, page=2)
        self.assertEqual(len(second.context["events"]), 10)
        self.assertFalse(second.context["has_next"])

    def test_it_shows_events_without_organization_only_by_members_of_the_province(self):
        with audit.acting(user=self.district_a, via="command"):
            audit.record(AuditAction.UPDATE, self.duc, {"address": ["", "Ấp 1"]})
        with audit.acting(via="command"):
            audit.record(AuditAction.UPDATE, self.duc, {"address": ["Ấp 1", "Ấp 2"]})
        with audit.acting(user=self.other_province_user, via="command"):
            audit.record(AuditAction.UPDATE, self.qn, {"address": ["", "x"]})
        events = self.search().context["events"]
        self.assertEqual(
            [(e.username, e.changes) for e in events if e.via == "command"],
            [("district_a", {"address": ["", "Ấp 1"]})],
        )

    def test_it_shows_another_province_admin_only_their_province(self):
        self.login(self.other_province_user)
        response = self.client.get(self.url)
        self.assertEqual(self.names(response), ["Quảng Ninh Person"])

    def test_it_refuses_everybody_but_province_admins(self):
        self.assert_refused(
            self.url,
            [
                None,
                self.province_analyst,
                self.district_a,
                self.district_b,
                self.commune,
                self.school,
                self.enterprise,
                self.lab,
                self.outsider,
            ],
        )

    def test_it_reads_events_in_a_fixed_number_of_queries(self):
        with audit.acting(user=self.commune, organization=self.commune_org, via="web"):
            audit.record_many(AuditAction.EXPORT, [self.duc] * 30)
        self.login(self.province_admin)
        self.client.get(self.url)
        with self.assertNumQueries(4):
            # session, user, memberships, events
            self.client.get(self.url)
        self.assertEqual(AuditEvent.objects.count(), 34)
