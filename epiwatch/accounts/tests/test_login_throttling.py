"""Sign-in throttling (django-axes): five failures lock the account from that address for a while."""

from django.urls import reverse

from epiwatch.accounts.tests.helpers import EnglishTestCase

PASSWORD = "password-commune"  # see epiwatch.testing.make_user


class LoginThrottlingTestCase(EnglishTestCase):
    url = reverse("login")

    def attempt(self, password, username="commune", address="127.0.0.1"):
        return self.client.post(self.url, {"username": username, "password": password}, REMOTE_ADDR=address)

    def signed_in(self) -> bool:
        return "_auth_user_id" in self.client.session

    def test_it_signs_in_with_the_right_password(self):
        response = self.attempt(PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertTrue(self.signed_in())

    def test_it_tells_a_wrong_password_without_locking_at_first(self):
        response = self.attempt("wrong")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a correct username and password")
        self.assertFalse(self.signed_in())

    def test_it_locks_the_account_and_address_after_five_failures(self):
        for _ in range(4):
            self.assertEqual(self.attempt("wrong").status_code, 200)
        response = self.attempt("wrong")
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "accounts/locked_out.html")
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)

    def test_it_refuses_the_right_password_during_the_lockout(self):
        for _ in range(5):
            self.attempt("wrong")
        response = self.attempt(PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertFalse(self.signed_in())
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)

    def test_it_locks_only_that_account_from_that_address(self):
        for _ in range(5):
            self.attempt("wrong")
        self.attempt(PASSWORD, address="10.1.2.3")
        self.assertTrue(self.signed_in())
        self.client.logout()
        self.attempt("password-district_a", username="district_a")
        self.assertTrue(self.signed_in())

    def test_it_forgets_failures_after_a_success(self):
        for _ in range(4):
            self.attempt("wrong")
        self.attempt(PASSWORD)
        self.assertTrue(self.signed_in())
        self.client.logout()
        for _ in range(4):
            self.assertEqual(self.attempt("wrong").status_code, 200)
        self.attempt(PASSWORD)
        self.assertTrue(self.signed_in())

    def test_it_does_not_sign_in_a_deactivated_user(self):
        self.commune.is_active = False
        self.commune.save()
        response = self.attempt(PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.signed_in())
