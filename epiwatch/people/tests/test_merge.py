import datetime as dt

from django.utils import timezone

from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.labs.models import TestResult
from epiwatch.people.merge import MergeError, merge, person_references, undo
from epiwatch.people.models import DuplicateCandidate, Merge, Person, RosterEntry
from epiwatch.people.tests.mergeapp.models import Badge, Contact, HealthCard, Household, Referral, Seat
from epiwatch.tasks.models import Task, TaskKind, TaskStatus
from epiwatch.testing import BaseTestCase

CCCD = "095090001234"


class MergeTestCase(BaseTestCase):
    def setUp(self):
        self.source = Person.objects.create(
            national_id=CCCD, full_name="Nguyễn Văn Đức", birth_year=1990, sex="M", residence=self.commune_a1
        )
        self.target = Person.objects.create(
            full_name="Nguyen Van Duc",
            date_of_birth=dt.date(1990, 2, 1),
            phone="0912345678",
            residence=self.commune_a1,
        )
        self.third = Person.objects.create(
            full_name="Trần Thị Mai", birth_year=1992, residence=self.commune_a1
        )

    def refs(self, model, **lookup):
        return model.objects.get(**lookup)


class PersonReferencesTests(MergeTestCase):
    def test_it_finds_every_reference_to_a_person_including_later_and_hidden_ones(self):
        found = {(f.model._meta.label_lower, f.attname) for f in person_references()}
        for expected in [
            ("people.rosterentry", "person_id"),
            ("people.duplicatecandidate", "person_a_id"),
            ("people.duplicatecandidate", "person_b_id"),
            ("people.person", "merged_into_id"),
            ("labs.testresult", "person_id"),
            ("cases.case", "person_id"),
            ("tasks.task", "person_id"),
            ("mergeapp.referral", "person_id"),
            ("mergeapp.contact", "source_id"),
            ("mergeapp.contact", "contact_id"),
            ("mergeapp.healthcard", "person_id"),
            ("mergeapp.household_members", "person_id"),
            ("mergeapp.seat", "person_id"),
        ]:
            self.assertIn(expected, found)
        self.assertNotIn("people.merge", {model for model, _field in found})


class MergeTests(MergeTestCase):
    def setUp(self):
        super().setUp()
        s, t = self.source, self.target
        self.school_entry = RosterEntry.objects.create(organization=self.school_org, person=s, role="student")
        self.source_worker = RosterEntry.objects.create(organization=self.enterprise_org, person=s, shift="A")
        self.target_worker = RosterEntry.objects.create(organization=self.enterprise_org, person=t, shift="B")
        self.pair = DuplicateCandidate.objects.create(person_a=t, person_b=s, reason="test", score=0.6)
        self.other_pair = DuplicateCandidate.objects.create(person_a=self.third, person_b=s, reason="test")
        self.result = TestResult.objects.create(
            person=s,
            test_type="rt_pcr",
            sampled_at=timezone.now(),
            result="negative",
            submitter=self.lab_org,
        )
        task = {
            "kind": TaskKind.CALL_CONTACT,
            "organization": self.commune_org,
            "due_date": dt.date(2021, 11, 5),
        }
        self.source_task = Task.objects.create(person=s, title="call", **task)
        self.target_task = Task.objects.create(person=t, title="call", **task)
        self.done_task = Task.objects.create(person=s, title="done", status=TaskStatus.DONE, **task)
        self.earlier = Person.objects.create(full_name="Nguyễn V. Đức", merged_into=s)
        # a later app's records
        self.referral = Referral.objects.create(person=s, note="to district hospital")
        self.contact_with_target = Contact.objects.create(source=s, contact=t)
        self.contact_from_third = Contact.objects.create(source=self.third, contact=s)
        self.source_card = HealthCard.objects.create(person=s, number="HC-1")
        self.target_card = HealthCard.objects.create(person=t, number="HC-2")
        self.home = Household.objects.create(name="home")
        self.home.members.add(s)
        self.shared = Household.objects.create(name="shared")
        self.shared.members.add(s, t)
        self.seat_taken = Seat.objects.create(person=s, room="1")
        Seat.objects.create(person=t, room="1")
        self.seat_free = Seat.objects.create(person=s, room="2")
        self.badge_clash = Badge.objects.create(person=s, code="A")
        Badge.objects.create(person=t, code="a")
        self.badge_free = Badge.objects.create(person=s, code="b")

    def moved_pks(self, record, model, field):
        return sorted(
            pk for g in record.moved if (g["model"], g["field"]) == (model, field) for pk in g["pks"]
        )

    def kept_pks(self, record, model, field):
        return sorted(
            pk for g in record.kept if (g["model"], g["field"]) == (model, field) for pk in g["pks"]
        )

    def test_it_moves_every_row_to_the_kept_record(self):
        record = merge(self.source, self.target, self.province_admin)
        t = self.target
        self.assertEqual(RosterEntry.objects.get(pk=self.school_entry.pk).person, t)
        self.assertEqual(TestResult.objects.get(pk=self.result.pk).person, t)
        self.assertEqual(Task.objects.get(pk=self.done_task.pk).person, t)
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).person, t)
        self.assertEqual(Contact.objects.get(pk=self.contact_from_third.pk).contact, t)
        self.assertEqual(Seat.objects.get(pk=self.seat_free.pk).person, t)
        self.assertEqual(list(self.home.members.all()), [t])
        self.assertEqual(Person.objects.get(pk=self.earlier.pk).merged_into, t)
        self.assertEqual(DuplicateCandidate.objects.get(pk=self.other_pair.pk).person_b, t)
        self.assertEqual(self.moved_pks(record, "labs.testresult", "person_id"), [self.result.pk])
        self.assertEqual(self.moved_pks(record, "mergeapp.referral", "person_id"), [self.referral.pk])
        self.assertEqual(len(self.moved_pks(record, "mergeapp.household_members", "person_id")), 1)

    def test_it_leaves_rows_that_would_break_a_unique_constraint_with_the_source(self):
        record = merge(self.source, self.target, self.province_admin)
        s = self.source
        self.assertEqual(RosterEntry.objects.get(pk=self.source_worker.pk).person, s)
        self.assertEqual(Task.objects.get(pk=self.source_task.pk).person, s)
        self.assertEqual(HealthCard.objects.get(pk=self.source_card.pk).person, s)
        self.assertEqual(Seat.objects.get(pk=self.seat_taken.pk).person, s)
        self.assertEqual(
            sorted(p.pk for p in self.shared.members.all()), sorted([self.source.pk, self.target.pk])
        )
        self.assertEqual(self.kept_pks(record, "people.rosterentry", "person_id"), [self.source_worker.pk])
        self.assertEqual(self.kept_pks(record, "tasks.task", "person_id"), [self.source_task.pk])
        self.assertEqual(self.kept_pks(record, "mergeapp.healthcard", "person_id"), [self.source_card.pk])
        self.assertEqual(self.kept_pks(record, "mergeapp.seat", "person_id"), [self.seat_taken.pk])
        # an expression constraint: the database refuses the one row, the others still move
        self.assertEqual(Badge.objects.get(pk=self.badge_clash.pk).person, s)
        self.assertEqual(Badge.objects.get(pk=self.badge_free.pk).person, self.target)
        self.assertEqual(self.kept_pks(record, "mergeapp.badge", "person_id"), [self.badge_clash.pk])
        why = {(g["model"], g["field"]): g["why"] for g in record.kept}
        self.assertEqual(why[("mergeapp.badge", "person_id")], "refused by the database")
        self.assertEqual(
            why[("people.rosterentry", "person_id")], "the kept record already has one (roster_entry_unique)"
        )

    def test_it_does_not_point_a_person_at_itself(self):
        record = merge(self.source, self.target, self.province_admin)
        self.assertEqual(Contact.objects.get(pk=self.contact_with_target.pk).source, self.source)
        self.assertEqual(DuplicateCandidate.objects.get(pk=self.pair.pk).person_b, self.source)
        self.assertEqual(
            self.kept_pks(record, "mergeapp.contact", "source_id"), [self.contact_with_target.pk]
        )
        self.assertEqual(self.kept_pks(record, "people.duplicatecandidate", "person_b_id"), [self.pair.pk])

    def test_it_fills_blank_fields_of_the_kept_record_and_marks_the_source(self):
        record = merge(self.source, self.target, self.province_admin)
        self.target.refresh_from_db()
        self.source.refresh_from_db()
        self.assertEqual(self.target.national_id, CCCD)
        self.assertEqual(self.target.sex, "M")
        self.assertEqual(self.target.date_of_birth, dt.date(1990, 2, 1))  # not overwritten
        self.assertEqual(record.filled, {"national_id": [None, CCCD], "sex": ["U", "M"]})
        self.assertEqual(self.source.merged_into, self.target)
        self.assertEqual(record.merged_by, self.province_admin)
        self.assertEqual(
            DuplicateCandidate.objects.get(pk=self.pair.pk).status, DuplicateCandidate.Status.MERGED
        )

    def test_it_audits_the_merge_and_each_moved_row(self):
        merge(self.source, self.target, self.province_admin)
        for person in (self.source, self.target):
            event = AuditEvent.objects.get(action=AuditAction.MERGE, object_id=str(person.public_id))
            self.assertEqual(event.user, self.province_admin)
            self.assertEqual(event.changes["source"], str(self.source.public_id))
        moved = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(self.result.public_id))
        self.assertEqual(moved.changes, {"person_id": [self.source.pk, self.target.pk]})

    def test_it_undoes_a_merge(self):
        record = merge(self.source, self.target, self.province_admin)
        undo(record, self.province_admin)
        s, t = self.source, self.target
        s.refresh_from_db()
        t.refresh_from_db()
        self.assertIsNone(s.merged_into)
        self.assertIsNone(t.national_id)
        self.assertEqual(t.sex, "U")
        self.assertEqual(s.national_id, CCCD)
        for obj in (
            self.school_entry,
            self.result,
            self.done_task,
            self.referral,
            self.seat_free,
            self.badge_free,
        ):
            self.assertEqual(type(obj).objects.get(pk=obj.pk).person, s)
        self.assertEqual(Contact.objects.get(pk=self.contact_from_third.pk).contact, s)
        self.assertEqual(list(self.home.members.all()), [s])
        self.assertEqual(Person.objects.get(pk=self.earlier.pk).merged_into, s)
        self.assertEqual(RosterEntry.objects.get(pk=self.target_worker.pk).person, t)
        self.assertEqual(
            DuplicateCandidate.objects.get(pk=self.pair.pk).status, DuplicateCandidate.Status.OPEN
        )
        record.refresh_from_db()
        self.assertEqual(record.undone_by, self.province_admin)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditAction.UNMERGE, object_id=str(t.public_id)).exists()
        )

    def test_it_refuses_to_undo_twice(self):
        record = merge(self.source, self.target, self.province_admin)
        undo(record)
        with self.assertRaisesMessage(MergeError, "already undone"):
            undo(record)


class MergeRefusalTests(MergeTestCase):
    def test_it_refuses_to_merge_a_person_into_itself(self):
        with self.assertRaisesMessage(MergeError, "cannot be merged into itself"):
            merge(self.source, self.source)

    def test_it_refuses_to_merge_into_an_already_merged_person(self):
        merge(self.third, self.target)
        with self.assertRaisesMessage(MergeError, "Trần Thị Mai was already merged"):
            merge(self.source, Person.objects.get(pk=self.third.pk))
        with self.assertRaisesMessage(MergeError, "Trần Thị Mai was already merged"):
            merge(Person.objects.get(pk=self.third.pk), self.source)
        self.assertEqual(Merge.objects.count(), 1)

    def test_it_refuses_to_undo_when_the_kept_record_was_merged_since(self):
        first = merge(self.source, self.target)
        merge(self.target, self.third)
        with self.assertRaisesMessage(MergeError, "undo that merge first"):
            undo(first)

    def test_it_refuses_to_undo_when_the_national_id_was_given_to_another_record(self):
        Person.objects.filter(pk=self.target.pk).update(national_id="095090009999")
        record = merge(self.source, self.target)
        Person.objects.create(national_id=CCCD, full_name="Someone registered later")
        with self.assertRaisesMessage(MergeError, f"National ID {CCCD} now belongs to another record"):
            undo(record)
        self.assertIsNone(Merge.objects.get(pk=record.pk).undone_at)

    def test_it_keeps_a_filled_field_that_was_changed_since(self):
        record = merge(self.source, self.target)
        target = Person.objects.get(pk=self.target.pk)
        target.sex = "F"
        target.save()
        undo(record)
        target.refresh_from_db()
        self.assertEqual(target.sex, "F")
        self.assertIsNone(target.national_id)
