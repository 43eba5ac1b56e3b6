"""labs.pipeline.submit: matching, authorization, idempotent storing, review flags and the audit trail."""

import datetime as dt

from django.contrib.auth.models import User

from epiwatch.accounts.models import AuditEvent
from epiwatch.labs.models import TestResult
from epiwatch.labs.pipeline import Context, SubmissionRefused, check_submitter, stream
from epiwatch.labs.tests.base import ResultsTestCase, local, row
from epiwatch.people.models import DuplicateCandidate, Person
from epiwatch.tasks.models import Task


def lan(**values):
    return row(
        national_id="095199004321",
        full_name="Trần Thị Lan",
        sex="F",
        date_of_birth="03/07/1999",
        commune_code="31840",
        **values,
    )


class StoreTests(ResultsTestCase):
    def test_it_stores_a_result_for_a_registered_person(self):
        [outcome] = self.submit([row(external_id="S1", ct_value="31", reason="tiếp xúc")])
        result = TestResult.objects.get()
        self.assertEqual(
            (outcome.status, outcome.result_id, outcome.person_id),
            ("accepted", result.public_id, self.duc.public_id),
        )
        self.assertEqual(
            (
                result.person,
                result.test_type,
                result.result,
                str(result.ct_value),
                result.reason,
                result.submitter,
            ),
            (self.duc, "rt_pcr", "negative", "31.0", "contact", self.lab_org),
        )
        self.assertEqual((result.sampled_at, result.resulted_at), (local(2), local(2, 19, 0)))
        self.assertFalse(result.needs_review)

    def test_it_sets_area_and_province_from_the_residence(self):
        self.submit([row(external_id="S1"), lan(external_id="S2")])
        self.assertEqual(
            dict(TestResult.objects.values_list("external_id", "area__code")), {"S1": "31813", "S2": "31840"}
        )
        self.assertEqual(set(TestResult.objects.values_list("province_code", flat=True)), {"95"})

    def test_it_falls_back_to_the_submitters_area_when_the_residence_is_unknown(self):
        self.submit(
            [row(national_id="", full_name="Võ Văn Tư", date_of_birth="1970", commune_code="")],
            org=self.commune_org,
        )
        result = TestResult.objects.get()
        self.assertEqual((result.area, result.province_code), (self.commune_a1, "95"))

    def test_it_registers_a_person_the_registry_does_not_know(self):
        [outcome] = self.submit(
            [
                row(
                    national_id="095301000777",
                    full_name="Phạm Thu Hà",
                    date_of_birth="12/12/2001",
                    sex="nữ",
                    phone="0987 654 321",
                    commune_code="31816",
                    address="Khóm 2",
                )
            ]
        )
        person = Person.objects.get(national_id="095301000777")
        self.assertEqual(outcome.person_id, person.public_id)
        self.assertEqual(
            (
                person.full_name,
                person.date_of_birth,
                person.sex,
                person.phone,
                person.residence,
                person.created_by,
            ),
            ("Phạm Thu Hà", dt.date(2001, 12, 12), "F", "0987654321", self.commune_a2, self.lab_org),
        )

    def test_it_audits_every_stored_result_and_who_sent_it(self):
        self.submit([row(external_id="S1"), lan(external_id="S2")])
        events = AuditEvent.objects.filter(model="labs.testresult", action="create")
        self.assertEqual(events.count(), 2)
        self.assertEqual({(e.via, e.organization_id) for e in events}, {("api", self.lab_org.pk)})
        self.assertEqual(
            {e.object_id for e in events},
            {str(p) for p in TestResult.objects.values_list("public_id", flat=True)},
        )

    def test_it_refuses_a_user_without_a_writing_membership(self):
        check_submitter(self.lab, self.lab_org)
        for user in (self.outsider, self.province_analyst, self.commune):
            with self.subTest(user.username), self.assertRaises(SubmissionRefused):
                check_submitter(user, self.lab_org)


class IdempotencyTests(ResultsTestCase):
    def test_it_stores_the_same_sample_id_once(self):
        first = self.submit([row(external_id="S1", result="positive")])
        again = self.submit([row(external_id="S1", result="DT")])
        self.assertEqual(again[0].status, "duplicate")
        self.assertEqual(again[0].result_id, first[0].result_id)
        self.assertEqual(TestResult.objects.count(), 1)

    def test_it_stores_the_same_result_without_a_sample_id_once(self):
        self.submit([row()])
        [again] = self.submit([row(date_of_birth="01/02/1990", sampled_at="2021-11-02T07:30:00+07:00")])
        self.assertEqual(again.status, "duplicate")
        self.assertEqual(TestResult.objects.count(), 1)

    def test_it_counts_repeated_rows_of_one_submission_as_duplicates(self):
        outcomes = self.submit([row(external_id="S1"), row(), row(external_id="S1"), row()])
        self.assertEqual([o.status for o in outcomes], ["accepted", "accepted", "duplicate", "duplicate"])
        self.assertEqual(outcomes[2].result_id, outcomes[0].result_id)
        self.assertEqual(TestResult.objects.count(), 2)

    def test_it_refuses_a_conflicting_duplicate_of_a_stored_result(self):
        self.submit([row(external_id="S1", result="positive")])
        [outcome] = self.submit([row(external_id="S1", result="negative")])
        self.assertEqual(outcome.status, "rejected")
        self.assertEqual(
            [(e.column, e.message) for e in outcome.errors],
            [("external_id", "conflicts with the result already stored (positive, 02/11/2021)")],
        )
        self.assertEqual(list(TestResult.objects.values_list("result", flat=True)), ["positive"])

    def test_it_refuses_a_conflicting_duplicate_inside_one_submission(self):
        outcomes = self.submit(
            [row(external_id="S1", result="positive"), row(external_id="S1", result="negative")]
        )
        self.assertEqual([o.status for o in outcomes], ["accepted", "rejected"])
        self.assertEqual(
            outcomes[1].errors[0].message,
            "the same sample id as row 1, but with a different result or person",
        )
        self.assertEqual(TestResult.objects.count(), 1)

    def test_it_completes_a_pending_result_with_its_final_result(self):
        [first] = self.submit([row(external_id="S1", result="chờ", resulted_at=None)])
        [final] = self.submit([row(external_id="S1", result="dương tính", ct_value="22")])
        self.assertEqual(final.status, "accepted")
        self.assertEqual(final.result_id, first.result_id)
        result = TestResult.objects.get()
        self.assertEqual(
            (result.result, str(result.ct_value), result.resulted_at), ("positive", "22.0", local(2, 19, 0))
        )
        self.assertEqual(result.cases.get().classification, "confirmed")
        update = AuditEvent.objects.get(model="labs.testresult", action="update")
        self.assertEqual(update.changes["result"], ["pending", "positive"])

    def test_it_flags_another_result_for_the_same_sample(self):
        self.submit([row(result="negative")])
        [outcome] = self.submit([row(result="positive")])
        self.assertEqual(outcome.status, "review")
        flagged = TestResult.objects.get(result="positive")
        self.assertTrue(flagged.needs_review)
        self.assertEqual(
            flagged.review_note, "another result (negative) is stored for the same test and sample time"
        )

    def test_it_streams_in_batches_and_still_finds_duplicates_across_them(self):
        items = [
            row(external_id=f"S{i % 5}", sampled_at=f"0{1 + i % 5}/11/2021 07:30", resulted_at=None)
            for i in range(12)
        ]
        with self.assertNumQueries(0):
            outcomes = stream(
                items, Context(organization=self.lab_org), batch_size=4
            )  # a generator: nothing yet
        statuses = [o.status for o in outcomes]
        self.assertEqual(statuses, ["accepted"] * 5 + ["duplicate"] * 7)
        self.assertEqual(TestResult.objects.count(), 5)

    def test_a_dry_run_writes_nothing_and_counts_like_the_real_one(self):
        items = [
            row(external_id="S1"),
            row(external_id="S1"),
            row(national_id="095201000777", full_name="Mới", date_of_birth="01/01/2001", sex="M"),
            row(ct_value="99"),
        ]
        events = AuditEvent.objects.count()
        dry = [
            o.status for o in stream(items, Context(organization=self.lab_org, dry_run=True), batch_size=1)
        ]
        self.assertEqual((TestResult.objects.count(), Person.objects.count()), (0, 4))
        self.assertEqual(AuditEvent.objects.count(), events)
        real = [o.status for o in self.submit(items)]
        self.assertEqual(dry, real)
        self.assertEqual(real, ["accepted", "duplicate", "accepted", "rejected"])


class RegistryContradictionTests(ResultsTestCase):
    def test_it_flags_a_row_contradicting_the_registry_and_leaves_the_registry_alone(self):
        [outcome] = self.submit(
            [row(external_id="S1", date_of_birth="01/03/1990", phone="0933333333", result="positive")]
        )
        self.assertEqual(outcome.status, "review")
        result = TestResult.objects.get()
        self.assertEqual(result.person, self.duc)
        self.assertTrue(result.needs_review)
        self.assertEqual(result.review_note, "date_of_birth differs from the registry (01/02/1990)")
        self.duc.refresh_from_db()
        self.assertEqual((self.duc.date_of_birth, self.duc.phone), (dt.date(1990, 2, 1), "0912345678"))
        task = Task.objects.get(kind="review_result")
        self.assertEqual(
            (task.organization, task.person, task.about_id), (self.lab_org, self.duc, str(result.public_id))
        )
        self.assertIn("date_of_birth differs from the registry", task.title)
        self.assertFalse(DuplicateCandidate.objects.exists())


class RosterTests(ResultsTestCase):
    def student_row(self, **values):
        return row(
            national_id="",
            full_name="Lê Minh Khoa",
            date_of_birth="05/05/2006",
            sex="M",
            commune_code="31816",
            test_type="test nhanh",
            **values,
        )

    def test_a_school_submits_for_the_people_on_its_roster(self):
        [outcome] = self.submit([self.student_row()], org=self.school_org)
        self.assertEqual(outcome.status, "accepted")
        self.assertEqual(TestResult.objects.get().person, self.student)

    def test_a_school_may_not_submit_for_someone_not_on_its_roster(self):
        people = Person.objects.count()
        outcomes = self.submit(
            [
                self.student_row(),
                row(),
                row(national_id="095201000777", full_name="Người Lạ", date_of_birth="01/01/2001", sex="M"),
            ],
            org=self.school_org,
        )
        self.assertEqual([o.status for o in outcomes], ["accepted", "rejected", "rejected"])
        self.assertEqual(
            [(e.row, e.column, e.message) for e in outcomes[1].errors],
            [(2, None, "Nguyễn Văn Đức is not on the roster of THPT Bạc Liêu")],
        )
        self.assertEqual(outcomes[2].errors[0].message, "Người Lạ is not on the roster of THPT Bạc Liêu")
        self.assertEqual(self.stored(), [("Lê Minh Khoa", "antigen", "negative")])
        self.assertEqual(Person.objects.count(), people)  # the stranger was not added to the registry

    def test_an_enterprise_submits_only_for_its_workers(self):
        outcomes = self.submit(
            [
                row(
                    national_id="095185004321",
                    full_name="Lê Thị Hồng",
                    sex="F",
                    date_of_birth="09/04/1985",
                    test_type="TNKN",
                ),
                row(),
            ],
            org=self.enterprise_org,
        )
        self.assertEqual([o.status for o in outcomes], ["accepted", "rejected"])
        self.assertEqual(TestResult.objects.get().reason, "shift_screening")

    def test_a_commune_station_and_a_lab_submit_for_anyone(self):
        self.assertEqual(self.submit([row(), lan()], org=self.commune_org)[1].status, "accepted")
        self.assertEqual(self.submit([row(external_id="L1")], org=self.lab_org)[0].status, "accepted")

    def test_a_worker_who_left_is_no_longer_on_the_roster(self):
        self.worker.roster_entries.get().deactivate()
        [outcome] = self.submit(
            [row(national_id="095185004321", full_name="Lê Thị Hồng", sex="F", date_of_birth="09/04/1985")],
            org=self.enterprise_org,
        )
        self.assertEqual(outcome.status, "rejected")


class UserTests(ResultsTestCase):
    def test_the_outsider_is_refused(self):
        self.assertRaises(
            SubmissionRefused, check_submitter, User.objects.get(username="outsider"), self.commune_org
        )
