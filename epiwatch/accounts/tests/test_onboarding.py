"""One-minute onboarding: one page creates an organization and its first user, and hands over a way in."""

import datetime as dt
import re

from django.contrib.auth.models import User
from django.test import modify_settings, override_settings
from django.urls import reverse
from django.utils import timezone

from epiwatch.accounts.models import (
    AuditEvent,
    Membership,
    OneTimeLink,
    Organization,
    OrgKind,
    Role,
    UserProfile,
)
from epiwatch.accounts.tests.helpers import EnglishTestCase

MUST_CHANGE = {"append": "epiwatch.accounts.password_policy.MustChangePasswordMiddleware"}


@override_settings(SITE_URL="https://epiwatch.example.vn")
class OnboardingTestCase(EnglishTestCase):
    url = reverse("org-onboard")

    def post(self, **overrides):
        data = {
            "code": "bl-thcs-p8",
            "name": "Trường THCS Phường 8",
            "kind": OrgKind.SCHOOL,
            "area": "31816 · Phường 8",
            "username": "thcs_p8",
            "full_name": "Lê  Thị   Hoa",
            "phone": "+84 912 345 678",
            "email": "",
            "role": Role.ADMIN,
            **overrides,
        }
        self.login(self.province_admin)
        return self.client.post(self.url, data)

    def test_it_offers_the_districts_and_communes_of_the_admins_province(self):
        self.login(self.province_admin)
        response = self.client.get(self.url)
        self.assertContains(response, '<option value="31813 · Phường 7">', html=False)
        self.assertContains(response, "954 · Thành phố Bạc Liêu")
        self.assertNotContains(response, "06757")
        self.assertNotContains(response, '<option value="95 · ')

    def test_it_creates_the_organization_and_its_first_user_with_a_one_time_link(self):
        response = self.post()
        self.assertEqual(response.status_code, 200)
        org = Organization.objects.get(code="bl-thcs-p8")
        self.assertEqual(
            (org.name, org.kind, org.area), ("Trường THCS Phường 8", OrgKind.SCHOOL, self.commune_a2)
        )
        user = User.objects.get(username="thcs_p8")
        self.assertEqual(user.first_name, "Lê Thị Hoa")
        self.assertEqual(UserProfile.objects.get(user=user).phone, "0912345678")
        self.assertEqual(Membership.objects.get(user=user).organization, org)
        self.assertEqual(Membership.objects.get(user=user).role, Role.ADMIN)
        # no password until the link is used
        self.assertFalse(user.has_usable_password())
        link = OneTimeLink.objects.get(user=user)
        self.assertAlmostEqual(
            link.expires_at, timezone.now() + dt.timedelta(hours=72), delta=dt.timedelta(minutes=1)
        )
        match = re.search(r"https://epiwatch\.example\.vn/set-password/([\w-]+)/", response.content.decode())
        self.assertIsNotNone(match, "the page shows the set-password link")
        # the link in the page is the one stored (by its hash), and it works
        self.assertEqual(OneTimeLink.peek(match.group(1)), link)
        self.assertEqual(response["Cache-Control"].count("no-store"), 1)

    def test_it_lets_the_new_user_in_through_the_link(self):
        raw = re.search(r"/set-password/([\w-]+)/", self.post().content.decode()).group(1)
        self.client.logout()
        response = self.client.post(
            reverse("set-password", args=[raw]),
            {"new_password1": "mua-xuan-2021-bl", "new_password2": "mua-xuan-2021-bl"},
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        home = self.client.get(reverse("home"))
        self.assertContains(home, "Trường THCS Phường 8")

    def test_it_hands_over_an_initial_password_shown_once_and_kept_only_hashed(self):
        response = self.post(hand_over_password="on")
        password = re.search(r'id="initial-password">([^<]+)<', response.content.decode()).group(1)
        user = User.objects.get(username="thcs_p8")
        self.assertTrue(user.check_password(password))
        self.assertNotIn(password, user.password)
        self.assertTrue(UserProfile.objects.get(user=user).must_change_password)
        self.assertFalse(OneTimeLink.objects.filter(user=user).exists())
        self.assertNotContains(response, "/set-password/")
        # a second look at the organization does not show it again
        org = Organization.objects.get(code="bl-thcs-p8")
        self.assertNotContains(self.client.get(reverse("org-detail", args=[org.public_id])), password)

    @modify_settings(MIDDLEWARE=MUST_CHANGE)
    def test_it_makes_the_user_change_a_handed_over_password_first(self):
        response = self.post(hand_over_password="on")
        password = re.search(r'id="initial-password">([^<]+)<', response.content.decode()).group(1)
        self.client.logout()
        response = self.client.post(reverse("login"), {"username": "thcs_p8", "password": password})
        self.assertRedirects(response, reverse("password-change"), fetch_redirect_response=False)
        # every other page sends them back there
        self.assertRedirects(
            self.client.get(reverse("home")), reverse("password-change"), fetch_redirect_response=False
        )
        self.assertContains(
            self.client.get(reverse("password-change")), "choose your own before you continue"
        )
        response = self.client.post(
            reverse("password-change"),
            {
                "old_password": password,
                "new_password1": "mua-xuan-2021-bl",
                "new_password2": "mua-xuan-2021-bl",
            },
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.assertFalse(UserProfile.objects.get(user__username="thcs_p8").must_change_password)

    def test_it_accepts_an_area_typed_by_name_without_accents(self):
        self.post(area="phuong 8")
        self.assertEqual(Organization.objects.get(code="bl-thcs-p8").area, self.commune_a2)

    def test_it_refuses_an_area_outside_the_admins_province_and_creates_nothing(self):
        response = self.post(area="06757 · Thị trấn Quảng Hà")
        self.assertContains(
            response, "06757 · Thị trấn Quảng Hà is not a district or commune of your province"
        )
        self.assert_nothing_created()

    def test_it_refuses_a_commune_station_outside_a_commune(self):
        response = self.post(kind=OrgKind.COMMUNE_STATION, area="954 · Thành phố Bạc Liêu")
        self.assertContains(response, "sits in a Commune")
        self.assert_nothing_created()

    def test_it_creates_nothing_when_the_user_part_is_wrong(self):
        response = self.post(username="commune")
        self.assertContains(response, "The username commune is taken.")
        self.assert_nothing_created()

    def test_it_refuses_a_code_already_used(self):
        response = self.post(code="BL-THPT-1")
        self.assertContains(response, "The code bl-thpt-1 is already used.")
        self.assert_nothing_created()

    def test_it_refuses_a_phone_it_cannot_read_and_asks_for_a_way_to_reach_the_user(self):
        response = self.post(phone="12345")
        self.assertContains(response, "12345 is not a Vietnamese phone number")
        response = self.post(phone="", email="")
        self.assertContains(response, "Give a phone number or an email address")
        response = self.post(phone="", email="hoa@")
        self.assertContains(response, "Enter a valid email address.")
        self.assert_nothing_created()

    def test_it_keeps_what_was_typed_when_refusing(self):
        response = self.post(username="commune")
        self.assertContains(response, 'value="31816 · Phường 8"')
        self.assertContains(response, 'value="Trường THCS Phường 8"')

    def test_it_records_the_grant_in_the_audit_trail(self):
        self.post()
        org = Organization.objects.get(code="bl-thcs-p8")
        events = AuditEvent.objects.filter(object_id=str(org.public_id)).order_by("id")
        self.assertEqual([e.action for e in events], ["create", "update"])
        self.assertEqual(events[1].changes, {"member:thcs_p8": [None, "admin"]})
        self.assertEqual({e.username for e in events}, {"province_admin"})
        self.assertEqual({e.organization for e in events}, {self.health_dept})

    def test_it_lets_another_province_admin_onboard_only_in_their_province(self):
        self.login(self.other_province_user)
        response = self.client.get(self.url)
        self.assertContains(response, "06757 · Thị trấn Quảng Hà")
        self.assertNotContains(response, "31813")
        response = self.client.post(
            self.url,
            {
                "code": "x",
                "name": "x",
                "kind": OrgKind.SCHOOL,
                "area": "31816",
                "username": "x",
                "full_name": "x",
                "phone": "0912345678",
                "role": Role.ADMIN,
            },
        )
        self.assertContains(response, "31816 is not a district or commune of your province")

    def test_it_refuses_everyone_but_province_admins(self):
        users = [
            None,
            self.province_analyst,
            self.district_a,
            self.commune,
            self.school,
            self.enterprise,
            self.lab,
            self.outsider,
        ]
        self.assert_refused(self.url, users)
        self.assert_refused(
            self.url,
            users,
            method="post",
            data={"code": "intruder", "name": "x", "kind": "school", "area": "31816"},
        )
        self.assertFalse(Organization.objects.filter(code="intruder").exists())

    def assert_nothing_created(self):
        self.assertFalse(Organization.objects.filter(code="bl-thcs-p8").exists())
        self.assertFalse(User.objects.filter(username="thcs_p8").exists())
