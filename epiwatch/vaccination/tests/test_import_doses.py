"""`epiwatch import doses FILE --org CODE`: doses matched to people, idempotent, bad input reported by row."""

import datetime as dt

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.lib import importing
from epiwatch.people.models import Person, RosterEntry
from epiwatch.vaccination.importers import DoseImporter
from epiwatch.vaccination.models import Dose, VaccinationStatus
from epiwatch.vaccination.tests.base import DOSE_HEADER, VaccinationTestCase

AN = ["095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "0912345678", "31813"]
BICH = ["", "Trần Thị Bích", "02/05/1995", "Nữ", "", "31816"]
VI_HEADER = ["Mã mũi tiêm", "Số CCCD/CMND", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Mã xã",
             "Mũi số", "Tên vắc xin", "Ngày tiêm", "Số lô"]  # fmt: skip


def row(external_id, person, number, product, day, lot="L1"):
    return [external_id, *person, str(number), product, day, lot]


class DoseImportTests(VaccinationTestCase):
    def doses(self):
        return sorted(
            Dose.objects.values_list(
                "person__full_name", "dose_number", "product__code", "given_on", "needs_review"
            )
        )

    def test_it_records_doses_and_registers_the_people(self):
        path = self.file(
            "mui-tiem.csv",
            VI_HEADER,
            [
                row("T1", AN, 1, "AstraZeneca", "12/08/2021"),
                row("T2", AN, 2, "Pfizer", "04/10/2021"),
                row("T3", BICH, 1, "Vero Cell", "01/09/2021"),
            ],
        )
        ran = self.import_("doses", path, "bl-tyt-31813")
        self.assertEqual((ran.code, ran.out), (0, "accepted 3, rejected 0, duplicates 0\n"))
        self.assertEqual(
            self.doses(),
            [
                ("Nguyễn Văn An", 1, "astrazeneca", dt.date(2021, 8, 12), False),
                ("Nguyễn Văn An", 2, "pfizer", dt.date(2021, 10, 4), False),
                ("Trần Thị Bích", 1, "sinopharm", dt.date(2021, 9, 1), False),
            ],
        )
        an = Person.objects.get(national_id="095090001234")
        self.assertEqual(an.residence, self.commune_a1)
        status = VaccinationStatus.objects.get(person=an)
        self.assertEqual((status.first_on, status.full_on, status.area_id), (dt.date(2021, 8, 12),
                                                                            dt.date(2021, 10, 4), self.commune_a1.pk))  # fmt: skip
        self.assertEqual(AuditEvent.objects.filter(model="vaccination.dose", action="create").count(), 3)
        self.assertEqual(
            {(e.via, e.organization_id) for e in AuditEvent.objects.filter(model="vaccination.dose")},
            {("command", self.commune_org.pk)},
        )

    def test_importing_the_same_file_again_adds_nothing(self):
        path = self.file(
            "a.csv",
            DOSE_HEADER,
            [row("T1", AN, 1, "AZ", "12/08/2021"), row("", BICH, 1, "Pfizer", "01/09/2021")],
        )
        self.import_("doses", path, "bl-tyt-31813")
        ran = self.import_("doses", path, "bl-tyt-31813")
        self.assertEqual(ran.out, "accepted 0, rejected 0, duplicates 2\n")
        self.assertEqual(Dose.objects.count(), 2)
        self.assertEqual(Person.objects.count(), 2)

    # --- bad input: each row says what is wrong, the valid rows are kept, nothing is stored twice

    def assert_rejected(self, rows, expected_errors, accepted, org="bl-tyt-31813"):
        path = self.file("bad.csv", DOSE_HEADER, rows)
        ran = self.import_("doses", path, org)
        self.assertEqual(ran.code, 0, ran.err)
        self.assertEqual(ran.out, f"accepted {accepted}, rejected {len(expected_errors)}, duplicates 0\n")
        errors = [r[-1] for r in self.errors_of(path)[1:]]
        self.assertEqual(errors, expected_errors)
        return path

    def test_it_accepts_the_usual_spellings_of_the_vaccines(self):
        spellings = ["AZ", "Astra Zeneca", "Vắc xin AstraZeneca (Covishield)", "Phai-zơ", "PFIZER-BioNTech",
                     "Vero Cell", "Sinopharm", "moderna", "Sputnik V", "Abdala", "Hayat-Vax", "Janssen"]  # fmt: skip
        rows = [
            row(
                f"S{i}",
                [f"0950900{i:05d}", f"Người {i}", "15/03/1990", "Nam", "", "31813"],
                1,
                name,
                "01/10/2021",
            )
            for i, name in enumerate(spellings)
        ]
        path = self.file("spellings.csv", DOSE_HEADER, rows)
        self.assertEqual(
            self.import_("doses", path, "bl-tyt-31813").out, "accepted 12, rejected 0, duplicates 0\n"
        )
        self.assertEqual(
            sorted(d for _n, _num, d, _g, _r in self.doses()),
            sorted(["astrazeneca"] * 3 + ["pfizer"] * 2 + ["sinopharm"] * 2
                   + ["moderna", "sputnik_v", "abdala", "hayat_vax", "janssen"]),
        )  # fmt: skip

    def test_an_unknown_vaccine_is_refused_with_the_known_ones(self):
        self.assert_rejected(
            [row("T1", AN, 1, "Covaxin", "01/10/2021"), row("T2", BICH, 1, "Pfizer", "01/10/2021")],
            [
                "row 2, column product: 'Covaxin' is not a known vaccine; known: Abdala, AstraZeneca, Hayat-Vax, "
                "Janssen, Moderna, Pfizer-BioNTech, Sinopharm, Sputnik V"
            ],
            accepted=1,
        )
        self.assertEqual(self.doses(), [("Trần Thị Bích", 1, "pfizer", dt.date(2021, 10, 1), False)])

    def test_dates_before_birth_before_approval_or_in_the_future_are_refused(self):
        self.assert_rejected(
            [
                row("T1", AN, 1, "Pfizer", "01/02/1989"),
                row("T2", AN, 1, "Pfizer", "01/06/2021"),
                row("T3", AN, 1, "Moderna", "01/01/2099"),
                row("T4", AN, 1, "Moderna", "01/07/2021"),
            ],
            [
                "row 2, column given_on: 01/02/1989 is before the person was born (15/03/1990)",
                "row 3, column given_on: 01/06/2021 is before Pfizer-BioNTech was approved for use (12/06/2021)",
                "row 4, column given_on: 01/01/2099 is in the future",
            ],
            accepted=1,
        )
        self.assertEqual(self.doses(), [("Nguyễn Văn An", 1, "moderna", dt.date(2021, 7, 1), False)])

    def test_a_birth_known_only_to_the_registry_is_checked_too(self):
        # personal numbers are given at birth: a baby of 2021 in the registry, a row that omits the birth date
        self.person("Nguyễn Văn Bé", "2021-03-15", self.commune_a1, national_id="095221001234", sex="M")
        no_birth = ["095221001234", "Nguyễn Văn Bé", "", "Nam", "", "31813"]
        self.assert_rejected(
            [row("T1", no_birth, 1, "AZ", "01/03/2021")],
            ["row 2, column given_on: 01/03/2021 is before the person was born (15/03/2021)"],
            accepted=0,
        )

    def test_a_dose_number_taken_or_out_of_order_is_refused(self):
        self.import_(
            "doses",
            self.file("first.csv", DOSE_HEADER, [row("T1", AN, 1, "AZ", "12/08/2021")]),
            "bl-tyt-31813",
        )
        self.assert_rejected(
            [
                row("T2", AN, 1, "Pfizer", "04/10/2021"),
                row("T3", AN, 2, "Pfizer", "01/08/2021"),
                row("T4", AN, 3, "Pfizer", "12/08/2021"),
                row("T5", AN, 2, "Pfizer", "04/10/2021"),
            ],
            [
                "row 2, column dose_number: dose 1 is already recorded (AstraZeneca on 12/08/2021)",
                "row 3, column dose_number: dose 2 on 01/08/2021 is out of order with dose 1 on 12/08/2021",
                "row 4, column given_on: dose 1 was already given on 12/08/2021; two doses on one day cannot both "
                "be right",
            ],
            accepted=1,
        )
        self.assertEqual(
            [(n, p, d) for _name, n, p, d, _r in self.doses()],
            [(1, "astrazeneca", dt.date(2021, 8, 12)), (2, "pfizer", dt.date(2021, 10, 4))],
        )

    def test_a_dose_number_out_of_range_is_refused(self):
        self.assert_rejected(
            [row("T1", AN, 0, "AZ", "12/08/2021"), row("T2", AN, 12, "AZ", "12/09/2021")],
            [
                "row 2, column dose_number: 0 is below the minimum of 1",
                "row 3, column dose_number: 12 is above the maximum of 9",
            ],
            accepted=0,
        )

    def test_an_interval_too_short_is_stored_and_flagged(self):
        path = self.file(
            "short.csv",
            DOSE_HEADER,
            [row("T1", AN, 1, "Pfizer", "01/09/2021"), row("T2", AN, 2, "Pfizer", "10/09/2021")],
        )
        self.assertEqual(
            self.import_("doses", path, "bl-tyt-31813").out, "accepted 2, rejected 0, duplicates 0\n"
        )
        second = Dose.objects.get(dose_number=2)
        self.assertEqual(
            (second.needs_review, second.review_note),
            (True, "9 days after the previous dose; Pfizer-BioNTech needs at least 21"),
        )
        self.assertEqual(
            VaccinationStatus.objects.get().full_on, dt.date(2021, 9, 10)
        )  # counted, only flagged

    def test_a_later_row_of_an_earlier_dose_clears_the_missing_dose_flag(self):
        path = self.file(
            "reversed.csv",
            DOSE_HEADER,
            [row("T2", AN, 2, "Pfizer", "04/10/2021"), row("T1", AN, 1, "AZ", "12/08/2021")],
        )
        self.assertEqual(
            self.import_("doses", path, "bl-tyt-31813").out, "accepted 2, rejected 0, duplicates 0\n"
        )
        self.assertEqual(Dose.objects.filter(needs_review=True).count(), 0)
        only_second = self.file("second.csv", DOSE_HEADER, [row("X2", BICH, 2, "Pfizer", "04/10/2021")])
        self.import_("doses", only_second, "bl-tyt-31813")
        self.assertEqual(Dose.objects.get(external_id="X2").review_note, "dose 1 not recorded")

    def test_an_external_id_reused_for_another_dose_is_refused(self):
        self.import_(
            "doses", self.file("a.csv", DOSE_HEADER, [row("T1", AN, 1, "AZ", "12/08/2021")]), "bl-tyt-31813"
        )
        self.assert_rejected(
            [row("T1", AN, 1, "Pfizer", "12/08/2021")],
            ["row 2, column external_id: T1 is already the id of another dose (AstraZeneca #1 12/08/2021)"],
            accepted=0,
        )

    def test_the_same_dose_twice_in_a_file_is_a_duplicate_and_a_changed_one_a_conflict(self):
        path = self.file(
            "twice.csv",
            DOSE_HEADER,
            [
                row("T1", AN, 1, "AZ", "12/08/2021"),
                row("T1", AN, 1, "AZ", "12/08/2021"),
                row("T1", AN, 1, "AZ", "13/08/2021"),
            ],
        )
        ran = self.import_("doses", path, "bl-tyt-31813")
        self.assertEqual(ran.out, "accepted 1, rejected 1, duplicates 1\n")
        self.assertEqual(
            [r[-1] for r in self.errors_of(path)[1:]],
            ["row 4: the same dose as row 2, but with different details"],
        )
        self.assertEqual(Dose.objects.count(), 1)

    def test_a_row_contradicting_the_registry_is_refused_and_the_record_kept(self):
        self.person("Nguyễn Văn An", "1990-03-15", self.commune_a1, national_id="095090001234", sex="M")
        other_birth = ["095090001234", "Nguyễn Văn An", "16/03/1990", "Nam", "", "31813"]
        self.assert_rejected(
            [row("T1", other_birth, 1, "AZ", "12/08/2021")],
            ["row 2, column national_id: date_of_birth differs from the registry (15/03/1990)"],
            accepted=0,
        )
        self.assertEqual(Person.objects.get().date_of_birth, dt.date(1990, 3, 15))

    def test_a_bad_national_id_is_refused_by_the_registrys_rules(self):
        bad = ["09509000123", "Nguyễn Văn An", "15/03/1990", "Nam", "", "31813"]
        path = self.file("id.csv", DOSE_HEADER, [row("T1", bad, 1, "AZ", "12/08/2021")])
        ran = self.import_("doses", path, "bl-tyt-31813")
        self.assertEqual(ran.out, "accepted 0, rejected 1, duplicates 0\n")
        self.assertIn("row 2, column national_id:", self.errors_of(path)[1][-1])

    def test_a_school_records_doses_of_its_students_only(self):
        student = self.person(
            "Lê Minh Khoa", "2006-04-02", self.commune_a1, national_id="095206001111", sex="M"
        )
        RosterEntry.objects.create(organization=self.school_org, person=student)
        khoa = ["095206001111", "Lê Minh Khoa", "02/04/2006", "Nam", "", "31813"]
        people_before = Person.objects.count()
        self.assert_rejected(
            [row("S1", khoa, 1, "Pfizer", "01/11/2021"), row("S2", AN, 1, "Pfizer", "01/11/2021")],
            ["row 3: this person is not on the roster of THPT Bạc Liêu"],
            accepted=1,
            org="bl-thpt-1",
        )
        self.assertEqual(Person.objects.count(), people_before)  # nobody registered by the refused row
        self.assertEqual(Dose.objects.get().person, student)

    def test_a_dry_run_checks_everything_and_stores_nothing(self):
        path = self.file(
            "dry.csv", DOSE_HEADER, [row("T1", AN, 1, "AZ", "12/08/2021"), row("T2", AN, 2, "?", "x")]
        )
        ran = self.import_("doses", path, "bl-tyt-31813", "--dry-run")
        self.assertEqual(ran.out, "accepted 1, rejected 1, duplicates 0\n")
        self.assertEqual(
            (Dose.objects.count(), Person.objects.count(), VaccinationStatus.objects.count()), (0, 0, 0)
        )

    def test_a_preview_batch_by_batch_writes_nothing(self):
        # the background worker's preview: options["preview"], no long transaction to roll back
        path = self.file(
            "preview.csv",
            DOSE_HEADER,
            [
                row("T1", AN, 1, "AZ", "12/08/2021"),
                row("T2", AN, 1, "AZ", "12/09/2021"),
                row("T3", BICH, 1, "?", "x"),
            ],
        )
        context = importing.Context(
            organization=self.commune_org, scope=access.FULL, options={"preview": True}
        )
        result = importing.run(DoseImporter(), path, context)
        self.assertEqual((result.accepted, result.rejected), (1, 2))
        by_row = {e.row: e.message for e in result.errors}
        self.assertEqual(by_row[3], "dose 1 is already recorded (AstraZeneca on 12/08/2021)")
        self.assertEqual(
            (Dose.objects.count(), Person.objects.count(), AuditEvent.objects.count()), (0, 0, 0)
        )
