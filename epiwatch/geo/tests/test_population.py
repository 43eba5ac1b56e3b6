"""Population lookups: own figures, sums of sub-areas, and the one-query path the level assessment uses."""

import time

from django.test import TestCase

from epiwatch.geo.loading import (
    latest_population_year,
    population_by_area,
    population_total,
    total_population,
)
from epiwatch.geo.models import Area, AreaKind, Population
from epiwatch.testing import make_area


def figures(area, year, young, child, adult, old, source="test") -> Population:
    return Population.objects.create(
        area=area,
        year=year,
        total=young + child + adult + old,
        age_0_4=young,
        age_5_17=child,
        age_18_64=adult,
        age_65_plus=old,
        source=source,
    )


class PopulationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.province = make_area("95", "Tỉnh Bạc Liêu", AreaKind.PROVINCE)
        cls.city = make_area("954", "Thành phố Bạc Liêu", AreaKind.DISTRICT, cls.province)
        cls.hong_dan = make_area("956", "Huyện Hồng Dân", AreaKind.DISTRICT, cls.province)
        cls.empty_district = make_area("957", "Huyện Phước Long", AreaKind.DISTRICT, cls.province)
        cls.ward_2 = make_area("31813", "Phường 2", AreaKind.COMMUNE, cls.city)
        cls.ward_3 = make_area("31816", "Phường 3", AreaKind.COMMUNE, cls.city)
        cls.ngan_dua = make_area("31843", "Thị trấn Ngan Dừa", AreaKind.COMMUNE, cls.hong_dan)
        cls.khom_1 = cls.ward_2.add_village("Khóm 1", code="01", village_kind="khom")
        cls.khom_2 = cls.ward_2.add_village("Khóm 2", code="02", village_kind="khom")
        figures(cls.ward_2, 2021, 700, 2000, 6400, 900)  # 10,000
        figures(cls.ward_3, 2021, 350, 1000, 3200, 450)  # 5,000
        figures(cls.khom_1, 2021, 1, 1, 1, 1)  # below a commune with figures: hidden by them
        figures(cls.hong_dan, 2021, 7000, 20000, 64000, 9000)  # 100,000 of its own
        figures(cls.ngan_dua, 2021, 70, 200, 640, 90)  # inside a district with figures: not added again

    def test_it_gives_an_area_its_own_figures(self):
        pop = population_total(self.ward_2, 2021)
        self.assertEqual((pop.total, pop.age_0_4, pop.age_65_plus, pop.source), (10_000, 700, 900, "test"))
        self.assertFalse(pop.summed)
        self.assertEqual(pop.adults, 7_300)

    def test_it_sums_the_sub_areas_of_an_area_without_figures_and_says_so(self):
        pop = population_total(self.city, 2021)
        self.assertTrue(pop.summed)
        self.assertIsNone(pop.pk)
        self.assertEqual(
            (pop.total, pop.age_0_4, pop.age_5_17, pop.age_18_64, pop.age_65_plus),
            (15_000, 1050, 3000, 9600, 1350),
        )

    def test_it_sums_the_top_most_figures_only(self):
        # province = city (summed from its wards, not the village below ward 2) + Hồng Dân's own (not Ngan Dừa again)
        self.assertEqual(total_population(self.province, 2021), 115_000)
        self.assertEqual(total_population(self.hong_dan, 2021), 100_000)

    def test_it_has_nothing_for_an_area_without_figures_below(self):
        self.assertIsNone(population_total(self.empty_district, 2021))
        self.assertIsNone(population_total(self.khom_2, 2021))
        self.assertIsNone(population_total(self.city, 2020))
        self.assertEqual(total_population(self.empty_district, 2021), 0)

    def test_it_reads_many_areas_in_one_query(self):
        areas = list(Area.objects.all())
        with self.assertNumQueries(1):
            pops = population_by_area(areas, 2021)
        self.assertEqual(
            {a.code: pops[a.pk].total for a in areas if a.pk in pops},
            {
                "95": 115_000,
                "954": 15_000,
                "956": 100_000,
                "31813": 10_000,
                "31816": 5_000,
                "31843": 1_000,
                "31813-01": 4,
            },
        )

    def test_it_keeps_datasets_apart(self):
        other = make_area("95", "Tỉnh Bạc Liêu (2025)", AreaKind.PROVINCE, dataset="vn-2025")
        figures(other, 2021, 1, 1, 1, 1)
        pops = population_by_area([self.province, other], 2021)
        self.assertEqual((pops[self.province.pk].total, pops[other.pk].total), (115_000, 4))

    def test_it_finds_the_latest_year_with_figures_in_a_subtree(self):
        figures(self.ward_3, 2022, 1, 1, 1, 1)
        self.assertEqual(latest_population_year(self.city), 2022)
        self.assertEqual(latest_population_year(self.province), 2022)
        self.assertEqual(latest_population_year(self.hong_dan), 2021)
        self.assertIsNone(latest_population_year(self.empty_district))


class PopulationScaleTests(TestCase):
    def test_it_sums_thousands_of_communes_in_one_query_and_linear_time(self):
        # one province of 30 districts of 100 communes (more than any real one), figures on communes only
        province = make_area("01", "Province", AreaKind.PROVINCE)
        districts = Area.objects.bulk_create(
            Area(code=f"{d:03d}", name=f"D{d}", kind="district", parent=province, path=f"01/{d:03d}")
            for d in range(30)
        )
        communes = Area.objects.bulk_create(
            Area(
                code=f"{d.code}{c:02d}",
                name=f"C{c}",
                kind="commune",
                parent=d,
                path=f"{d.path}/{d.code}{c:02d}",
            )
            for d in districts
            for c in range(100)
        )
        Population.objects.bulk_create(
            Population(area=c, year=2021, total=100, age_0_4=7, age_5_17=20, age_18_64=64, age_65_plus=9)
            for c in communes
        )
        every_unit = [province, *districts, *communes]
        started = time.monotonic()
        with self.assertNumQueries(1):
            pops = population_by_area(every_unit, 2021)
        # comparing every row with every other row under the province took over a second here; the walk up the
        # paths takes a few hundredths
        self.assertLess(time.monotonic() - started, 0.5)
        self.assertEqual(len(pops), len(every_unit))
        self.assertEqual((pops[province.pk].total, pops[province.pk].age_65_plus), (300_000, 27_000))
        self.assertTrue(all(pops[d.pk].total == 10_000 and pops[d.pk].summed for d in districts))
