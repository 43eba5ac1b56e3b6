"""The `export` command itself: usage errors, exit statuses and output targets, whatever the kind."""

from epiwatch.lib.tests.helpers import IOTestCase, read_csv


class ExportCommandTests(IOTestCase):
    def test_an_unknown_kind_lists_the_known_ones(self):
        ran = self.export("cases-by-moon")
        self.assertEqual(ran.code, 2)
        self.assertIn("Unknown export kind 'cases-by-moon'; known kinds: ", ran.err)
        for kind in ("areas", "orgs", "people"):
            self.assertIn(kind, ran.err)

    def test_bad_options_are_bad_usage(self):
        cases = [
            (("areas", "--area", "99999"), "Unknown area code '99999' in dataset vn-2021."),
            (("areas", "--dataset", "vn-1999"), "Unknown dataset 'vn-1999'"),
            (("areas", "--from", "31/02/2021"), "--from: '31/02/2021' is not a date"),
            (("orgs", "--to", "04/11/2021"), "The orgs export has no dates"),
            (("areas", "--format", "xlsx"), "--format xlsx needs --out PATH."),
        ]
        for args, message in cases:
            with self.subTest(args):
                ran = self.export(*args)
                self.assertEqual(ran.code, 2)
                self.assertIn(message, ran.err)
                self.assertEqual(ran.out, "")

    def test_csv_goes_to_stdout_or_to_a_file_with_a_bom(self):
        ran = self.export("orgs", "--area", "956")
        self.assertEqual(
            ran.out, "code,name,kind,area_code\r\nbl-ttyt-956,bl-ttyt-956,district_centre,956\r\n"
        )
        path = self.dir / "orgs.csv"
        ran = self.export("orgs", "--area", "956", "--out", str(path))
        self.assertEqual(ran.lines, [f"exported 1 rows to {path}"])
        self.assertEqual(
            read_csv(path),
            [["code", "name", "kind", "area_code"], ["bl-ttyt-956", "bl-ttyt-956", "district_centre", "956"]],
        )
