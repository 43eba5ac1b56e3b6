"""`epiwatch export areas`: the area tree with the latest population."""

import openpyxl

from epiwatch.accounts import access
from epiwatch.geo.exporters import AreaExporter
from epiwatch.geo.models import Area, AreaKind, Population
from epiwatch.lib.tests.helpers import IOTestCase, parse_csv, read_csv


def population(area, year, total):
    a = total // 4
    return Population.objects.create(
        area=area, year=year, total=total, age_0_4=a, age_5_17=a, age_18_64=total - 3 * a, age_65_plus=a
    )


class AreaExportTests(IOTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        population(cls.commune_a1, 2020, 900)
        population(cls.commune_a1, 2021, 1000)
        population(cls.commune_a2, 2021, 2000)
        population(cls.commune_b1, 2021, 400)
        Area.objects.create(
            dataset="vn-2025", code="95", name="Tỉnh Cà Mau (2025)", kind=AreaKind.PROVINCE, path="95"
        )

    def test_it_exports_the_tree_with_the_latest_population(self):
        ran = self.export("areas")
        self.assertEqual(ran.code, 0)
        self.assertEqual(
            parse_csv(ran.out),
            [
                ["code", "name", "kind", "parent_code", "population"],
                ["22", "Tỉnh Quảng Ninh", "province", "", ""],
                ["195", "Huyện Hải Hà", "district", "22", ""],
                ["06757", "Thị trấn Quảng Hà", "commune", "195", ""],
                ["95", "Tỉnh Bạc Liêu", "province", "", "3400"],
                ["954", "Thành phố Bạc Liêu", "district", "95", "3000"],
                ["31813", "Phường 7", "commune", "954", "1000"],
                ["31816", "Phường 8", "commune", "954", "2000"],
                ["956", "Huyện Hồng Dân", "district", "95", "400"],
                ["31840", "Thị trấn Ngan Dừa", "commune", "956", "400"],
            ],
        )
        self.assertFalse(ran.out.startswith("\ufeff"))  # no BOM on stdout

    def test_area_restricts_to_the_subtree(self):
        ran = self.export("areas", "--area", "954")
        self.assertEqual([r[0] for r in parse_csv(ran.out)], ["code", "954", "31813", "31816"])

    def test_dataset_chooses_the_tree(self):
        ran = self.export("areas", "--dataset", "vn-2025")
        self.assertEqual(parse_csv(ran.out)[1:], [["95", "Tỉnh Cà Mau (2025)", "province", "", ""]])
        self.assertEqual(self.export("areas", "--dataset", "vn-2025", "--area", "954").code, 2)

    def test_it_writes_a_file_with_a_bom_or_a_workbook(self):
        csv_path, xlsx_path = self.dir / "areas.csv", self.dir / "areas.xlsx"
        ran = self.export("areas", "--area", "956", "--out", str(csv_path))
        self.assertEqual(ran.out, f"exported 2 rows to {csv_path}\n")
        self.assertEqual(
            read_csv(csv_path)[1:],
            [
                ["956", "Huyện Hồng Dân", "district", "95", "400"],
                ["31840", "Thị trấn Ngan Dừa", "commune", "956", "400"],
            ],
        )
        self.export("areas", "--area", "956", "--format", "xlsx", "--out", str(xlsx_path))
        rows = list(openpyxl.load_workbook(xlsx_path).active.iter_rows(values_only=True))
        self.assertEqual(rows[0], ("code", "name", "kind", "parent_code", "population"))
        self.assertEqual(rows[2], ("31840", "Thị trấn Ngan Dừa", "commune", "956", 400))

    def test_formula_like_names_are_escaped(self):
        Area.objects.filter(code="31840").update(name='=HYPERLINK("http://x")')
        ran = self.export("areas", "--area", "956")
        self.assertEqual(parse_csv(ran.out)[2][1], '\'=HYPERLINK("http://x")')

    def test_a_user_exports_only_the_areas_they_see(self):
        rows = list(AreaExporter().rows(access.scope_for(self.district_b)))
        self.assertEqual([r[0] for r in rows], ["956", "31840"])
        self.assertEqual(list(AreaExporter().rows(access.scope_for(self.outsider))), [])
