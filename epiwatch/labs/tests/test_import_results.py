"""`epiwatch import results FILE --org CODE`: spreadsheets through the pipeline, and every file-level bad input."""

import io

from django.test import override_settings

from epiwatch.cases.models import Case
from epiwatch.labs.importers import ResultImporter
from epiwatch.labs.models import TestResult
from epiwatch.labs.tests.base import EN_HEADER, VI_HEADER, ResultsTestCase, cells, row
from epiwatch.lib import importing
from epiwatch.people.models import Person

DUC = ["BL-1", "095090001234", "Nguyễn Văn Đức", "01/02/1990", "Nam", "0912345678", "31813", "", "PCR"]
LAN = ["BL-2", "095199004321", "Trần Thị Lan", "03/07/1999", "Nữ", "", "31840", "", "test nhanh"]
NEW = ["BL-3", "", "Võ Thị Mai", "2015", "Nữ", "", "31816", "Khóm 2", "PCR gộp"]
TIMES = ["02/11/2021 07:30", "02/11/2021 19:00"]


class ImportTests(ResultsTestCase):
    def test_it_imports_a_file_with_vietnamese_headers_and_words(self):
        path = self.file(
            "ket-qua.csv",
            VI_HEADER,
            [
                [*DUC, *TIMES, "Dương tính", "24,5", "", "Tiếp xúc"],
                [*LAN, "02/11/2021 08:00", "", "Âm tính", "", "", "Sàng lọc"],
                [*NEW, *TIMES, "âm tính", "", "G-7", ""],
            ],
        )
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual((ran.code, ran.out), (0, "accepted 3, rejected 0, duplicates 0\n"))
        self.assertEqual(
            sorted(TestResult.objects.values_list("external_id", "test_type", "result", "reason")),
            [
                ("BL-1", "rt_pcr", "positive", "contact"),
                ("BL-2", "antigen", "negative", "screening"),
                ("BL-3", "pooled_rt_pcr", "negative", "screening"),
            ],
        )
        mai = Person.objects.get(full_name="Võ Thị Mai")
        self.assertEqual(
            (mai.birth_year, mai.residence, mai.created_by), (2015, self.commune_a2, self.lab_org)
        )
        self.assertEqual(Case.objects.get().person, self.duc)
        self.assert_no_errors_file(path)

    def test_it_imports_english_headers_in_any_order_and_other_encodings(self):
        header = list(reversed(EN_HEADER))
        item = row(external_id="E1", result="positive", test_type="rt_pcr")
        for encoding in ("utf-8-sig", "cp1258", "utf-16"):
            with self.subTest(encoding):
                path = self.file(
                    f"r-{encoding}.csv", header, [list(reversed(cells(item)))], encoding=encoding
                )
                ran = self.import_("results", path, "bl-lab")
                self.assertEqual(ran.code, 0, ran.err)
        self.assertEqual(TestResult.objects.count(), 1)  # the same sample each time: stored once

    def test_it_refuses_a_file_without_a_required_column(self):
        header = [h for h in VI_HEADER if h != "Kết quả"]
        path = self.file("thieu-cot.csv", header, [[*DUC, *TIMES, "", "", ""]])
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.code, 1)
        self.assertIn("Missing required column(s): result (Kết quả).", ran.err)
        self.assertFalse(TestResult.objects.exists())

    def test_it_refuses_a_file_with_unknown_columns_only(self):
        path = self.file("khac.csv", ["Mã hàng", "Số lượng"], [["A", "3"]])
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.code, 1)
        self.assertIn(
            "This does not look like a results file: expected columns external_id (Mã mẫu)", ran.err
        )

    def test_it_refuses_an_empty_file_a_header_only_and_a_non_spreadsheet(self):
        header_only = self.file("header.csv", VI_HEADER, [])
        cases = {
            self.raw("empty.csv", b""): "The file is empty.",
            header_only: "The file has a header row but no data rows.",
            self.raw(
                "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
            ): "This file is not a spreadsheet",
        }
        for path, message in cases.items():
            with self.subTest(path.name):
                ran = self.import_("results", path, "bl-lab")
                self.assertEqual(ran.code, 1)
                self.assertIn(message, ran.err)
        self.assertFalse(TestResult.objects.exists())

    @override_settings(UPLOAD_MAX_MB=1)
    def test_it_refuses_a_file_over_the_size_limit(self):
        rows = [[f"BL-{i}", *DUC[1:], *TIMES, "âm tính", "", "", ""] for i in range(12000)]
        path = self.file("lon.csv", VI_HEADER, rows)
        self.assertGreater(path.stat().st_size, 1024 * 1024)
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.code, 1)
        self.assertIn("the largest accepted is 1 MB", ran.err)
        self.assertFalse(TestResult.objects.exists())

    def test_it_reads_the_sheet_that_holds_results_in_a_workbook_of_several(self):
        def build(workbook):
            notes = workbook.active
            notes.title = "Hướng dẫn"
            notes.append(["Điền kết quả vào trang 2"])
            data = workbook.create_sheet("Kết quả")
            data.append(VI_HEADER)
            data.append([*DUC, *TIMES, "âm tính", None, None, None])

        ran = self.import_("results", self.xlsx("nhieu-trang.xlsx", build), "bl-lab")
        self.assertEqual((ran.code, ran.out), (0, "accepted 1, rejected 0, duplicates 0\n"))

    def test_it_reads_a_two_row_header_with_merged_cells(self):
        def build(workbook):
            sheet = workbook.active
            sheet.append(["BÁO CÁO KẾT QUẢ XÉT NGHIỆM"])
            sheet.append(
                [
                    "Mã mẫu",
                    "Thông tin người được xét nghiệm",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "Xét nghiệm",
                ]
            )
            sheet.append([None, *VI_HEADER[1:8], *VI_HEADER[8:]])
            sheet.merge_cells("B2:H2")
            sheet.merge_cells("I2:O2")
            sheet.merge_cells("A2:A3")
            sheet.append([*DUC, *TIMES, "DT", 30, None, None])

        ran = self.import_("results", self.xlsx("gop-o.xlsx", build), "bl-lab")
        self.assertEqual((ran.code, ran.out), (0, "accepted 1, rejected 0, duplicates 0\n"), ran.err)
        self.assertEqual(TestResult.objects.get().external_id, "BL-1")

    def test_it_reports_bad_rows_in_the_error_file_and_keeps_the_good_ones(self):
        path = self.file(
            "loi.csv",
            VI_HEADER,
            [
                [*DUC, *TIMES, "âm tính", "", "", ""],
                ["BL-9", "09509000123", *DUC[2:], *TIMES, "âm tính", "", "", ""],
                [*LAN, *TIMES, "có", "", "", ""],
                ["BL-8", *DUC[1:6], "99999", "", "PCR", *TIMES, "âm tính", "-3", "", ""],
            ],
        )
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual((ran.code, ran.out), (0, "accepted 1, rejected 3, duplicates 0\n"))
        errors = self.errors_of(path)
        self.assertEqual(errors[0], [*VI_HEADER, "error"])
        self.assertEqual([r[0] for r in errors[1:]], ["BL-9", "BL-2", "BL-8"])
        self.assertEqual(
            [r[-1] for r in errors[1:]],
            [
                "row 3, column national_id: national ID '09509000123' has 11 digits; a CCCD has 12 and a CMND 9",
                "row 4, column result: 'có' is not one of: positive, negative, invalid, pending, dương tính, "
                "âm tính, DT, AT, +, -",
                "row 5, column commune_code: unknown commune code '99999' in dataset vn-2021; ct_value: Ct value -3 "
                "is out of range: a Ct value is between 0 and 45",
            ],
        )
        # fixed and imported again: the good row is not doubled, the fixed ones go in
        fixed = [r[:-1] for r in errors[1:]]
        fixed[0][1], fixed[1][11], fixed[2][6], fixed[2][12] = "095090001234", "âm tính", "31813", "30"
        again = self.file("loi-sua.csv", VI_HEADER, fixed)
        ran = self.import_("results", again, "bl-lab")
        self.assertEqual(ran.out, "accepted 3, rejected 0, duplicates 0\n")
        self.assertEqual(TestResult.objects.count(), 4)

    def test_it_counts_repeated_rows_of_a_file_once_and_refuses_conflicting_ones(self):
        path = self.file(
            "lap.csv",
            VI_HEADER,
            [
                [*DUC, *TIMES, "âm tính", "", "", ""],
                [*DUC, *TIMES, "Âm tính", "", "", ""],
                [*DUC, *TIMES, "dương tính", "", "", ""],
                ["", *DUC[1:], *TIMES, "âm tính", "", "", ""],
                ["", *DUC[1:], *TIMES, "âm tính", "", "", ""],
            ],
        )
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.out, "accepted 2, rejected 1, duplicates 2\n")
        self.assertEqual(
            self.errors_of(path)[1][-1],
            "row 4, column external_id: the same sample id as row 2, but with a different result or person",
        )
        self.assertEqual(TestResult.objects.count(), 2)
        again = self.import_("results", path, "bl-lab")
        self.assertEqual(again.out, "accepted 0, rejected 1, duplicates 4\n")
        self.assertEqual(TestResult.objects.count(), 2)

    def test_it_refuses_a_row_conflicting_with_a_stored_result(self):
        self.import_(
            "results", self.file("a.csv", VI_HEADER, [[*DUC, *TIMES, "dương tính", "", "", ""]]), "bl-lab"
        )
        path = self.file("b.csv", VI_HEADER, [[*DUC, *TIMES, "âm tính", "", "", ""]])
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.out, "accepted 0, rejected 1, duplicates 0\n")
        self.assertEqual(
            self.errors_of(path)[1][-1],
            "row 2, column external_id: conflicts with the result already stored (positive, 02/11/2021)",
        )

    def test_a_dry_run_stores_nothing_and_lists_the_errors(self):
        path = self.file(
            "thu.csv",
            VI_HEADER,
            [[*DUC, *TIMES, "âm tính", "", "", ""], [*NEW, *TIMES, "âm tính", "", "", ""]],
        )
        people = Person.objects.count()
        ran = self.import_("results", path, "bl-lab", "--dry-run")
        self.assertEqual(ran.out, "accepted 1, rejected 1, duplicates 0\n")
        self.assertIn("row 3, column pool_id: a pooled RT-PCR result needs the pool's sample code", ran.err)
        self.assertIn("dry run: nothing was stored", ran.err)
        self.assertEqual((TestResult.objects.count(), Person.objects.count()), (0, people))
        self.assert_no_errors_file(path)

    def test_a_school_importing_someone_not_on_its_roster_is_refused_that_row(self):
        student = ["", "", "Lê Minh Khoa", "05/05/2006", "Nam", "", "31816", "", "test nhanh"]
        path = self.file(
            "truong.csv",
            VI_HEADER,
            [[*student, *TIMES, "âm tính", "", "", ""], [*DUC, *TIMES, "âm tính", "", "", ""]],
        )
        ran = self.import_("results", path, "bl-thpt-1")
        self.assertEqual(ran.out, "accepted 1, rejected 1, duplicates 0\n")
        self.assertEqual(
            self.errors_of(path)[1][-1], "row 3: Nguyễn Văn Đức is not on the roster of THPT Bạc Liêu"
        )

    def test_formula_like_cells_are_stored_as_text(self):
        name = '=HYPERLINK("http://evil.example","Nguyễn Văn Đức")'
        path = self.file(
            "cong-thuc.csv",
            VI_HEADER,
            [["", "", name, "1990", "Nam", "", "31813", "=1+1", "PCR", *TIMES, "âm tính", "", "", ""]],
        )
        ran = self.import_("results", path, "bl-lab")
        self.assertEqual(ran.out, "accepted 1, rejected 0, duplicates 0\n")
        person = TestResult.objects.get().person
        self.assertEqual((person.full_name, person.address), (name, "=1+1"))

    def test_an_unknown_organization_is_a_usage_error(self):
        ran = self.import_("results", self.file("x.csv", VI_HEADER, [DUC]), "no-such-org")
        self.assertEqual(ran.code, 2)


class TemplateTests(ResultsTestCase):
    def test_the_templates_in_both_languages_import_as_they_are(self):
        expected = {
            "vi": "accepted 3, rejected 0, duplicates 0\n",
            "en": "accepted 0, rejected 0, duplicates 3\n",  # the same examples: stored once
        }
        for language in ("vi", "en"):
            with self.subTest(language):
                out = io.StringIO()
                importing.write_template(ResultImporter, out, language=language, fmt="csv")
                self.assertTrue(
                    out.getvalue().lstrip("\ufeff").startswith(",".join(ResultImporter.header(language)))
                )
                path = self.raw(f"mau-{language}.csv", out.getvalue().encode("utf-8"))
                ran = self.import_("results", path, "bl-tyt-31813")
                self.assertEqual((ran.code, ran.out), (0, expected[language]), ran.err)
        self.assertEqual(TestResult.objects.count(), 3)

    def test_the_vietnamese_header_is_the_one_people_use(self):
        self.assertEqual(ResultImporter.header("vi"), VI_HEADER)
        self.assertEqual(ResultImporter.header("en"), EN_HEADER)
