"""`epiwatch import facilities` and `epiwatch import admissions`: each bad row reported with its row and column,
nothing valid lost or doubled, the same file twice changes nothing."""

import datetime as dt

from epiwatch.care import admissions as moves
from epiwatch.care.models import Admission, CapacityChange, Facility
from epiwatch.care.tests.base import CareTestCase, at, make_case
from epiwatch.cases.models import Classification, Severity

FACILITY_HEADER = [
    "Mã cơ sở",
    "Tên cơ sở",
    "Loại cơ sở",
    "Mã địa bàn",
    "Tầng điều trị",
    "Mã đơn vị quản lý",
    "Cơ sở trưng dụng",
    "Áp dụng từ ngày",
    "Giường tầng 1",
    "Giường tầng 2",
    "Giường tầng 3",
    "Giường hồi sức tích cực",
    "Máy thở",
    "Bác sĩ",
    "Bác sĩ hồi sức",
    "Điều dưỡng",
]


def facility_row(code="bl-ktx-a", tiers="1", beds=("300", "", ""), day="05/11/2021", **over):
    row = {
        "code": code,
        "name": "Ký túc xá Khu A",
        "kind": "bệnh viện dã chiến",
        "area": "31813",
        "tiers": tiers,
        "org": "",
        "site": "ký túc xá",
        "day": day,
        "t1": beds[0],
        "t2": beds[1],
        "t3": beds[2],
        "icu": "",
        "vent": "",
        "doctors": "4",
        "icu_doctors": "",
        "nurses": "15",
    }
    row.update(over)
    return list(row.values())


class FacilityImportTests(CareTestCase):
    def test_it_creates_facilities_with_their_capacity_from_a_day(self):
        path = self.file(
            "co-so.csv",
            FACILITY_HEADER,
            [
                facility_row(),
                facility_row(day="01/12/2021", beds=("350", "", "")),
                facility_row(
                    "bl-bvdk",
                    tiers="2,3",
                    beds=("", "10", "8"),
                    day="04/11/2021",
                    icu="4",
                    org="bl-bvdk",
                    kind="bệnh viện",
                    site="",
                    area="31816",
                ),
            ],
        )
        ran = self.import_("facilities", path, "bl-soyte")
        self.assertEqual((ran.code, ran.lines[-1]), (0, "accepted 3, rejected 0, duplicates 0"))
        ktx = Facility.objects.get(code="bl-ktx-a")
        self.assertEqual((ktx.kind, ktx.site, ktx.tiers), ("field_hospital", "dormitory", (1,)))
        self.assertEqual([c.beds_tier_1 for c in ktx.capacity_changes.order_by("effective_from")], [300, 350])
        self.assertEqual(ktx.capacity_on(dt.date(2021, 11, 4)), None)
        hospital = Facility.objects.get(code="bl-bvdk")
        self.assertEqual(hospital.capacity_on(dt.date(2021, 11, 4)).icu_beds, 4)
        self.assertEqual(CapacityChange.objects.filter(facility=hospital).count(), 2)

    def test_the_same_file_twice_changes_nothing(self):
        path = self.file("co-so.csv", FACILITY_HEADER, [facility_row(), facility_row("bl-ktx-b")])
        self.import_("facilities", path, "bl-soyte")
        ran = self.import_("facilities", path, "bl-soyte")
        self.assertEqual(ran.lines[-1], "accepted 0, rejected 0, duplicates 2")
        self.assertEqual(CapacityChange.objects.filter(facility__code__startswith="bl-ktx").count(), 2)

    def test_bad_rows_are_reported_with_row_and_column_and_the_good_ones_kept(self):
        path = self.file(
            "co-so.csv",
            FACILITY_HEADER,
            [
                facility_row("ok-1"),
                facility_row("neg", beds=("-5", "", "")),  # row 3
                facility_row("tier3", beds=("10", "", "5")),  # row 4: tier 3 not served
                facility_row("icu", tiers="3", beds=("", "", "5"), icu="6"),  # row 5
                facility_row("nowhere", area="99999"),  # row 6
                facility_row("outside", area="06757"),  # row 7: another province
                facility_row("tiers", tiers="4"),  # row 8
                facility_row("kind", kind="bãi đỗ xe"),  # row 9
                facility_row("nodate", day=""),  # row 10: figures without a day
                facility_row("ok-2"),
            ],
        )
        ran = self.import_("facilities", path, "bl-soyte")
        self.assertEqual(ran.lines[-1], "accepted 2, rejected 8, duplicates 0")
        errors = {row[0]: row[-1] for row in self.errors_of(path)[1:]}
        self.assertIn("column beds_tier_1: '-5' is negative", errors["neg"])
        self.assertIn("row 4, column beds_tier_3", errors["tier3"])
        self.assertIn("does not serve tier 3", errors["tier3"])
        self.assertIn("row 5, column icu_beds", errors["icu"])
        self.assertIn("column area_code: unknown area code '99999'", errors["nowhere"])
        self.assertIn("outside your area", errors["outside"])
        self.assertIn("column tiers", errors["tiers"])
        self.assertIn("column kind", errors["kind"])
        self.assertIn("column effective_from", errors["nodate"])
        self.assertEqual(
            set(Facility.objects.filter(code__startswith="ok-").values_list("code", flat=True)),
            {"ok-1", "ok-2"},
        )
        self.assertFalse(Facility.objects.filter(code="neg").exists())

    def test_a_district_records_facilities_of_its_district_only(self):
        path = self.file(
            "co-so.csv", FACILITY_HEADER, [facility_row("mine"), facility_row("theirs", area="31840")]
        )
        ran = self.import_("facilities", path, "bl-ttyt-954")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 1, duplicates 0")
        # a facility code of another district is not taken over either
        path = self.file("co-so-2.csv", FACILITY_HEADER, [facility_row("bl-bv-956", area="31813")])
        ran = self.import_("facilities", path, "bl-ttyt-954")
        self.assertIn("facility of another area", self.errors_of(path)[1][-1])
        self.assertEqual(Facility.objects.get(code="bl-bv-956").area, self.commune_b1)

    def test_a_hospital_does_not_import_facilities(self):
        path = self.file("co-so.csv", FACILITY_HEADER, [facility_row()])
        ran = self.import_("facilities", path, "bl-bvdk")
        self.assertEqual(ran.code, 2)


ADMISSION_HEADER = [
    "Mã ca bệnh",
    "Số CCCD/CMND",
    "Mã cơ sở",
    "Tầng",
    "Thời điểm nhập viện",
    "Hỗ trợ",
    "Thời điểm ra viện",
    "Lý do ra viện",
]


class AdmissionImportTests(CareTestCase):
    def setUp(self):
        super().setUp()
        self.a = make_case(self.commune_a1, Severity.SEVERE, national_id="095190000001")
        self.b = make_case(self.commune_a1, Severity.MODERATE, national_id="095190000002")
        self.c = make_case(self.commune_b1, Severity.MILD, national_id="095190000003")

    def test_a_hospital_records_admissions_transfers_and_discharges(self):
        moves.admit(self.a, self.field, 2, at(1))
        path = self.file(
            "nhap-vien.csv",
            ADMISSION_HEADER,
            [
                [
                    str(self.a.public_id),
                    "",
                    "bl-bvdk",
                    "3",
                    "02/11/2021 08:00",
                    "thở máy",
                    "",
                    "",
                ],  # a transfer
                [
                    "",
                    "095190000002",
                    "bl-bvdk",
                    "tầng 2",
                    "01/11/2021 08:00",
                    "oxy",
                    "03/11/2021 10:00",
                    "khỏi bệnh",
                ],
                ["", "095190000003", "bl-bvdk", "2", "03/11/2021 09:00", "", "", ""],  # from another district
            ],
        )
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 3, rejected 0, duplicates 0")
        first = Admission.objects.get(case=self.a, facility=self.field)
        self.assertEqual(
            (first.discharge_reason, first.transferred_to.facility), ("transferred", self.hospital)
        )
        self.assertEqual(Admission.objects.get(case=self.a, discharged_at=None).support, "ventilator")
        b = Admission.objects.get(case=self.b)
        self.assertEqual((b.discharge_reason, b.discharged_at), ("recovered", at(3)))
        self.b.refresh_from_db()
        self.assertEqual(self.b.outcome, "recovered")
        # again: nothing new
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 0, rejected 0, duplicates 3")
        self.assertEqual(Admission.objects.count(), 4)

    def test_the_same_stay_again_records_its_discharge(self):
        path = self.file(
            "a.csv", ADMISSION_HEADER, [["", "095190000002", "bl-bvdk", "2", "01/11/2021 08:00", "", "", ""]]
        )
        self.import_("admissions", path, "bl-bvdk")
        path = self.file(
            "b.csv",
            ADMISSION_HEADER,
            [
                [
                    "",
                    "095190000002",
                    "bl-bvdk",
                    "2",
                    "01/11/2021 08:00",
                    "",
                    "04/11/2021 07:00",
                    "chuyển chăm sóc tại nhà",
                ]
            ],
        )
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 0, duplicates 0")
        stay = Admission.objects.get()
        self.assertEqual(stay.discharge_reason, "home_care")

    def test_bad_rows_are_reported_and_the_good_ones_kept(self):
        not_a_case = make_case(
            self.commune_a1, classification=Classification.DISCARDED, national_id="095190000009"
        )
        path = self.file(
            "nhap-vien.csv",
            ADMISSION_HEADER,
            [
                ["", "095190000001", "bl-bvdk", "3", "02/11/2021 08:00", "", "", ""],  # fine
                ["", "095190000009", "bl-bvdk", "2", "02/11/2021 08:00", "", "", ""],  # row 3: discarded case
                ["", "095190000099", "bl-bvdk", "2", "02/11/2021 08:00", "", "", ""],  # row 4: nobody's case
                [str(not_a_case.public_id), "", "bl-bvdk", "2", "02/11/2021 08:00", "", "", ""],  # row 5
                [
                    "",
                    "095190000002",
                    "bl-bvdk",
                    "2",
                    "03/11/2021 08:00",
                    "",
                    "02/11/2021 08:00",
                    "khỏi bệnh",
                ],  # row 6
                [
                    "",
                    "095190000003",
                    "bl-bvdk",
                    "1",
                    "02/11/2021 08:00",
                    "",
                    "",
                    "",
                ],  # row 7: tier 1 not served
                [
                    "",
                    "095190000003",
                    "bl-bvdc-1",
                    "1",
                    "02/11/2021 08:00",
                    "",
                    "",
                    "",
                ],  # row 8: not its facility
                ["", "095190000003", "bl-bvdk", "2", "09/11/2021 08:00", "", "", ""],  # row 9: in the future
                [
                    "",
                    "095190000003",
                    "bl-bvdk",
                    "2",
                    "02/11/2021 08:00",
                    "",
                    "",
                    "tử vong",
                ],  # row 10: reason alone
                ["", "", "bl-bvdk", "2", "02/11/2021 08:00", "", "", ""],  # row 11: no case named
                [
                    "",
                    "095190000003",
                    "bl-bvdk",
                    "2",
                    "02/11/2021 09:00",
                    "thở máy",
                    "",
                    "",
                ],  # row 12: ventilator in tier 2
            ],
        )
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 10, duplicates 0")
        errors = [row[-1] for row in self.errors_of(path)[1:]]
        expected = [
            ("row 3, column national_id", "is not a case"),
            ("row 4, column national_id", "is not a case"),
            ("row 5, column case_id", "is not a case"),
            ("row 6, column discharged_at", "before the admission"),
            ("row 7, column tier", "does not serve tier 1"),
            ("row 8, column facility_code", "is not a facility of"),
            ("row 9, column admitted_at", "in the future"),
            ("row 10, column discharged_at", "without the discharge time"),
            ("row 11, column case_id", "give the case id or the national ID"),
            ("row 12, column support", "tier 3"),
        ]
        self.assertEqual(len(errors), len(expected))
        for error, (where, what) in zip(errors, expected, strict=True):
            self.assertIn(where, error)
            self.assertIn(what, error)
        self.assertEqual(list(Admission.objects.values_list("case", flat=True)), [self.a.pk])

    def test_a_row_overlapping_a_stay_is_refused_with_its_row(self):
        moves.admit(self.b, self.field, 2, at(3))
        path = self.file(
            "a.csv",
            ADMISSION_HEADER,
            [
                [
                    "",
                    "095190000002",
                    "bl-bvdk",
                    "2",
                    "01/11/2021 08:00",
                    "",
                    "02/11/2021 08:00",
                    "khỏi bệnh",
                ],  # before: fine
                [
                    "",
                    "095190000002",
                    "bl-bvdk",
                    "2",
                    "02/11/2021 09:00",
                    "",
                    "",
                    "",
                ],  # open from before the open stay
            ],
        )
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 1, duplicates 0")
        self.assertIn("row 3", self.errors_of(path)[1][-1])
        self.assertIn("already in Bệnh viện dã chiến số 1", self.errors_of(path)[1][-1])

    def test_conflicting_rows_of_one_file(self):
        path = self.file(
            "a.csv",
            ADMISSION_HEADER,
            [
                ["", "095190000002", "bl-bvdk", "2", "01/11/2021 08:00", "", "", ""],
                ["", "095190000002", "bl-bvdk", "2", "01/11/2021 08:00", "", "", ""],
                ["", "095190000002", "bl-bvdk", "3", "01/11/2021 08:00", "", "", ""],
            ],
        )
        ran = self.import_("admissions", path, "bl-bvdk")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 1, duplicates 1")
        self.assertIn("row 4", self.errors_of(path)[1][-1])

    def test_a_district_admits_its_residents_only(self):
        path = self.file(
            "a.csv",
            ADMISSION_HEADER,
            [
                ["", "095190000001", "bl-bvdc-1", "2", "02/11/2021 08:00", "", "", ""],
                ["", "095190000003", "bl-bvdc-1", "1", "02/11/2021 08:00", "", "", ""],
            ],
        )
        ran = self.import_("admissions", path, "bl-ttyt-954")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 1, duplicates 0")
        self.assertIn("not one you may admit", self.errors_of(path)[1][-1])

    def test_dry_run_stores_nothing(self):
        path = self.file(
            "a.csv", ADMISSION_HEADER, [["", "095190000002", "bl-bvdk", "2", "01/11/2021 08:00", "", "", ""]]
        )
        ran = self.import_("admissions", path, "bl-bvdk", "--dry-run")
        self.assertEqual(ran.lines[-1], "accepted 1, rejected 0, duplicates 0")
        self.assertFalse(Admission.objects.exists())

    def test_an_organization_without_a_facility_records_no_admissions(self):
        path = self.file(
            "a.csv", ADMISSION_HEADER, [["", "095190000002", "bl-bvdk", "2", "01/11/2021 08:00", "", "", ""]]
        )
        self.assertEqual(self.import_("admissions", path, "bl-lab").code, 2)
