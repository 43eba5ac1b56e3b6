"""The access module: what each named user sees and may change, and how refusals look."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from epiwatch.accounts import access
from epiwatch.accounts.models import Membership, Organization, Role, UserProfile
from epiwatch.geo.models import Area
from epiwatch.testing import BaseTestCase, make_user

BL_AREAS = {"95", "954", "956", "31813", "31816", "31840"}
QN_AREAS = {"22", "195", "06757"}
BL_ORGS = {
    "bl-soyte",
    "bl-cdc",
    "bl-ttyt-954",
    "bl-ttyt-956",
    "bl-tyt-31813",
    "bl-thpt-1",
    "bl-thuysan-1",
    "bl-lab",
}


class AccessTestCase(BaseTestCase):
    def areas(self, user, write=False):
        return set(access.visible(Area, user, write=write).values_list("code", flat=True))

    def orgs(self, user, write=False):
        return set(access.visible(Organization, user, write=write).values_list("code", flat=True))

    def test_it_shows_each_user_the_areas_of_their_scope(self):
        expected = {
            self.province_admin: BL_AREAS,
            self.province_analyst: BL_AREAS,
            self.district_a: {"954", "31813", "31816"},
            self.district_b: {"956", "31840"},
            self.commune: {"31813"},
            # roster and lab organizations see the area they sit in, not what lies below it
            self.school: {"31813"},
            self.enterprise: {"31816"},
            self.lab: {"95"},
            self.other_province_user: QN_AREAS,
            self.outsider: set(),
        }
        for user, codes in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.areas(user), codes)

    def test_it_shows_each_user_the_organizations_of_their_scope(self):
        expected = {
            self.province_admin: BL_ORGS,
            self.province_analyst: BL_ORGS,
            self.district_a: {"bl-ttyt-954", "bl-tyt-31813", "bl-thpt-1", "bl-thuysan-1"},
            self.district_b: {"bl-ttyt-956"},
            self.commune: {"bl-tyt-31813", "bl-thpt-1"},
            self.school: {"bl-thpt-1"},
            self.enterprise: {"bl-thuysan-1"},
            self.lab: {"bl-lab"},
            self.other_province_user: {"qn-cdc"},
            self.outsider: set(),
        }
        for user, codes in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.orgs(user), codes)

    def test_it_lets_only_province_admins_change_areas(self):
        for user in [
            self.province_analyst,
            self.district_a,
            self.district_b,
            self.commune,
            self.school,
            self.enterprise,
            self.lab,
            self.outsider,
        ]:
            with self.subTest(user=user.username):
                self.assertEqual(self.areas(user, write=True), set())
        self.assertEqual(self.areas(self.province_admin, write=True), BL_AREAS)
        # the Quảng Ninh CDC admin administers Quảng Ninh, and only it
        self.assertEqual(self.areas(self.other_province_user, write=True), QN_AREAS)

    def test_it_lets_province_admins_and_org_admins_manage_organizations(self):
        self.assertEqual(self.orgs(self.province_admin, write=True), BL_ORGS)
        self.assertEqual(self.orgs(self.other_province_user, write=True), {"qn-cdc"})
        for user in [
            self.province_analyst,
            self.district_a,
            self.district_b,
            self.commune,
            self.school,
            self.enterprise,
            self.lab,
            self.outsider,
        ]:
            with self.subTest(user=user.username):
                self.assertEqual(self.orgs(user, write=True), set())
        school_admin = make_user("school_admin", self.school_org, Role.ADMIN)
        self.assertEqual(self.orgs(school_admin, write=True), {"bl-thpt-1"})

    def test_it_does_not_let_a_province_admins_other_roles_widen_what_they_manage(self):
        # admin of the Bạc Liêu department, and a mere viewer at the Quảng Ninh CDC
        Membership.objects.create(
            user=self.province_admin, organization=self.other_province_org, role=Role.VIEWER
        )
        self.assertIn("qn-cdc", self.orgs(self.province_admin))
        self.assertEqual(self.orgs(self.province_admin, write=True), BL_ORGS)
        self.assertNotIn("22", self.areas(self.province_admin, write=True))

    def test_it_flags_province_users_and_admins(self):
        self.assertTrue(access.scope_for(self.province_admin).province_admin)
        self.assertTrue(access.scope_for(self.province_analyst).province_user)
        self.assertFalse(access.scope_for(self.province_analyst).province_admin)
        self.assertFalse(access.scope_for(self.district_a).province_user)
        # the lab sits at province level but is not an area organization
        self.assertFalse(access.scope_for(self.lab).province_user)
        self.assertTrue(access.scope_for(self.outsider).is_empty)
        self.assertTrue(access.scope_for(None).is_empty)

    def test_it_gives_nothing_through_an_inactive_organization(self):
        Organization.objects.filter(pk=self.commune_org.pk).update(is_active=False)
        self.assertTrue(access.scope_for(self.commune).is_empty)
        self.assertEqual(self.areas(self.commune), set())

    def test_it_returns_a_visible_object(self):
        org = access.get_for_user(Organization, self.district_a, public_id=self.commune_org.public_id)
        self.assertEqual(org, self.commune_org)

    def test_it_answers_404_for_an_invisible_object(self):
        for user in [self.district_b, self.school, self.other_province_user, self.outsider]:
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access.get_for_user(Organization, user, public_id=self.commune_org.public_id)

    def test_it_answers_404_for_a_malformed_or_unknown_id(self):
        for bad in ["not-a-uuid", "1", "", "00000000-0000-0000-0000-000000000000"]:
            with self.subTest(bad=bad), self.assertRaises(Http404):
                access.get_for_user(Organization, self.province_admin, public_id=bad)

    def test_it_answers_403_for_writing_a_visible_read_only_object(self):
        for user in [self.province_analyst, self.district_a, self.commune]:
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                access.get_for_user(Organization, user, write=True, public_id=self.commune_org.public_id)
        org = access.get_for_user(
            Organization, self.province_admin, write=True, public_id=self.commune_org.public_id
        )
        self.assertEqual(org, self.commune_org)

    def test_it_refuses_writing_an_invisible_object_with_404_not_403(self):
        with self.assertRaises(Http404):
            access.get_for_user(
                Organization, self.district_b, write=True, public_id=self.commune_org.public_id
            )

    def test_it_gives_commands_full_rights(self):
        self.assertEqual(access.visible(Organization, access.FULL).count(), Organization.objects.count())
        self.assertEqual(access.visible(Area, access.FULL, write=True).count(), Area.objects.count())

    def test_it_writes_through_the_read_rule_with_writing_memberships_only(self):
        # a model family with a read rule and no write rule of its own: writing uses the read rule on the
        # memberships that have a writing role, not on everything the user sees
        previous = access._rules.get(Membership)
        access.rule(Membership)(lambda scope: Q(organization_id__in=scope.org_ids))
        try:
            mixed = make_user("mixed", self.cdc, Role.VIEWER)
            Membership.objects.create(user=mixed, organization=self.commune_org, role=Role.DATA_ENTRY)
            readable = set(access.visible(Membership, mixed).values_list("organization__code", flat=True))
            writable = set(
                access.visible(Membership, mixed, write=True).values_list("organization__code", flat=True)
            )
            self.assertEqual(readable, {"bl-cdc", "bl-tyt-31813"})
            self.assertEqual(writable, {"bl-tyt-31813"})
            self.assertFalse(access.visible(Membership, self.province_analyst, write=True).exists())
        finally:
            if previous is None:
                access._rules.pop(Membership, None)
            else:
                access._rules[Membership] = previous

    def test_it_refuses_a_model_without_a_rule(self):
        with self.assertRaises(LookupError):
            access.visible(UserProfile, self.province_admin)

    def test_it_reads_the_memberships_once_per_user(self):
        user = self.district_a
        with self.assertNumQueries(1):
            access.scope_for(user)
            access.scope_for(user)
