"""The one-time set-password link: works once, expires after 72 hours, then signs the user in."""

import datetime as dt

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from epiwatch.accounts.models import OneTimeLink, Role, UserProfile
from epiwatch.accounts.tests.helpers import EnglishTestCase
from epiwatch.testing import make_user

GOOD = {"new_password1": "mua-xuan-2021-bl", "new_password2": "mua-xuan-2021-bl"}


class SetPasswordTestCase(EnglishTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user("newcomer", self.commune_org, Role.DATA_ENTRY)
        self.user.set_unusable_password()
        self.user.save()
        self.link, self.raw = OneTimeLink.issue(self.user)
        self.url = reverse("set-password", args=[self.raw])

    def test_it_shows_the_form_with_the_username(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Choose your password")
        self.assertContains(response, "newcomer")
        self.assertIn("no-store", response["Cache-Control"])

    def test_it_sets_the_password_and_signs_in(self):
        response = self.client.post(self.url, GOOD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.user.pk))
        self.assertTrue(User.objects.get(pk=self.user.pk).check_password(GOOD["new_password1"]))
        self.assertContains(self.client.get(reverse("home")), "Your password is set.")
        self.assertIsNotNone(OneTimeLink.objects.get(pk=self.link.pk).used_at)

    def test_it_works_only_once(self):
        self.client.post(self.url, GOOD)
        self.client.logout()
        response = self.client.get(self.url)
        self.assertContains(response, "This link is no longer valid", status_code=410)
        response = self.client.post(
            self.url, {"new_password1": "autre-mot-2021", "new_password2": "autre-mot-2021"}
        )
        self.assertEqual(response.status_code, 410)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(User.objects.get(pk=self.user.pk).check_password(GOOD["new_password1"]))

    def test_it_refuses_an_expired_link(self):
        OneTimeLink.objects.filter(pk=self.link.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        response = self.client.post(self.url, GOOD)
        self.assertContains(response, "expires after 72 hours", status_code=410)
        self.assertFalse(User.objects.get(pk=self.user.pk).has_usable_password())

    def test_it_refuses_a_link_it_did_not_issue(self):
        response = self.client.get(reverse("set-password", args=["made-up-token"]))
        self.assertContains(response, "This link is no longer valid", status_code=410)

    def test_it_refuses_the_link_of_a_deactivated_user(self):
        User.objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertEqual(self.client.post(self.url, GOOD).status_code, 410)

    def test_it_keeps_the_link_usable_after_a_refused_password(self):
        response = self.client.post(self.url, {"new_password1": "12345", "new_password2": "12345"})
        self.assertContains(response, "This password is too short")
        response = self.client.post(
            self.url, {"new_password1": "mua-xuan-2021-bl", "new_password2": "other-2021-bl"}
        )
        self.assertContains(response, "The two password fields didn")
        self.assertIsNone(OneTimeLink.objects.get(pk=self.link.pk).used_at)
        self.assertEqual(self.client.post(self.url, GOOD).status_code, 302)

    def test_it_clears_a_pending_password_change(self):
        UserProfile.objects.create(user=self.user, must_change_password=True)
        self.client.post(self.url, GOOD)
        self.assertFalse(UserProfile.objects.get(user=self.user).must_change_password)


class PasswordChangeTestCase(EnglishTestCase):
    url = reverse("password-change")

    def test_it_changes_the_password_of_the_signed_in_user(self):
        self.login(self.commune)
        self.assertContains(self.client.get(self.url), "Current password")
        response = self.client.post(self.url, {"old_password": "password-commune", **GOOD}, follow=True)
        self.assertContains(response, "Your password was changed.")
        commune = User.objects.get(pk=self.commune.pk)
        self.assertTrue(commune.check_password(GOOD["new_password1"]))
        # still signed in: the session was updated with the new hash
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_it_refuses_a_wrong_current_password(self):
        self.login(self.commune)
        response = self.client.post(self.url, {"old_password": "nope", **GOOD})
        self.assertContains(response, "Your old password was entered incorrectly")
        self.assertTrue(User.objects.get(pk=self.commune.pk).check_password("password-commune"))

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        self.assert_refused(self.url, [None])
