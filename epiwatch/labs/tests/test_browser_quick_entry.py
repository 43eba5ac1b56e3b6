"""In a real browser (Chromium through Playwright): a commune user enters a positive result in quick entry with
the keyboard only, and the page's script does the lookup without a page load."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.cases.models import Case
from epiwatch.labs.models import TestResult
from epiwatch.people.models import Person
from epiwatch.testing import make_area, make_user

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")
class QuickEntryInBrowserTests(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are plain
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def setUp(self):
        province = make_area("95", "Tỉnh Bạc Liêu", "province")
        district = make_area("954", "Thành phố Bạc Liêu", "district", province)
        commune = make_area("31813", "Phường 7", "commune", district)
        station = Organization.objects.create(
            code="bl-tyt-31813", name="Trạm Y tế Phường 7", kind=OrgKind.COMMUNE_STATION, area=commune
        )
        self.user = make_user("commune", station)
        self.duc = Person.objects.create(
            national_id="095090001234",
            full_name="Nguyễn Văn Đức",
            date_of_birth=dt.date(1990, 2, 1),
            sex="M",
            residence=commune,
        )
        self.client.force_login(self.user)
        self.context = self.browser.new_context(locale="en-US")
        self.addCleanup(self.context.close)
        cookie = self.client.cookies["sessionid"]
        self.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": self.live_server_url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def focused(self) -> str:
        return self.page.evaluate("document.activeElement && document.activeElement.name")

    def test_a_commune_user_enters_a_positive_with_the_keyboard(self):
        page = self.page
        page.goto(f"{self.live_server_url}/results/entry/")
        self.assertEqual(self.focused(), "q")  # the ID box has the cursor
        page.keyboard.type("095090001234")
        page.keyboard.press("Enter")  # the script finds Đức without a page load
        page.wait_for_selector("#picked:not([hidden])")
        self.assertEqual(page.inner_text("#picked [data-field=full_name]"), "Nguyễn Văn Đức")
        self.assertTrue(page.is_hidden("#register"))
        self.assertEqual(self.focused(), "result")
        page.fill("input[name=sampled_at]", "02/11/2021 07:30")
        page.focus("input[name=result]")
        page.keyboard.type("+")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        messages = page.inner_text("ul.messages")
        self.assertIn(
            "Saved: Nguyễn Văn Đức, Rapid antigen (professional) Positive, sampled 02/11/2021 07:30.",
            messages,
        )
        self.assertIn("Suspected case opened", messages)
        self.assertEqual(self.focused(), "q")  # ready for the next person
        self.assertIn("Nguyễn Văn Đức", page.inner_text("table.recent"))
        result = TestResult.objects.get()
        self.assertEqual(
            (result.person, result.result, result.submitter.code), (self.duc, "positive", "bl-tyt-31813")
        )
        self.assertEqual(Case.objects.get().classification, "suspected")

    def test_someone_unknown_is_registered_on_the_same_page(self):
        page = self.page
        page.goto(f"{self.live_server_url}/results/entry/")
        page.keyboard.type("095301000777")
        page.keyboard.press("Enter")
        # the script found nobody: it says so and moves to the name of the person to register
        page.wait_for_selector("#matches li.muted")
        self.assertTrue(page.is_visible("#register"))
        self.assertEqual(self.focused(), "full_name")
        self.assertEqual(page.input_value("input[name=national_id]"), "095301000777")
        page.keyboard.type("Phạm Thu Hà")
        page.fill("input[name=date_of_birth]", "12/12/2001")
        page.select_option("select[name=sex]", "F")
        page.fill("input[name=sampled_at]", "02/11/2021 08:00")
        page.fill("input[name=result]", "âm tính")
        with page.expect_navigation():
            page.press("input[name=result]", "Enter")
        self.assertIn("Saved: Phạm Thu Hà", page.inner_text("ul.messages"))
        person = Person.objects.get(national_id="095301000777")
        self.assertEqual((person.full_name, person.residence.code), ("Phạm Thu Hà", "31813"))
        self.assertEqual(TestResult.objects.get().person, person)
