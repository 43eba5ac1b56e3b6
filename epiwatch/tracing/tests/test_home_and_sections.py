"""The tracing start page, the person page's tracing section, the commands' one-line summaries, the schema."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from epiwatch.tracing import contacts
from epiwatch.tracing.models import Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase


class HomeAndSectionsTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        contacts.add_contacts(
            self.case_an, [self.binh, self.lan], dt.date(2021, 11, 6), Setting.COMMUNITY, today=TODAY
        )

    def test_the_start_page_counts_the_area(self):
        self.login(self.commune)
        response = self.client.get(reverse("tracing-home"))
        self.assertEqual((response.context["open_contacts"], response.context["in_quarantine"]), (1, 1))
        self.login(self.province_analyst)
        response = self.client.get(reverse("tracing-home"))
        self.assertEqual((response.context["open_contacts"], response.context["in_quarantine"]), (2, 2))

    def test_the_start_page_is_refused_to_who_has_no_area(self):
        self.assert_refused(
            reverse("tracing-home"),
            [None, self.school, self.enterprise, self.lab, self.outsider, self.facility_user],
        )

    def test_an_area_outside_the_users_scope_is_not_shown(self):
        self.login(self.commune)
        response = self.client.get(reverse("tracing-contact-list") + "?area=31840")
        self.assertEqual(response.context["area"], self.commune_a1)
        self.assertNotContains(response, "Phạm Thị Lan")

    def test_the_person_page_shows_the_tracing_section_without_other_peoples_names(self):
        self.login(self.district_b)
        response = self.client.get(reverse("person-detail", args=[self.lan.public_id]))
        self.assertContains(response, "Contact tracing")
        self.assertContains(response, "someone outside your area")
        self.assertNotContains(response, "Nguyễn Văn An")
        self.login(self.commune)
        response = self.client.get(reverse("person-detail", args=[self.binh.public_id]))
        self.assertContains(response, "Nguyễn Văn An")

    def test_rebuild_chains_prints_one_line(self):
        out = StringIO()
        call_command("rebuild_chains", stdout=out)
        self.assertEqual(out.getvalue().strip(), "1 chains, 3 people")

    def test_the_api_schema_describes_arrivals(self):
        self.login(self.commune)
        schema = self.client.get(reverse("openapi"), {"format": "json"}).json()
        self.assertIn("/api/v1/arrivals", schema["paths"])
