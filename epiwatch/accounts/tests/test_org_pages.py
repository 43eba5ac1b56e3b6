"""The organization list and an organization's page."""

from django.urls import reverse

from epiwatch.accounts.models import Organization, OrgKind, Role
from epiwatch.accounts.tests.helpers import EnglishTestCase
from epiwatch.testing import make_user


class OrgListTestCase(EnglishTestCase):
    url = reverse("org-list")

    def codes(self, response):
        return [o.code for o in response.context["orgs"]]

    def test_it_lists_the_organizations_the_user_sees(self):
        self.login(self.province_admin)
        response = self.client.get(self.url)
        self.assertEqual(
            self.codes(response),
            [
                "bl-cdc",
                "bl-lab",
                "bl-soyte",
                "bl-thpt-1",
                "bl-thuysan-1",
                "bl-ttyt-954",
                "bl-ttyt-956",
                "bl-tyt-31813",
            ],
        )
        self.assertContains(response, reverse("org-detail", args=[self.commune_org.public_id]))
        self.assertContains(response, "Grant a new organization access")
        self.login(self.district_b)
        response = self.client.get(self.url)
        self.assertEqual(self.codes(response), ["bl-ttyt-956"])
        self.assertNotContains(response, "Grant a new organization access")

    def test_it_filters_by_kind_and_area(self):
        self.login(self.province_admin)
        self.assertEqual(self.codes(self.client.get(self.url, {"kind": OrgKind.SCHOOL})), ["bl-thpt-1"])
        self.assertEqual(
            self.codes(self.client.get(self.url, {"area": "31813"})), ["bl-thpt-1", "bl-tyt-31813"]
        )
        self.assertEqual(
            self.codes(self.client.get(self.url, {"area": "954", "kind": OrgKind.ENTERPRISE})),
            ["bl-thuysan-1"],
        )

    def test_it_ignores_an_area_the_user_does_not_see(self):
        self.login(self.district_b)
        response = self.client.get(self.url, {"area": "954"})
        self.assertEqual(self.codes(response), ["bl-ttyt-956"])
        self.assertNotContains(response, "Thành phố Bạc Liêu")

    def test_it_pages_through_many_organizations(self):
        Organization.objects.bulk_create(
            Organization(code=f"bl-dn-{i:03d}", name=f"DN {i}", kind=OrgKind.ENTERPRISE, area=self.commune_a2)
            for i in range(60)
        )
        self.login(self.province_admin)
        first = self.client.get(self.url, {"kind": OrgKind.ENTERPRISE})
        self.assertEqual(len(first.context["orgs"]), 50)
        self.assertContains(first, "page=2")
        second = self.client.get(self.url, {"kind": OrgKind.ENTERPRISE, "page": 2})
        self.assertEqual(len(second.context["orgs"]), 11)
        self.assertFalse(second.context["has_next"])
        self.assertEqual(self.client.get(self.url, {"page": "x"}).status_code, 200)

    def test_it_refuses_anonymous_and_users_without_membership(self):
        self.assert_refused(self.url, [None, self.outsider])


class OrgDetailTestCase(EnglishTestCase):
    def url(self, org):
        return reverse("org-detail", args=[org.public_id])

    def test_it_shows_members_and_roles(self):
        self.login(self.district_a)
        response = self.client.get(self.url(self.commune_org))
        self.assertContains(response, "commune")
        self.assertContains(response, "Data entry")
        self.assertEqual([m.user.username for m in response.context["memberships"]], ["commune"])
        self.assertFalse(response.context["can_manage"])
        self.assertNotContains(response, "Change role")

    def test_it_shows_management_to_those_who_may_manage(self):
        school_admin = make_user("school_admin", self.school_org, Role.ADMIN)
        for user in [self.province_admin, school_admin]:
            self.login(user)
            response = self.client.get(self.url(self.school_org))
            self.assertTrue(response.context["can_manage"], user.username)
            self.assertContains(response, "Deactivate")
            self.assertContains(response, "Create a new user")

    def test_it_links_roster_organizations_to_their_roster(self):
        self.login(self.province_admin)
        roster = reverse("roster", args=[self.school_org.public_id])
        self.assertContains(self.client.get(self.url(self.school_org)), roster)
        self.assertContains(
            self.client.get(self.url(self.enterprise_org)), str(self.enterprise_org.public_id)
        )
        self.assertNotContains(self.client.get(self.url(self.commune_org)), "Roster")

    def test_it_refuses_users_who_do_not_see_the_organization(self):
        self.assert_refused(
            self.url(self.commune_org),
            [None, self.district_b, self.enterprise, self.lab, self.other_province_user, self.outsider],
        )
        self.assert_refused(self.url(self.school_org), [self.enterprise, self.district_b])
        # a malformed or unknown id is not found
        self.login(self.province_admin)
        self.assertEqual(self.client.get("/orgs/not-a-uuid/").status_code, 404)
        self.assertEqual(self.client.get("/orgs/00000000-0000-0000-0000-000000000000/").status_code, 404)
