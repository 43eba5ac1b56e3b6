"""`epiwatch export results` and the exporter's scoping: the import columns plus the public ids."""

import io

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.labs.exporters import ResultExporter
from epiwatch.labs.models import TestResult
from epiwatch.labs.tests.base import EN_HEADER, ResultsTestCase, row
from epiwatch.lib.tests.helpers import parse_csv, read_csv

LAN = {
    "national_id": "095199004321",
    "full_name": "Trần Thị Lan",
    "sex": "F",
    "date_of_birth": "03/07/1999",
    "commune_code": "31840",
}


class ExportTests(ResultsTestCase):
    def setUp(self):
        super().setUp()
        self.submit([row(external_id="S1", result="positive", ct_value="24.5", reason="contact")])
        self.submit(
            [row(sampled_at="05/11/2021 08:00", resulted_at=None, test_type="test nhanh", **LAN)],
            org=self.commune_org,
        )

    def rows_for(self, user, **filters) -> list[tuple]:
        return list(ResultExporter().rows(access.scope_for(user), **filters))

    def test_it_exports_the_import_columns_plus_the_public_ids(self):
        ran = self.export("results")
        lines = parse_csv(ran.out)
        self.assertEqual(lines[0], ["result_id", "person_id", *EN_HEADER])
        first = dict(zip(lines[0], lines[1], strict=True))
        result = TestResult.objects.get(external_id="S1")
        self.assertEqual(first["result_id"], str(result.public_id))
        self.assertEqual(first["person_id"], str(self.duc.public_id))
        self.assertEqual(
            [
                first[c]
                for c in ("national_id", "full_name", "date_of_birth", "sex", "commune_code", "test_type")
            ],
            ["095090001234", "Nguyễn Văn Đức", "1990-02-01", "M", "31813", "rt_pcr"],
        )
        self.assertEqual(
            [first[c] for c in ("sampled_at", "resulted_at", "result", "ct_value", "reason")],
            ["2021-11-02 07:30:00", "2021-11-02 19:00:00", "positive", "24.5", "contact"],
        )
        self.assertNotIn(str(result.pk), [first["result_id"], first["person_id"]])

    def test_it_filters_by_area_and_sample_days(self):
        self.assertEqual(len(parse_csv(self.export("results", "--area", "954").out)), 2)
        self.assertEqual(len(parse_csv(self.export("results", "--area", "956").out)), 2)
        self.assertEqual(len(parse_csv(self.export("results", "--from", "03/11/2021").out)), 2)
        self.assertEqual(len(parse_csv(self.export("results", "--to", "2021-11-02").out)), 2)
        self.assertEqual(len(parse_csv(self.export("results", "--from", "06/11/2021").out)), 1)

    def test_it_is_scoped_to_what_the_user_sees(self):
        self.assertEqual([r[2] for r in self.rows_for(self.lab)], ["S1"])  # what the lab submitted
        self.assertEqual(len(self.rows_for(self.commune)), 2)  # its submission and its resident's result
        self.assertEqual([r[4] for r in self.rows_for(self.district_b)], ["Trần Thị Lan"])
        self.assertEqual(len(self.rows_for(self.province_analyst)), 2)
        for user in (self.school, self.enterprise, self.other_province_user, self.outsider):
            with self.subTest(user.username):
                self.assertEqual(self.rows_for(user), [])

    def test_it_escapes_formula_like_text(self):
        self.submit(
            [
                row(
                    national_id="",
                    full_name='=HYPERLINK("http://evil.example","x")',
                    date_of_birth="1980",
                    address="@SUM(A1)",
                )
            ]
        )
        path = self.dir / "out.csv"
        ran = self.export("results", "--out", str(path))
        self.assertEqual(ran.out, f"exported 3 rows to {path}\n")
        last = read_csv(path)[-1]
        self.assertEqual(last[4], '\'=HYPERLINK("http://evil.example","x")')
        self.assertEqual(last[9], "'@SUM(A1)")

    def test_an_export_imports_back_as_duplicates(self):
        path = self.dir / "all.csv"
        self.export("results", "--out", str(path))
        ran = self.import_("results", path, "bl-lab")
        # the lab's own result is a duplicate; the commune's, imported by the lab, has no sample id: a duplicate
        # of the same person, type, sample time and result
        self.assertEqual(ran.out, "accepted 0, rejected 0, duplicates 2\n")

    def test_each_export_leaves_an_audit_event(self):
        out = io.StringIO()
        ResultExporter().write(out, scope=access.FULL)
        self.export("results", "--area", "954")
        event = AuditEvent.objects.filter(action="export", model="labs.testresult").get()
        self.assertEqual((event.via, event.object_repr), ("command", "1 results in 954"))
