"""The home page: every user sees their scope; the navigation offers what they may use."""

from django.urls import reverse

from epiwatch.accounts.tests.helpers import EnglishTestCase


class HomeTestCase(EnglishTestCase):
    url = reverse("home")

    def test_it_shows_each_user_their_organization_and_what_they_see(self):
        expected = {
            self.province_admin: ("Sở Y tế Bạc Liêu", "Everything in Tỉnh Bạc Liêu"),
            self.district_a: ("bl-ttyt-954", "Everything in Thành phố Bạc Liêu"),
            self.commune: ("bl-tyt-31813", "Everything in Phường 7"),
            self.school: ("THPT Bạc Liêu", "The people on your roster and what you submitted"),
            self.lab: ("Phòng xét nghiệm CDC", "What your organization submitted"),
        }
        for user, texts in expected.items():
            self.login(user)
            response = self.client.get(self.url)
            for text in texts:
                self.assertContains(response, text, msg_prefix=user.username)

    def test_it_tells_a_user_without_membership_to_ask_for_access(self):
        self.login(self.outsider)
        self.assertContains(self.client.get(self.url), "You are not a member of any organization yet")

    def test_it_offers_organizations_and_audit_to_province_admins_only(self):
        self.login(self.province_admin)
        response = self.client.get(self.url)
        self.assertContains(response, reverse("audit-search"))
        self.assertContains(response, reverse("org-onboard"))
        self.login(self.province_analyst)
        response = self.client.get(self.url)
        self.assertNotContains(response, reverse("audit-search"))
        self.assertNotContains(response, reverse("org-onboard"))
        self.assertContains(response, reverse("password-change"))

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        self.assert_refused(self.url, [None])
        self.assertContains(self.client.get(reverse("login")), "Sign in")
