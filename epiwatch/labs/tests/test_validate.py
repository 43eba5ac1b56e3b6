"""The pipeline's parse and validate steps: the words people write, and each bad value with its message."""

import datetime as dt

from django.utils import timezone

from epiwatch.labs import words
from epiwatch.labs.models import TestResult
from epiwatch.labs.pipeline import Context, Invalid, parse, validate
from epiwatch.labs.tests.base import ResultsTestCase, row
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.lib.tabular import Row
from epiwatch.people.models import Person


class WordTests(ResultsTestCase):
    def test_it_reads_the_result_words_people_write(self):
        cases = {
            "positive": ["dương tính", "Dương Tính", "DUONG TINH", "DT", "dt", "+", "positive", "(+)"],
            "negative": ["âm tính", "Âm tính", "AT", "-", "negative", "(-)"],
            "invalid": ["không xác định", "invalid"],
            "pending": ["chờ", "pending", "Chờ kết quả"],
        }
        for code, spellings in cases.items():
            for spelling in spellings:
                with self.subTest(spelling):
                    self.assertEqual(words.code_of("result", spelling), code)

    def test_it_reads_the_test_type_words_people_write(self):
        cases = {
            "rt_pcr": ["PCR", "RT-PCR", "rt_pcr", "pcr"],
            "pooled_rt_pcr": ["PCR gộp", "mẫu gộp", "Mẫu gộp", "pooled_rt_pcr"],
            "antigen": ["test nhanh", "Test nhanh", "TNKN", "kháng nguyên", "antigen"],
            "antigen_self": ["tự test", "Tự test", "antigen_self", "self-test"],
        }
        for code, spellings in cases.items():
            for spelling in spellings:
                with self.subTest(spelling):
                    self.assertEqual(words.code_of("test_type", spelling), code)

    def test_it_reads_reasons_in_both_languages(self):
        self.assertEqual(words.code_of("reason", "tiếp xúc"), "contact")
        self.assertEqual(words.code_of("reason", "contact"), "contact")
        self.assertEqual(words.code_of("reason", "Sàng lọc theo ca"), "shift_screening")
        self.assertEqual(words.code_of("reason", "triệu chứng"), "symptoms")
        self.assertEqual(words.code_of("reason", "về từ vùng dịch"), "travel")
        self.assertIsNone(words.code_of("reason", "tò mò"))

    def test_it_keeps_an_unknown_word_unknown(self):
        self.assertIsNone(words.code_of("result", "dươngg"))
        self.assertIsNone(words.code_of("test_type", "PCRR"))
        self.assertEqual(words.code_of("result", "  "), "")


class ParseTests(ResultsTestCase):
    def test_it_takes_a_spreadsheet_row_with_its_number_and_cells(self):
        item = parse(Row(number=7, values={"full_name": "An", "result": "DT"}, cells=("An", "DT")))
        self.assertEqual((item.number, item.values["full_name"], item.values["result"]), (7, "An", "DT"))
        self.assertEqual(item.values["ct_value"], "")
        self.assertEqual(item.cells, ("An", "DT"))

    def test_it_takes_an_api_dict_with_numbers_and_names_the_unknown_fields(self):
        item = parse({"full_name": "An", "ct_value": 24.5, "national_id": 95090001234, "ctvalue": 3}, 4)
        self.assertEqual(item.number, 4)
        self.assertEqual(item.values["ct_value"], "24.5")
        self.assertEqual(item.unknown, ("ctvalue",))


class ValidateTests(ResultsTestCase):
    def errors(self, **values):
        with self.assertRaises(Invalid) as caught:
            validate(parse(row(**values), 3), Context(organization=self.lab_org))
        return [(e.row, e.column, e.message) for e in caught.exception.errors]

    def clean(self, **values):
        return validate(parse(row(**values), 3), Context(organization=self.lab_org))

    def test_it_types_a_valid_row(self):
        clean = self.clean(
            result="DT", test_type="PCR", ct_value="24,5", reason="tiếp xúc", phone="+84 912 345 678"
        )
        self.assertEqual(clean.result, "positive")
        self.assertEqual(clean.test_type, "rt_pcr")
        self.assertEqual(str(clean.ct_value), "24.5")
        self.assertEqual(clean.reason, "contact")
        self.assertEqual(clean.phone, "0912345678")
        self.assertEqual(clean.sampled_at, dt.datetime(2021, 11, 2, 7, 30, tzinfo=LOCAL_TZ))
        self.assertEqual(clean.residence, self.commune_a1)

    def test_it_defaults_the_reason_to_shift_screening_for_an_enterprise(self):
        clean = validate(
            parse(
                row(national_id="095185004321", full_name="Lê Thị Hồng", sex="F", date_of_birth="09/04/1985")
            ),
            Context(organization=self.enterprise_org),
        )
        self.assertEqual(clean.reason, "shift_screening")
        self.assertEqual(self.clean().reason, "screening")

    def test_it_refuses_a_national_id_of_the_wrong_length(self):
        self.assertEqual(
            self.errors(national_id="09509000123"),
            [(3, "national_id", "national ID '09509000123' has 11 digits; a CCCD has 12 and a CMND 9")],
        )

    def test_it_refuses_a_national_id_without_a_province_prefix(self):
        [(row_number, column, message)] = self.errors(national_id="099090001234")
        self.assertEqual((row_number, column), (3, "national_id"))
        self.assertIn("starts with 099, which is not a province code", message)

    def test_it_refuses_a_national_id_that_contradicts_the_row(self):
        [(_r, column, message)] = self.errors(sex="F")
        self.assertEqual(column, "national_id")
        self.assertIn("is the number of a male person born in 1990", message)

    def test_it_refuses_an_unknown_commune_code(self):
        self.assertEqual(
            self.errors(commune_code="99999"),
            [(3, "commune_code", "unknown commune code '99999' in dataset vn-2021")],
        )

    def test_it_refuses_a_sample_time_in_the_future(self):
        tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y 08:00")
        self.assertEqual(
            self.errors(sampled_at=tomorrow, resulted_at=None),
            [(3, "sampled_at", f"'{tomorrow}' is in the future")],
        )

    def test_it_refuses_a_result_time_before_the_sample_time(self):
        self.assertEqual(
            self.errors(sampled_at="02/11/2021 07:30", resulted_at="02/11/2021 06:00"),
            [
                (
                    3,
                    "resulted_at",
                    "the result time 02/11/2021 06:00 is before the sample time 02/11/2021 07:30",
                )
            ],
        )

    def test_it_accepts_a_result_day_without_time_on_the_sample_day(self):
        self.assertEqual(self.clean(resulted_at="02/11/2021").resulted_at.date(), dt.date(2021, 11, 2))
        [(_r, column, _m)] = self.errors(resulted_at="01/11/2021")
        self.assertEqual(column, "resulted_at")

    def test_it_refuses_unknown_test_type_and_result_words_naming_the_accepted_ones(self):
        errors = self.errors(test_type="PCRR", result="dươngg")
        self.assertEqual([(r, c) for r, c, _m in errors], [(3, "test_type"), (3, "result")])
        self.assertIn("'PCRR' is not one of: rt_pcr, pooled_rt_pcr, antigen, antigen_self, PCR", errors[0][2])
        self.assertIn(
            "'dươngg' is not one of: positive, negative, invalid, pending, dương tính, âm tính", errors[1][2]
        )

    def test_it_refuses_a_ct_value_out_of_range(self):
        for value in ("-1", "45.1", "60"):
            with self.subTest(value):
                self.assertEqual(
                    self.errors(ct_value=value),
                    [(3, "ct_value", f"Ct value {value} is out of range: a Ct value is between 0 and 45")],
                )
        self.assertEqual(self.errors(ct_value="abc"), [(3, "ct_value", "'abc' is not a number")])
        self.assertEqual(str(self.clean(ct_value="45").ct_value), "45.0")
        self.assertEqual(str(self.clean(ct_value="0").ct_value), "0.0")

    def test_it_refuses_a_ct_value_on_an_antigen_test(self):
        [(_r, column, message)] = self.errors(test_type="test nhanh", ct_value="20")
        self.assertEqual(
            (column, message), ("ct_value", "a Ct value comes from an RT-PCR test, not a rapid antigen test")
        )

    def test_it_names_every_missing_required_field(self):
        self.assertEqual(
            self.errors(full_name="", result="", sampled_at="", test_type=""),
            [
                (3, "full_name", "a value is required"),
                (3, "test_type", "a value is required"),
                (3, "result", "a value is required"),
                (3, "sampled_at", "a value is required"),
            ],
        )

    def test_it_needs_a_national_id_or_a_birth(self):
        self.assertEqual(
            self.errors(national_id="", date_of_birth=""),
            [(3, "date_of_birth", "a person without a national ID needs a date (or year) of birth")],
        )
        self.assertEqual(self.clean(national_id="", date_of_birth="1990").birth_year, 1990)

    def test_it_needs_the_pool_code_of_a_pooled_result(self):
        self.assertEqual(
            self.errors(test_type="PCR gộp"),
            [(3, "pool_id", "a pooled RT-PCR result needs the pool's sample code")],
        )

    def test_it_refuses_unknown_api_fields(self):
        [(_r, column, message)] = self.errors(ct=20)
        self.assertEqual(column, "ct")
        self.assertIn("unknown field; the fields are: external_id, national_id", message)

    def test_it_keeps_formula_like_text_as_text(self):
        clean = self.clean(full_name='=HYPERLINK("http://x.example","Nguyễn Văn Đức")', address="=1+1")
        self.assertEqual(clean.full_name, '=HYPERLINK("http://x.example","Nguyễn Văn Đức")')
        self.assertEqual(clean.address, "=1+1")


class RejectionKeepsTheValidRowsTests(ResultsTestCase):
    def test_it_stores_the_valid_rows_around_the_rejected_ones(self):
        outcomes = self.submit(
            [
                row(external_id="A1"),
                row(external_id="A2", ct_value="50"),
                row(
                    external_id="A3",
                    national_id="095199004321",
                    full_name="Trần Thị Lan",
                    sex="F",
                    date_of_birth="03/07/1999",
                ),
            ]
        )
        self.assertEqual([o.status for o in outcomes], ["accepted", "rejected", "accepted"])
        self.assertEqual(outcomes[1].errors[0].column, "ct_value")
        self.assertEqual(sorted(TestResult.objects.values_list("external_id", flat=True)), ["A1", "A3"])
        self.assertEqual(Person.objects.count(), 4)  # nobody new: both are in the registry
