import csv
import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from epiwatch.levels.models import Assessment
from epiwatch.levels.tests.base import LevelsTestCase

HEADER = "area_code,population,community_cases_7d,adults_1dose_pct,elderly_full_pct,capacity_ok,days_since_last_case"
# Bạc Liêu in early November 2021: ~153 community cases a day in 900,000 people, 75 % of adults with a first dose,
# far fewer of the 65+ fully vaccinated.
BAC_LIEU = "95,900000,1071,75,16,true,0"


class WhatIfCommandTests(LevelsTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, *lines: str, name: str = "inputs.csv") -> str:
        path = Path(self.tmp.name) / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(path)

    def run_what_if(self, path: str, *args: str) -> str:
        out = io.StringIO()
        call_command("assess_levels", "--inputs", path, *args, stdout=out)
        return out.getvalue()

    def refused(self, path: str, *args: str) -> CommandError:
        with self.assertRaises(CommandError) as caught:
            self.run_what_if(path, "--rules", "BYT-4800", *args)
        self.assertEqual(caught.exception.returncode, 1, str(caught.exception))
        return caught.exception

    def test_it_writes_inputs_and_the_decision_as_csv(self):
        path = self.write(HEADER, BAC_LIEU, "31813,10000,0,80,85,true,20", "31816,20000,5,72,81,false,1")
        rows = list(csv.DictReader(io.StringIO(self.run_what_if(path, "--rules", "BYT-4800"))))
        self.assertEqual(
            list(rows[0]),
            [*HEADER.split(","), "rate_per_100k", "band", "level", "explanation"],
        )
        province, quiet, raised = rows
        self.assertEqual(
            (province["rate_per_100k"], province["band"], province["level"]), ("119.0", "C", "4")
        )
        self.assertEqual(
            province["explanation"],
            "Tỉnh Bạc Liêu: 119,0 ca/100.000 dân/tuần (nhóm C); bao phủ không đạt: 65+ đủ liều 16 % < 80 % → cấp 4",
        )
        self.assertEqual(province["population"], "900000")
        self.assertEqual(province["capacity_ok"], "true")
        # no community case in 20 days: level 1 whatever the rest says
        self.assertEqual((quiet["band"], quiet["level"]), ("A", "1"))
        # 25 per 100,000 (band B), coverage met -> 2, capacity not met -> 3
        self.assertEqual((raised["rate_per_100k"], raised["band"], raised["level"]), ("25.0", "B", "3"))
        self.assertIn("không đảm bảo năng lực thu dung, điều trị: +1 → cấp 3", raised["explanation"])
        self.assertFalse(Assessment.objects.exists(), "what-if stores nothing")

    def test_it_writes_json_in_english(self):
        path = self.write(HEADER, BAC_LIEU)
        rows = json.loads(self.run_what_if(path, "--rules", "BYT-4800", "--format", "json", "--lang", "en"))
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["population"], 900000)
        self.assertEqual(row["adults_1dose_pct"], 75)
        self.assertIs(row["capacity_ok"], True)
        self.assertEqual((row["rate_per_100k"], row["band"], row["level"]), (119.0, "C", 4))
        self.assertEqual(
            row["explanation"],
            "Tỉnh Bạc Liêu: 119.0 cases/100,000/week (band C); coverage not met: 65+ fully vaccinated 16 % < 80 % "
            "→ level 4",
        )

    def test_it_reads_vietnamese_headers_and_decimal_commas(self):
        header = "Mã địa bàn;Dân số;Ca cộng đồng 7 ngày;% 18+ ≥1 liều;% 65+ đủ liều;Đảm bảo năng lực điều trị;Số ngày từ ca cuối"
        path = self.write(header, "31840;5.000;3;75,5;80;có;2")
        rows = list(csv.DictReader(io.StringIO(self.run_what_if(path, "--rules", "BYT-4800"))))
        self.assertEqual(rows[0]["population"], "5000")
        self.assertEqual(rows[0]["adults_1dose_pct"], "75.5")
        self.assertEqual((rows[0]["rate_per_100k"], rows[0]["band"], rows[0]["level"]), ("60.0", "C", "3"))

    def test_it_takes_a_code_missing_from_the_database_from_the_shipped_dataset(self):
        path = self.write(HEADER, "96,1200000,0,90,90,true,30")
        rows = list(csv.DictReader(io.StringIO(self.run_what_if(path, "--rules", "BYT-4800"))))
        self.assertTrue(rows[0]["explanation"].startswith("Tỉnh Cà Mau: "))

    def test_it_writes_to_a_file_with_out(self):
        path = self.write(HEADER, BAC_LIEU)
        target = Path(self.tmp.name) / "out.json"
        summary = self.run_what_if(path, "--rules", "BYT-4800", "--format", "json", "--out", str(target))
        self.assertIn("assessed 1 rows with BYT-4800", summary)
        self.assertEqual(json.loads(target.read_text(encoding="utf-8"))[0]["level"], 4)

    def test_it_refuses_a_negative_count_with_the_row_number(self):
        error = self.refused(self.write(HEADER, BAC_LIEU, "31813,10000,-3,80,85,true,0"))
        self.assertIn("row 3, column community_cases_7d: '-3' is negative", str(error))

    def test_it_refuses_a_percentage_above_100(self):
        error = self.refused(self.write(HEADER, "31813,10000,3,101,85,true,0"))
        self.assertIn("row 2, column adults_1dose_pct: 101 is above 100 %", str(error))

    def test_it_refuses_a_negative_percentage(self):
        error = self.refused(self.write(HEADER, "31813,10000,3,70,-5,true,0"))
        self.assertIn("row 2, column elderly_full_pct: -5 is negative", str(error))

    def test_it_refuses_a_population_of_zero(self):
        error = self.refused(self.write(HEADER, BAC_LIEU, BAC_LIEU.replace("900000", "0")))
        self.assertIn("row 3, column population: is 0", str(error))

    def test_it_refuses_a_missing_column(self):
        header = HEADER.replace(",elderly_full_pct", "")
        error = self.refused(self.write(header, "31813,10000,3,70,true,0"))
        self.assertIn("row 1: Missing required column(s): elderly_full_pct", str(error))

    def test_it_refuses_an_unknown_area_code(self):
        error = self.refused(self.write(HEADER, BAC_LIEU, "99999,10000,3,70,85,true,0"))
        self.assertIn("row 3, column area_code: '99999' is not an area code of vn-2021", str(error))

    def test_it_refuses_inputs_that_contradict_each_other(self):
        # cases in the last 7 days but the last case 10 days ago
        error = self.refused(self.write(HEADER, "31813,10000,3,70,85,true,10"))
        self.assertIn("row 2: days_since_last_case is 10", str(error))

    def test_it_lists_every_bad_row_and_writes_nothing(self):
        out = io.StringIO()
        path = self.write(HEADER, "31813,10000,-1,70,85,true,0", BAC_LIEU, "31816,0,0,70,85,true,30")
        with self.assertRaises(CommandError) as caught:
            call_command("assess_levels", "--inputs", path, "--rules", "BYT-4800", stdout=out)
        message = str(caught.exception)
        self.assertIn("2 problem(s), nothing assessed", message)
        self.assertIn("row 2, column community_cases_7d", message)
        self.assertIn("row 4, column population", message)
        self.assertEqual(out.getvalue(), "")

    def test_it_says_which_columns_decision_218_needs(self):
        error = self.refused(self.write(HEADER, BAC_LIEU), "--rules", "BYT-218")
        self.assertIn("row 2: cases_7d is required by levels rule set BYT-218", str(error))

    def test_it_assesses_with_decision_218_given_its_columns(self):
        header = HEADER + ",cases_7d,deaths_7d,population_full_pct,high_risk_full_pct"
        path = self.write(header, "95,900000,1071,75,16,true,0,6000,10,50,60")
        rows = list(csv.DictReader(io.StringIO(self.run_what_if(path, "--rules", "BYT-218"))))
        # 666.7 per 100,000 is above 600: band D -> 4
        self.assertEqual((rows[0]["band"], rows[0]["level"]), ("D", "4"))
        self.assertEqual(rows[0]["cases_7d"], "6000")

    def test_it_refuses_an_unknown_rule_set_as_bad_usage(self):
        with self.assertRaises(CommandError) as caught:
            self.run_what_if(self.write(HEADER, BAC_LIEU), "--rules", "BYT-9999")
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("BYT-4800", str(caught.exception))
