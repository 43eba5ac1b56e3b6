"""`epiwatch import roster`: a school's, enterprise's or public unit's people, matched against the registry."""

import datetime as dt

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.lib import importing
from epiwatch.lib.tests.helpers import IOTestCase
from epiwatch.people.importers import RosterImporter
from epiwatch.people.models import Person, RosterEntry

VI = [
    "Số CCCD/CMND",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Mã xã",
    "Lớp/Tổ",
    "Ca làm việc",
]
WORKERS = [
    ["095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "0912 345 678", "31816", "Tổ cấp đông", "Ca 1"],
    ["", "Trần Thị Bích", "02/05/1995", "Nữ", "", "31813", "Tổ đóng gói", "Ca 2"],
    ["095185004321", "Lê Thị Hồng", "1985", "Nữ", "", "", "Tổ đóng gói", "Ca 1"],
]


class RosterImportTests(IOTestCase):
    def roster(self, org=None):
        org = org or self.enterprise_org
        return sorted(
            RosterEntry.objects.filter(organization=org).values_list(
                "person__full_name", "person__national_id", "role", "group", "shift"
            )
        )

    def test_it_registers_the_people_and_puts_them_on_the_roster(self):
        path = self.file("cong-nhan.csv", VI, WORKERS)
        ran = self.import_("roster", path, "bl-thuysan-1")
        self.assertEqual((ran.code, ran.out), (0, "accepted 3, rejected 0, duplicates 0\n"))
        self.assertEqual(
            self.roster(),
            [
                ("Lê Thị Hồng", "095185004321", "worker", "Tổ đóng gói", "Ca 1"),
                ("Nguyễn Văn An", "095090001234", "worker", "Tổ cấp đông", "Ca 1"),
                ("Trần Thị Bích", None, "worker", "Tổ đóng gói", "Ca 2"),
            ],
        )
        an = Person.objects.get(national_id="095090001234")
        self.assertEqual(
            (an.date_of_birth, an.sex, an.phone, an.residence, an.created_by),
            (dt.date(1990, 3, 15), "M", "0912345678", self.commune_a2, self.enterprise_org),
        )
        hong = Person.objects.get(national_id="095185004321")
        self.assertEqual((hong.date_of_birth, hong.birth_year), (None, 1985))
        events = AuditEvent.objects.filter(model="people.rosterentry")
        self.assertEqual(events.count(), 3)
        self.assertEqual({(e.via, e.organization_id) for e in events}, {("command", self.enterprise_org.pk)})
        self.assertEqual(AuditEvent.objects.filter(model="people.person", action="create").count(), 3)

    def test_importing_the_same_roster_again_adds_nobody(self):
        path = self.file("cong-nhan.csv", VI, WORKERS)
        self.import_("roster", path, "bl-thuysan-1")
        again = self.import_("roster", path, "bl-thuysan-1")
        self.assertEqual(again.out, "accepted 0, rejected 0, duplicates 3\n")
        self.assertEqual((Person.objects.count(), RosterEntry.objects.count()), (3, 3))

    def test_a_changed_shift_updates_the_entry(self):
        self.import_("roster", self.file("a.csv", VI, WORKERS), "bl-thuysan-1")
        moved = [[*WORKERS[1][:7], "Ca 3"]]
        self.assertEqual(
            self.import_("roster", self.file("b.csv", VI, moved), "bl-thuysan-1").out,
            "accepted 1, rejected 0, duplicates 0\n",
        )
        self.assertEqual(RosterEntry.objects.get(person__full_name="Trần Thị Bích").shift, "Ca 3")
        self.assertEqual(Person.objects.count(), 3)

    def test_it_finds_a_registered_person_by_national_id(self):
        known = Person.objects.create(
            national_id="095090001234", full_name="Nguyễn Văn An", date_of_birth=dt.date(1990, 3, 15)
        )
        self.assertEqual(
            self.import_("roster", self.file("a.csv", VI, WORKERS[:1]), "bl-thuysan-1").out,
            "accepted 1, rejected 0, duplicates 0\n",
        )
        self.assertEqual(RosterEntry.objects.get().person, known)
        known.refresh_from_db()
        self.assertEqual(known.phone, "0912345678")  # a blank filled from the row
        self.assertEqual(Person.objects.count(), 1)

    def test_it_refuses_a_row_that_contradicts_the_registry(self):
        Person.objects.create(
            national_id="095090001234", full_name="Nguyễn Văn An", date_of_birth=dt.date(1990, 3, 16)
        )
        path = self.file("a.csv", VI, WORKERS[:2])
        self.assertEqual(
            self.import_("roster", path, "bl-thuysan-1").out, "accepted 1, rejected 1, duplicates 0\n"
        )
        self.assertEqual(
            self.errors_of(path)[1][-1],
            "row 2, column national_id: date_of_birth differs from the registry (16/03/1990)",
        )
        self.assertEqual([r[0] for r in self.roster()], ["Trần Thị Bích"])

    def test_it_rejects_bad_rows_with_the_reason_and_keeps_the_good_ones(self):
        rows = [
            WORKERS[0],
            ["12345", "Phạm Văn Dũng", "01/01/1990", "Nam", "", "", "", ""],
            ["095090001235", "Phạm Văn Em", "01/01/1991", "Nam", "", "", "", ""],
            ["", "Võ Thị Gấm", "31/02/2001", "Nữ", "", "", "", ""],
            ["", "Đỗ Văn Hải", "01/01/2090", "Nam", "", "", "", ""],
            ["", "Bùi Thị Khánh", "01/01/2000", "Nữ", "12345", "", "", ""],
            ["", "Hồ Văn Lâm", "01/01/2000", "Nam", "", "99999", "", ""],
            ["", "", "01/01/2000", "Nam", "", "", "", ""],
            ["", "Mai Văn Minh", "", "Nam", "", "", "", ""],
            ["", "Trịnh Thị Nga", "01/01/2000", "Không biết", "", "", "", ""],
            WORKERS[1],
        ]
        path = self.file("a.csv", VI, rows)
        ran = self.import_("roster", path, "bl-thuysan-1")
        self.assertEqual(ran.out, "accepted 2, rejected 9, duplicates 0\n")
        self.assertEqual(
            [e[-1] for e in self.errors_of(path)[1:]],
            [
                "row 3, column national_id: national ID '12345' has 5 digits; a CCCD has 12 and a CMND 9",
                "row 4, column national_id: 095090001235 is the number of a male person born in 1990; the row says otherwise",
                "row 5, column date_of_birth: '31/02/2001' is not a date",
                "row 6, column date_of_birth: '01/01/2090' is in the future",
                "row 7, column phone: '12345' is not a Vietnamese phone number",
                "row 8, column commune_code: unknown commune code '99999' in dataset vn-2021",
                "row 9, column full_name: a value is required",
                "row 10, column date_of_birth: a person without a national ID needs a date (or year) of birth",
                "row 11, column sex: 'Không biết' is not one of: M, F, U, nam, nữ, male, female, không rõ, unknown",
            ],
        )
        self.assertEqual([r[0] for r in self.roster()], ["Nguyễn Văn An", "Trần Thị Bích"])
        self.assertEqual(Person.objects.count(), 2)

    def test_a_person_twice_in_the_file_is_counted_once(self):
        rows = [WORKERS[0], WORKERS[1], WORKERS[0], [*WORKERS[1][:7], "Ca 3"]]
        path = self.file("a.csv", VI, rows)
        self.assertEqual(
            self.import_("roster", path, "bl-thuysan-1").out, "accepted 2, rejected 1, duplicates 1\n"
        )
        self.assertEqual(
            self.errors_of(path)[1][-1], "row 5: the same person as row 3, but with different details"
        )
        self.assertEqual((Person.objects.count(), RosterEntry.objects.count()), (2, 2))

    def test_it_reads_windows_1258_and_utf16_with_names_intact(self):
        for encoding in ("cp1258", "utf-16"):
            RosterEntry.objects.all().delete()
            path = self.file(f"{encoding}.csv", VI, WORKERS, encoding=encoding, delimiter="\t")
            self.assertEqual(self.import_("roster", path, "bl-thuysan-1").out[:10], "accepted 3")
            self.assertEqual([r[0] for r in self.roster()], ["Lê Thị Hồng", "Nguyễn Văn An", "Trần Thị Bích"])
        self.assertEqual(Person.objects.count(), 3)

    def test_it_reads_a_workbook_whose_ids_excel_turned_into_numbers(self):
        def build(wb):
            sheet = wb.active
            sheet.append(["DANH SÁCH HỌC SINH"])
            sheet.append(["Họ và tên", "Ngày sinh", "CCCD", "Lớp"])
            sheet.append(["Nguyễn Văn An", dt.datetime(2008, 3, 15), 95208001234, "10A1"])  # leading 0 lost
            sheet.append(["Trần Thị Bích", "2008", None, "10A2"])

        ran = self.import_("roster", self.xlsx("hs.xlsx", build), "bl-thpt-1")
        self.assertEqual(ran.out, "accepted 2, rejected 0, duplicates 0\n")
        self.assertEqual(
            self.roster(self.school_org),
            [
                ("Nguyễn Văn An", "095208001234", "student", "10A1", ""),
                ("Trần Thị Bích", None, "student", "10A2", ""),
            ],
        )

    def test_it_says_why_a_file_cannot_be_read(self):
        cases = {
            "empty.csv": (b"", "The file is empty."),
            "header.csv": (
                ",".join(VI).encode() + b"\r\n\r\n",
                "The file has a header row but no data rows.",
            ),
            "photo.xlsx": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "This file is not a spreadsheet"),
            "no-name.csv": (
                b"CCCD,Ngay sinh\n095090001234,15/03/1990\n",
                "Missing required column(s): full_name (Họ và tên).",
            ),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name):
                ran = self.import_("roster", self.raw(name, content), "bl-thuysan-1")
                self.assertEqual(ran.code, 1)
                self.assertIn(message, ran.err)
        self.assertFalse(Person.objects.exists())

    def test_only_schools_enterprises_and_public_units_have_rosters(self):
        ran = self.import_("roster", self.file("a.csv", VI, WORKERS), "bl-tyt-31813")
        self.assertEqual(ran.code, 2)
        self.assertIn("A roster belongs to a school, an enterprise or a public unit; bl-tyt-31813", ran.err)
        self.assertFalse(Person.objects.exists())

    def test_a_user_may_import_only_their_own_organizations_roster(self):
        path = self.file("a.csv", VI, WORKERS)
        with self.assertRaises(importing.ImportRefused):
            importing.run(
                RosterImporter(),
                path,
                importing.Context(organization=self.enterprise_org, scope=access.scope_for(self.school)),
            )
        result = importing.run(
            RosterImporter(),
            path,
            importing.Context(organization=self.enterprise_org, scope=access.scope_for(self.enterprise)),
        )
        self.assertEqual(result.accepted, 3)

    def test_a_dry_run_registers_nobody(self):
        ran = self.import_("roster", self.file("a.csv", VI, WORKERS), "bl-thuysan-1", "--dry-run")
        self.assertEqual(ran.out, "accepted 3, rejected 0, duplicates 0\n")
        self.assertFalse(Person.objects.exists())
        self.assertFalse(RosterEntry.objects.exists())
        self.assertFalse(AuditEvent.objects.exists())

    def test_the_template_imports(self):
        path = self.dir / "template.xlsx"
        importing.write_template(RosterImporter, path)
        self.assertEqual(
            self.import_("roster", path, "bl-thuysan-1", "--dry-run").out,
            "accepted 2, rejected 0, duplicates 0\n",
        )
