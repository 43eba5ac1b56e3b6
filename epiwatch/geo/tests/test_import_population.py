"""`epiwatch import population`: population per area and year, with its age bands."""

from epiwatch.accounts import access
from epiwatch.geo.importers import PopulationImporter
from epiwatch.geo.models import Population
from epiwatch.lib import importing
from epiwatch.lib.tests.helpers import IOTestCase

VI = ["Mã đơn vị", "Năm", "Tổng", "0-4 tuổi", "5-17 tuổi", "18-64 tuổi", "65+ tuổi"]
EN = ["area_code", "year", "total", "age_0_4", "age_5_17", "age_18_64", "age_65_plus"]


class PopulationImportTests(IOTestCase):
    def figures(self):
        return sorted(
            Population.objects.values_list(
                "area__code", "year", "total", "age_0_4", "age_5_17", "age_18_64", "age_65_plus"
            )
        )

    def test_it_imports_population_with_vietnamese_headers(self):
        path = self.file(
            "dan-so.csv",
            VI,
            [
                ["31813", "2021", "1.000", "100", "200", "600", "100"],
                ["954", "2021", "5000", "500", "1000", "3000", "500"],
            ],
        )
        ran = self.import_("population", path, "bl-soyte")
        self.assertEqual((ran.code, ran.out), (0, "accepted 2, rejected 0, duplicates 0\n"))
        self.assertEqual(
            self.figures(),
            [("31813", 2021, 1000, 100, 200, 600, 100), ("954", 2021, 5000, 500, 1000, 3000, 500)],
        )
        self.assert_no_errors_file(path)

    def test_it_imports_the_english_template_header_and_a_source(self):
        path = self.file(
            "pop.csv", [*EN, "source"], [["31840", "2020", "10", "1", "2", "3", "4", "Cục Thống kê"]]
        )
        self.assertEqual(
            self.import_("population", path, "bl-soyte").out, "accepted 1, rejected 0, duplicates 0\n"
        )
        self.assertEqual(Population.objects.get().source, "Cục Thống kê")

    def test_it_rejects_bad_rows_and_stores_every_good_one_exactly_once(self):
        rows = [
            ["31813", "2021", "100", "10", "20", "60", "10"],
            ["99999", "2021", "100", "10", "20", "60", "10"],
            ["31816", "2021", "100", "-10", "40", "60", "10"],
            ["31840", "2021", "100", "10", "20", "60", "11"],
            ["956", "1820", "100", "10", "20", "60", "10"],
            ["954", "2021", "nhiều", "10", "20", "60", "10"],
            ["956", "2021", "200", "20", "40", "120", "20"],
        ]
        path = self.file("pop.csv", VI, rows, delimiter=";")
        ran = self.import_("population", path, "bl-soyte")
        self.assertEqual((ran.code, ran.out), (0, "accepted 2, rejected 5, duplicates 0\n"))
        self.assertEqual(
            self.errors_of(path),
            [
                [*VI, "error"],
                [*rows[1], "row 3, column area_code: unknown area code '99999' in dataset vn-2021"],
                [
                    *rows[2][:3],
                    "'-10",
                    *rows[2][4:],
                    "row 4, column age_0_4: '-10' is negative; expected 0 or more",
                ],
                [
                    *rows[3],
                    "row 5, column total: the age bands add up to 101 (10 + 20 + 60 + 11), not to the total 100",
                ],
                [
                    *rows[4],
                    "row 6, column year: 1820 is not a plausible year: expected 1979 to "
                    + str(self._last_year()),
                ],
                [*rows[5], "row 7, column total: 'nhiều' is not a whole number"],
            ],
        )
        self.assertEqual(
            self.figures(), [("31813", 2021, 100, 10, 20, 60, 10), ("956", 2021, 200, 20, 40, 120, 20)]
        )

        again = self.import_("population", path, "bl-soyte")
        self.assertEqual(again.out, "accepted 0, rejected 5, duplicates 2\n")
        self.assertEqual(Population.objects.count(), 2)

    def _last_year(self):
        from django.utils import timezone

        return timezone.localdate().year + 1

    def test_it_replaces_the_figures_of_an_area_and_year_imported_again(self):
        first = self.file("a.csv", EN, [["31813", "2021", "100", "10", "20", "60", "10"]])
        self.import_("population", first, "bl-soyte")
        second = self.file(
            "b.csv",
            EN,
            [["31813", "2021", "110", "10", "20", "70", "10"], ["31813", "2022", "1", "0", "0", "1", "0"]],
        )
        self.assertEqual(
            self.import_("population", second, "bl-soyte").out, "accepted 2, rejected 0, duplicates 0\n"
        )
        self.assertEqual(
            self.figures(), [("31813", 2021, 110, 10, 20, 70, 10), ("31813", 2022, 1, 0, 0, 1, 0)]
        )

    def test_it_counts_a_row_repeated_in_the_file_once_and_refuses_a_contradicting_one(self):
        rows = [
            ["31813", "2021", "100", "10", "20", "60", "10"],
            ["31813", "2021", "100", "10", "20", "60", "10"],
            ["31813", "2021", "90", "10", "20", "50", "10"],
        ]
        path = self.file("pop.csv", EN, rows)
        self.assertEqual(
            self.import_("population", path, "bl-soyte").out, "accepted 1, rejected 1, duplicates 1\n"
        )
        self.assertEqual(
            self.errors_of(path)[1][-1],
            "row 4: area 31813, year 2021 is already given in row 2 with other figures",
        )
        self.assertEqual(Population.objects.count(), 1)

    def test_it_refuses_a_file_without_a_required_column(self):
        path = self.file("pop.csv", VI[:-1], [["31813", "2021", "90", "10", "20", "60"]])
        ran = self.import_("population", path, "bl-soyte")
        self.assertEqual(ran.code, 1)
        self.assertEqual(ran.out, "")
        self.assertIn("Missing required column(s): age_65_plus (65+ tuổi).", ran.err)
        self.assertFalse(Population.objects.exists())

    def test_it_reads_windows_1258_and_utf16_files(self):
        for encoding in ("cp1258", "utf-16"):
            Population.objects.all().delete()
            path = self.file(
                f"pop-{encoding}.csv",
                [*VI, "Nguồn"],
                [["31813", "2021", "100", "10", "20", "60", "10", "Cục Thống kê tỉnh Bạc Liêu"]],
                encoding=encoding,
                delimiter="\t",
            )
            self.assertEqual(
                self.import_("population", path, "bl-soyte").out, "accepted 1, rejected 0, duplicates 0\n"
            )
            self.assertEqual(Population.objects.get().source, "Cục Thống kê tỉnh Bạc Liêu")

    def test_it_says_why_a_file_cannot_be_read(self):
        cases = {
            "empty.csv": (b"", "The file is empty."),
            "header.csv": (";".join(VI).encode() + b"\r\n", "The file has a header row but no data rows."),
            "photo.csv": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "This file is not a spreadsheet"),
            "other.csv": (b"name,phone\nAn,0912345678\n", "This does not look like a population file"),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name):
                ran = self.import_("population", self.raw(name, content), "bl-soyte")
                self.assertEqual(ran.code, 1)
                self.assertIn(message, ran.err)
                self.assert_no_errors_file(self.dir / name)
        self.assertFalse(Population.objects.exists())

    def test_it_reads_the_matching_sheet_of_a_workbook_with_a_merged_header(self):
        def build(wb):
            notes = wb.active
            notes.title = "Ghi chú"
            notes.append(["Số liệu dân số 2021 theo Cục Thống kê"])
            data = wb.create_sheet("Số liệu")
            data.append(["Mã đơn vị", "Năm", "Tổng", "Dân số theo nhóm tuổi", None, None, None])
            data.append([None, None, None, "0-4 tuổi", "5-17 tuổi", "18-64 tuổi", "65+ tuổi"])
            for cells in ("A1:A2", "B1:B2", "C1:C2", "D1:G1"):
                data.merge_cells(cells)
            data.append([31813, 2021, 1000, 100, 200, 600, 100])
            data.append([31816, 2021, 1000, 100, 200, 600, 99])

        path = self.xlsx("dan-so.xlsx", build)
        ran = self.import_("population", path, "bl-soyte")
        self.assertEqual(ran.out, "accepted 1, rejected 1, duplicates 0\n")
        self.assertEqual(self.figures(), [("31813", 2021, 1000, 100, 200, 600, 100)])
        errors = self.errors_of(path)
        self.assertEqual(
            errors[0],
            ["Mã đơn vị", "Năm", "Tổng", "0-4 tuổi", "5-17 tuổi", "18-64 tuổi", "65+ tuổi", "error"],
        )
        self.assertEqual(
            errors[1][-1],
            "row 4, column total: the age bands add up to 999 (100 + 200 + 600 + 99), not to the total 1,000",
        )

    def test_a_dry_run_stores_nothing_and_writes_no_file(self):
        path = self.file(
            "pop.csv",
            EN,
            [["31813", "2021", "100", "10", "20", "60", "10"], ["x", "2021", "1", "1", "0", "0", "0"]],
        )
        ran = self.import_("population", path, "bl-soyte", "--dry-run")
        self.assertEqual((ran.code, ran.out), (0, "accepted 1, rejected 1, duplicates 0\n"))
        self.assertIn("row 3, column area_code: unknown area code 'x' in dataset vn-2021", ran.err)
        self.assertIn("dry run: nothing was stored", ran.err)
        self.assertFalse(Population.objects.exists())
        self.assert_no_errors_file(path)

    def test_the_errors_file_of_an_earlier_run_goes_once_the_rows_are_fixed(self):
        path = self.file("pop.csv", EN, [["31813", "2021", "100", "10", "20", "60", "11"]])
        self.import_("population", path, "bl-soyte")
        self.assertEqual(len(self.errors_of(path)), 2)
        path.write_bytes(path.read_bytes().replace(b",11", b",10"))
        self.assertEqual(
            self.import_("population", path, "bl-soyte").out, "accepted 1, rejected 0, duplicates 0\n"
        )
        self.assert_no_errors_file(path)

    def test_only_the_province_administrators_import_population_of_their_province(self):
        rows = [
            ["31813", "2021", "100", "10", "20", "60", "10"],
            ["06757", "2021", "100", "10", "20", "60", "10"],
        ]
        path = self.file("pop.csv", EN, rows)
        district = importing.run(
            PopulationImporter(),
            path,
            importing.Context(organization=self.district_a_org, scope=access.scope_for(self.district_a)),
        )
        self.assertEqual((district.accepted, district.rejected), (0, 2))
        self.assertEqual(str(district.errors[0]), "row 2, column area_code: you may not change area 31813")
        admin = importing.run(
            PopulationImporter(),
            path,
            importing.Context(organization=self.health_dept, scope=access.scope_for(self.province_admin)),
        )
        self.assertEqual((admin.accepted, admin.rejected), (1, 1))
        self.assertEqual(str(admin.errors[0]), "row 3, column area_code: you may not change area 06757")
        self.assertEqual(self.figures(), [("31813", 2021, 100, 10, 20, 60, 10)])

    def test_the_template_has_both_headers_and_valid_example_rows(self):
        self.assertEqual(PopulationImporter.header("en")[:7], EN)
        self.assertEqual(PopulationImporter.header("vi")[:7], VI)
        path = self.dir / "template.xlsx"
        importing.write_template(PopulationImporter, path, language="vi")
        ran = self.import_("population", path, "bl-soyte", "--dry-run")
        self.assertEqual(ran.out, "accepted 2, rejected 0, duplicates 0\n")
