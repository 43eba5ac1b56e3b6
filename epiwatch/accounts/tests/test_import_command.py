"""The `import` command itself: usage errors and exit statuses, whatever the kind."""

import os
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase

from epiwatch.geo.models import Population
from epiwatch.lib.tests.helpers import IOTestCase

EN = ["area_code", "year", "total", "age_0_4", "age_5_17", "age_18_64", "age_65_plus"]


class ImportCommandTests(IOTestCase):
    def test_an_unknown_kind_lists_the_known_ones(self):
        ran = self.import_("no-such-kind", self.file("a.csv", EN, [["31813"] * 7]), "bl-soyte")
        self.assertEqual(ran.code, 2)
        self.assertIn("Unknown import kind 'no-such-kind'; known kinds: ", ran.err)
        for kind in ("population", "roster", "villages"):
            self.assertIn(kind, ran.err)

    def test_an_unknown_organization_is_bad_usage(self):
        ran = self.import_("population", self.file("a.csv", EN, [["31813"] * 7]), "no-such-org")
        self.assertEqual(ran.code, 2)
        self.assertIn("Unknown organization code 'no-such-org'", ran.err)

    def test_a_missing_file_cannot_be_read(self):
        ran = self.import_("population", self.dir / "missing.csv", "bl-soyte")
        self.assertEqual(ran.code, 1)
        self.assertIn("missing.csv: no such file", ran.err)

    def test_it_prints_exactly_one_summary_line_and_exits_0_with_rejected_rows(self):
        path = self.file(
            "a.csv",
            EN,
            [["31813", "2021", "10", "1", "2", "3", "4"], ["31813", "2022", "-1", "0", "0", "0", "0"]],
        )
        ran = self.import_("population", path, "bl-soyte")
        self.assertEqual(ran.code, 0)
        self.assertEqual(ran.lines, ["accepted 1, rejected 1, duplicates 0"])
        self.assertIn(f"rejected rows written to {path}.errors.csv", ran.err)
        self.assertEqual(Population.objects.count(), 1)


class CommandLineTests(SimpleTestCase):
    """The exit statuses as a shell sees them (usage errors stop before the database is touched)."""

    def run_cli(self, *args):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "epiwatch.test_settings"),
        }
        return subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    def test_bad_usage_exits_2_with_the_reason_on_stderr(self):
        unknown = self.run_cli("import", "nope", "file.csv", "--org", "x")
        self.assertEqual((unknown.returncode, unknown.stdout), (2, ""))
        self.assertIn("Unknown import kind 'nope'; known kinds: ", unknown.stderr)
        self.assertIn("population", unknown.stderr)
        no_org = self.run_cli("import", "population", "file.csv")
        self.assertEqual(no_org.returncode, 2)
        self.assertIn("--org", no_org.stderr)
        xlsx = self.run_cli("export", "areas", "--format", "xlsx")
        self.assertEqual(xlsx.returncode, 2)
        self.assertIn("--format xlsx needs --out PATH.", xlsx.stderr)
