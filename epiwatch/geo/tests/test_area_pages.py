"""The area browser: the list of the user's top areas and an area's page, and who is refused them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epiwatch.accounts.models import Membership, Organization, OrgKind, Role
from epiwatch.geo.models import Area, AreaMapping, Population
from epiwatch.geo.tests.base import EnglishTestCase
from epiwatch.testing import make_area, make_user


def detail_url(area: Area) -> str:
    return reverse("area-detail", args=[area.dataset, area.code])


def set_population(area, year, total, bands):
    return Population.objects.create(
        area=area,
        year=year,
        total=total,
        age_0_4=bands[0],
        age_5_17=bands[1],
        age_18_64=bands[2],
        age_65_plus=bands[3],
    )


class AreaListTests(EnglishTestCase):
    url = reverse("area-list")

    def top_area_names(self, user) -> list[str]:
        self.login(user)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return [area.name for area, _pop in response.context["rows"]]

    def test_it_shows_each_user_the_top_of_what_they_see(self):
        self.assertEqual(self.top_area_names(self.province_admin), ["Tỉnh Bạc Liêu"])
        self.assertEqual(self.top_area_names(self.province_analyst), ["Tỉnh Bạc Liêu"])
        self.assertEqual(self.top_area_names(self.district_a), ["Thành phố Bạc Liêu"])
        self.assertEqual(self.top_area_names(self.commune), ["Phường 7"])
        self.assertEqual(self.top_area_names(self.school), ["Phường 7"])
        self.assertEqual(self.top_area_names(self.enterprise), ["Phường 8"])
        self.assertEqual(self.top_area_names(self.other_province_user), ["Tỉnh Quảng Ninh"])
        self.assertEqual(self.top_area_names(self.outsider), [])

    def test_it_shows_one_area_once_for_a_user_of_two_organizations_in_it(self):
        Membership.objects.create(user=self.district_a, organization=self.commune_org, role=Role.VIEWER)
        self.assertEqual(self.top_area_names(self.district_a), ["Thành phố Bạc Liêu"])

    def test_it_shows_the_latest_population_with_sums_marked(self):
        set_population(self.commune_a1, 2020, 9_000, (600, 1800, 5800, 800))
        set_population(self.commune_a1, 2021, 10_000, (700, 2000, 6400, 900))
        set_population(self.commune_b1, 2021, 20_000, (1400, 4000, 12800, 1800))
        self.login(self.province_admin)
        response = self.client.get(self.url)
        self.assertEqual(response.context["year"], 2021)
        [(_area, pop)] = response.context["rows"]
        self.assertEqual((pop.total, pop.summed), (30_000, True))
        self.assertContains(response, "Σ")
        self.assertContains(response, 'href="/areas/vn-2021/95/"')

    def test_it_sends_anonymous_visitors_to_the_login_page(self):
        self.assert_refused(self.url, [None])


class AreaDetailTests(EnglishTestCase):
    def get(self, user, area, status=200):
        self.login(user)
        response = self.client.get(detail_url(area))
        self.assertEqual(response.status_code, status)
        return response

    def test_it_shows_breadcrumbs_and_children_with_population(self):
        set_population(self.commune_a1, 2021, 10_000, (700, 2000, 6400, 900))
        set_population(self.commune_a2, 2021, 5_000, (350, 1000, 3200, 450))
        response = self.get(self.province_admin, self.district_a_area)
        self.assertEqual([a.name for a, _linked in response.context["breadcrumbs"]], ["Tỉnh Bạc Liêu"])
        children = {c.name: pop for c, pop in response.context["children"]}
        self.assertEqual(list(children), ["Phường 7", "Phường 8"])
        self.assertEqual(children["Phường 7"].age_18_64, 6_400)
        self.assertFalse(children["Phường 7"].summed)
        district = response.context["population"]
        self.assertEqual((district.total, district.age_0_4, district.age_65_plus), (15_000, 1_050, 1_350))
        self.assertTrue(district.summed)
        self.assertContains(response, "Σ")
        self.assertContains(response, 'href="/areas/vn-2021/31813/"')
        self.assertContains(response, 'href="/areas/vn-2021/95/"')

    def test_it_groups_thousands_the_way_of_the_language(self):
        set_population(self.commune_a1, 2021, 10_000, (700, 2000, 6400, 900))
        set_population(self.commune_a2, 2021, 5_000, (350, 1000, 3200, 450))
        self.login(self.province_admin)
        english = self.client.get(detail_url(self.district_a_area))
        self.assertContains(english, "15,000")
        self.assertContains(english, "6,400")
        vietnamese = self.client.get(detail_url(self.district_a_area), headers={"accept-language": "vi"})
        self.assertContains(vietnamese, "15.000")
        self.assertContains(vietnamese, "6.400")

    def test_it_reads_a_fixed_number_of_queries_whatever_the_number_of_children(self):
        set_population(self.commune_a1, 2021, 10_000, (700, 2000, 6400, 900))
        self.login(self.province_admin)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(detail_url(self.district_a_area)).status_code, 200)
            return len(captured)

        few = queries()
        for n in range(20):
            commune = make_area(f"399{n:02d}", f"Xã {n}", "commune", self.district_a_area)
            set_population(commune, 2021, 100, (7, 20, 64, 9))
            Organization.objects.create(
                code=f"tyt-{n}", name=f"TYT {n}", kind=OrgKind.COMMUNE_STATION, area=commune
            )
        self.assertEqual(queries(), few)

    def test_it_marks_only_the_sums(self):
        set_population(self.district_a_area, 2021, 16_000, (1000, 3000, 10_000, 2000))
        set_population(self.commune_a1, 2021, 10_000, (700, 2000, 6400, 900))
        response = self.get(self.province_admin, self.district_a_area)
        self.assertEqual(response.context["population"].total, 16_000)
        self.assertFalse(response.context["population"].summed)
        self.assertNotContains(response, "Σ</span>")

    def test_it_says_when_there_are_no_figures(self):
        response = self.get(self.district_a, self.commune_a2)
        self.assertIsNone(response.context["population"])
        self.assertIsNone(response.context["year"])

    def test_it_does_not_link_ancestors_the_user_cannot_open(self):
        response = self.get(self.district_a, self.commune_a1)
        self.assertEqual(
            [(a.name, linked) for a, linked in response.context["breadcrumbs"]],
            [("Tỉnh Bạc Liêu", False), ("Thành phố Bạc Liêu", True)],
        )
        self.assertNotContains(response, 'href="/areas/vn-2021/95/"')

    def test_it_lists_only_the_organizations_the_user_may_see(self):
        province = {o.code for o in self.get(self.province_admin, self.commune_a1).context["organizations"]}
        self.assertEqual(province, {"bl-tyt-31813", "bl-thpt-1"})
        school = self.get(self.school, self.commune_a1)
        self.assertEqual([o.code for o in school.context["organizations"]], ["bl-thpt-1"])
        self.assertContains(school, "THPT Bạc Liêu")
        district = self.get(self.district_a, self.district_a_area)
        self.assertEqual(
            {o.code for o in district.context["organizations"]},
            {"bl-ttyt-954", "bl-tyt-31813", "bl-thpt-1", "bl-thuysan-1"},
        )

    def test_it_leaves_out_inactive_organizations(self):
        Organization.objects.filter(code="bl-thpt-1").update(is_active=False)
        response = self.get(self.province_admin, self.commune_a1)
        self.assertEqual([o.code for o in response.context["organizations"]], ["bl-tyt-31813"])

    def test_it_shows_a_school_only_its_own_commune(self):
        response = self.get(self.school, self.commune_a1)
        self.assertEqual(response.context["children"], [])
        self.assertFalse(response.context["can_write"])

    def test_it_shows_what_a_2021_commune_became_in_2025(self):
        new_province = make_area("96", "Tỉnh Cà Mau", "province", dataset="vn-2025")
        new_ward = make_area("31825", "Phường Bạc Liêu", "commune", new_province, dataset="vn-2025")
        AreaMapping.objects.create(from_area=self.commune_a1, to_area=new_ward)
        response = self.get(self.district_a, self.commune_a1)
        self.assertEqual(response.context["successors"], [new_ward])
        self.assertContains(response, "Phường Bạc Liêu")

    def test_it_opens_areas_of_the_2025_dataset_by_their_own_code(self):
        new_province = make_area("96", "Tỉnh Cà Mau", "province", dataset="vn-2025")
        new_ward = make_area("31825", "Phường Bạc Liêu", "commune", new_province, dataset="vn-2025")
        AreaMapping.objects.create(from_area=self.commune_a1, to_area=new_ward)
        self.assertEqual(detail_url(new_ward), "/areas/vn-2025/31825/")
        admin_of_96 = Organization.objects.create(
            code="cm-soyte", name="Sở Y tế Cà Mau", kind=OrgKind.HEALTH_DEPARTMENT, area=new_province
        )
        response = self.get(make_user("ca_mau", admin_of_96), new_ward)
        self.assertEqual(response.context["predecessors"], [self.commune_a1])

    def test_it_refuses_areas_outside_the_users_scope(self):
        self.assert_refused(
            detail_url(self.commune_a1), [self.district_b, self.enterprise, self.other_province_user]
        )
        self.assert_refused(detail_url(self.district_a_area), [self.school, self.commune, self.district_b])
        self.assert_refused(detail_url(self.province), [self.district_a, self.commune, self.enterprise])
        for area in (self.province, self.district_a_area, self.commune_a1, self.other_province):
            self.assert_refused(detail_url(area), [self.outsider], statuses=(404,))
            self.assert_refused(detail_url(area), [None], statuses=(302,))
        self.login(self.district_b)
        self.assertEqual(self.client.get(detail_url(self.commune_a1)).status_code, 404)
        self.login(self.school)
        self.assertEqual(self.client.get(detail_url(self.district_a_area)).status_code, 404)

    def test_it_answers_404_for_an_unknown_dataset_or_code(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get("/areas/vn-2021/99999/").status_code, 404)
        self.assertEqual(self.client.get("/areas/vn-1999/95/").status_code, 404)

    def test_it_lets_everyone_inside_the_scope_in(self):
        self.assert_allowed(
            detail_url(self.commune_a1),
            [self.province_admin, self.province_analyst, self.district_a, self.commune, self.school],
        )
        self.assert_allowed(detail_url(self.commune_a2), [self.enterprise, self.district_a])
        self.assert_allowed(detail_url(self.other_commune), [self.other_province_user])
