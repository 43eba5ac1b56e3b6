"""`epiwatch import villages`: villages (thôn, ấp, khóm, khu) below communes."""

from epiwatch.geo.importers import VillageImporter
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import importing
from epiwatch.lib.tests.helpers import IOTestCase

VI = ["Mã xã", "Mã thôn", "Tên thôn", "Loại"]
EN = ["commune_code", "code", "name", "kind"]


class VillageImportTests(IOTestCase):
    def villages(self):
        return sorted(
            Area.objects.filter(kind=AreaKind.VILLAGE).values_list(
                "code", "name", "village_kind", "parent__code", "path"
            )
        )

    def test_it_adds_villages_under_their_communes_with_prefixed_codes(self):
        path = self.file(
            "thon.csv",
            VI,
            [
                ["31813", "01", "Khóm 1", "khóm"],
                ["31813", "31813-02", "Khóm 2", "Khóm"],
                ["31840", "3", "Ấp Nội Ô", "ấp"],
            ],
        )
        ran = self.import_("villages", path, "bl-soyte")
        self.assertEqual((ran.code, ran.out), (0, "accepted 3, rejected 0, duplicates 0\n"))
        self.assertEqual(
            self.villages(),
            [
                ("31813-01", "Khóm 1", "khom", "31813", "95/954/31813/31813-01"),
                ("31813-02", "Khóm 2", "khom", "31813", "95/954/31813/31813-02"),
                ("31840-3", "Ấp Nội Ô", "ap", "31840", "95/956/31840/31840-3"),
            ],
        )

    def test_importing_again_renames_and_counts_the_unchanged_as_duplicates(self):
        self.import_(
            "villages",
            self.file("a.csv", EN, [["31813", "01", "Khóm 1", ""], ["31813", "02", "Khóm 2", ""]]),
            "bl-soyte",
        )
        path = self.file("b.csv", EN, [["31813", "01", "Khóm 1", ""], ["31813", "02", "Khóm Hai", "khu"]])
        self.assertEqual(
            self.import_("villages", path, "bl-soyte").out, "accepted 1, rejected 0, duplicates 1\n"
        )
        self.assertEqual(
            [v[:3] for v in self.villages()], [("31813-01", "Khóm 1", ""), ("31813-02", "Khóm Hai", "khu")]
        )

    def test_it_rejects_bad_rows_and_keeps_the_good_ones(self):
        rows = [
            ["31813", "01", "Khóm 1", ""],
            ["99999", "01", "Ấp Mới", ""],
            ["954", "01", "Khóm X", ""],
            ["31813", "0 1!", "Khóm Y", ""],
            ["31813", "05", "", ""],
            ["31813", "06", "Khóm 6", "làng chài"],
            ["31816", "01", '=HYPERLINK("http://x")', ""],
            ["31813", "01", "Khóm Một", ""],
        ]
        path = self.file("thon.csv", EN, rows)
        ran = self.import_("villages", path, "bl-soyte")
        self.assertEqual(ran.out, "accepted 2, rejected 6, duplicates 0\n")
        errors = self.errors_of(path)
        self.assertEqual(
            [e[-1] for e in errors[1:]],
            [
                "row 3, column commune_code: unknown area code '99999' in dataset vn-2021",
                "row 4, column commune_code: 954 is a District, not a Commune",
                "row 5, column code: '01!': a village code may only contain letters, digits and dashes (e.g. 01)",
                "row 6, column name: a value is required",
                "row 7, column kind: 'làng chài' is not one of: thon, ap, khom, khu, thôn, ấp, khóm, khu phố",
                "row 9: village 31813-01 is already given in row 2 with another name or kind",
            ],
        )
        self.assertEqual(errors[5][:3], ["31813", "06", "Khóm 6"])
        self.assertEqual(
            [v[:2] for v in self.villages()], [("31813-01", "Khóm 1"), ("31816-01", '=HYPERLINK("http://x")')]
        )

    def test_a_formula_like_name_is_escaped_in_the_error_file(self):
        path = self.file("thon.csv", EN, [["99999", "01", '=HYPERLINK("http://x")', "@khu"]])
        self.import_("villages", path, "bl-soyte")
        self.assertEqual(self.errors_of(path)[1][:4], ["99999", "01", '\'=HYPERLINK("http://x")', "'@khu"])

    def test_it_refuses_a_code_another_area_holds(self):
        Area.objects.create(
            dataset="vn-2021",
            code="31813-07",
            name="Lạ",
            kind=AreaKind.VILLAGE,
            parent=self.commune_a2,
            path="95/954/31816/31813-07",
        )
        path = self.file("thon.csv", EN, [["31813", "07", "Khóm 7", ""]])
        self.assertEqual(
            self.import_("villages", path, "bl-soyte").out, "accepted 0, rejected 1, duplicates 0\n"
        )
        self.assertEqual(
            self.errors_of(path)[1][-1], "row 2, column code: the code 31813-07 is already used by Lạ"
        )

    def test_it_reads_windows_1258_and_utf16_with_names_intact(self):
        names = ["Ấp Giồng Giữa", "Thôn Đông Hải", "Khóm Phường Tám"]
        for encoding in ("cp1258", "utf-16"):
            Area.objects.filter(kind=AreaKind.VILLAGE).delete()
            rows = [["31840", f"0{i}", name, ""] for i, name in enumerate(names)]
            path = self.file(
                f"{encoding}.csv",
                VI,
                rows,
                encoding=encoding,
                delimiter=";" if encoding == "cp1258" else "\t",
            )
            self.assertEqual(
                self.import_("villages", path, "bl-soyte").out, "accepted 3, rejected 0, duplicates 0\n"
            )
            self.assertEqual(sorted(v[1] for v in self.villages()), sorted(names))

    def test_it_needs_the_required_columns(self):
        path = self.file("thon.csv", ["Mã xã", "Tên thôn"], [["31813", "Khóm 1"]])
        ran = self.import_("villages", path, "bl-soyte")
        self.assertEqual(ran.code, 1)
        self.assertIn("Missing required column(s): code (Mã thôn).", ran.err)

    def test_it_reads_the_data_sheet_of_a_workbook_below_a_merged_title(self):
        def build(wb):
            wb.active.title = "Hướng dẫn"
            wb.active.append(["Mỗi thôn một dòng; mã thôn là mã trong xã (01, 02, ...)"])
            data = wb.create_sheet("Thôn ấp")
            data.append(["DANH MỤC THÔN, ẤP, KHÓM"])
            data.merge_cells("A1:D1")
            data.append(VI)
            data.append([31813, 1, "Khóm 1", "khóm"])  # numbers, as Excel keeps them
            data.append([31840, "07", "Ấp Nội Ô", "ấp"])

        ran = self.import_("villages", self.xlsx("thon.xlsx", build), "bl-soyte")
        self.assertEqual(ran.out, "accepted 2, rejected 0, duplicates 0\n")
        self.assertEqual([v[:2] for v in self.villages()], [("31813-1", "Khóm 1"), ("31840-07", "Ấp Nội Ô")])

    def test_it_says_why_a_file_cannot_be_read(self):
        cases = {
            "empty.csv": (b"", "The file is empty."),
            "header.csv": (",".join(VI).encode(), "The file has a header row but no data rows."),
            "scan.csv": (b"%PDF-1.5\n" + bytes(range(256)) * 4, "This file is not a spreadsheet"),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name):
                ran = self.import_("villages", self.raw(name, content), "bl-soyte")
                self.assertEqual(ran.code, 1)
                self.assertIn(message, ran.err)
        self.assertEqual(self.villages(), [])

    def test_a_dry_run_adds_no_village(self):
        path = self.file("thon.csv", EN, [["31813", "01", "Khóm 1", ""]])
        self.assertEqual(
            self.import_("villages", path, "bl-soyte", "--dry-run").out,
            "accepted 1, rejected 0, duplicates 0\n",
        )
        self.assertEqual(self.villages(), [])

    def test_the_template_imports(self):
        path = self.dir / "template.csv"
        importing.write_template(VillageImporter, path, language="vi", fmt="csv")
        self.assertEqual(
            self.import_("villages", path, "bl-soyte").out, "accepted 2, rejected 0, duplicates 0\n"
        )
