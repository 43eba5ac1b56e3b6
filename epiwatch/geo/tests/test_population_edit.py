"""Correcting an area's population from its page: province administrators only, bands must add up."""

from django.urls import reverse

from epiwatch.geo.models import Population
from epiwatch.geo.tests.base import EnglishTestCase

GOOD = {
    "year": 2021,
    "total": 10_000,
    "age_0_4": 700,
    "age_5_17": 2000,
    "age_18_64": 6400,
    "age_65_plus": 900,
}


class PopulationEditTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.url = reverse("population-edit", args=["vn-2021", "31813"])

    def figures(self, area=None):
        return list(
            Population.objects.filter(area=area or self.commune_a1)
            .order_by("year")
            .values_list("year", "total", "age_0_4", "age_5_17", "age_18_64", "age_65_plus")
        )

    def test_it_records_the_population_of_a_year(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        response = self.client.post(self.url, {**GOOD, "source": "Cục Thống kê"})
        self.assertRedirects(response, "/areas/vn-2021/31813/", fetch_redirect_response=False)
        self.assertEqual(self.figures(), [(2021, 10_000, 700, 2000, 6400, 900)])
        page = self.client.get("/areas/vn-2021/31813/")
        self.assertContains(page, "Population of Phường 7 for 2021 saved.")
        self.assertEqual(page.context["population"].total, 10_000)

    def test_it_corrects_the_figures_of_a_year_in_place(self):
        Population.objects.create(
            area=self.commune_a1,
            year=2021,
            total=9000,
            age_0_4=600,
            age_5_17=1800,
            age_18_64=5800,
            age_65_plus=800,
        )
        Population.objects.create(
            area=self.commune_a1, year=2020, total=4, age_0_4=1, age_5_17=1, age_18_64=1, age_65_plus=1
        )
        self.login(self.province_admin)
        form = self.client.get(self.url).context["form"]
        self.assertEqual((form.initial["year"], form.initial["total"]), (2021, 9000))
        self.assertEqual(self.client.get(self.url, {"year": 2020}).context["form"].initial["total"], 4)
        self.client.post(self.url, GOOD)
        self.assertEqual(self.figures(), [(2020, 4, 1, 1, 1, 1), (2021, 10_000, 700, 2000, 6400, 900)])

    def test_it_refuses_bands_that_do_not_add_up(self):
        self.login(self.province_admin)
        response = self.client.post(self.url, {**GOOD, "total": 10_500})
        self.assertEqual(response.status_code, 200)
        self.assertFormError(
            response.context["form"], "total", "The age bands add up to 10,000, not to the total 10,500."
        )
        self.assertEqual(self.figures(), [])

    def test_it_refuses_negative_numbers_and_implausible_years(self):
        self.login(self.province_admin)
        negative = self.client.post(self.url, {**GOOD, "age_65_plus": -900, "total": 8200})
        self.assertFormError(
            negative.context["form"], "age_65_plus", "Ensure this value is greater than or equal to 0."
        )
        old = self.client.post(self.url, {**GOOD, "year": 1900})
        self.assertIn("The year must be between 1979 and", old.context["form"].errors["year"][0])
        self.assertEqual(self.figures(), [])

    def test_it_refuses_everyone_but_province_admins(self):
        others = [
            self.province_analyst,
            self.district_a,
            self.district_b,
            self.commune,
            self.school,
            self.enterprise,
            self.lab,
            self.other_province_user,
            self.outsider,
            None,
        ]
        self.assert_refused(self.url, others)
        self.assert_refused(self.url, others, method="post", data=GOOD)
        self.assert_refused(
            self.url, [self.district_a, self.commune], method="post", data=GOOD, statuses=(403,)
        )
        self.assertEqual(self.figures(), [])

    def test_it_links_from_the_area_page_for_admins_only(self):
        self.login(self.province_admin)
        self.assertContains(self.client.get("/areas/vn-2021/31813/"), self.url)
        self.login(self.district_a)
        self.assertNotContains(self.client.get("/areas/vn-2021/31813/"), self.url)
