"""Bulk adds: a household in one step (same residence and normalised address), a roster in one step (shift, class,
date), and what add_contacts does with the new F1s (quarantine plans, call tasks)."""

import datetime as dt

from epiwatch.people.models import Person, RosterEntry
from epiwatch.tasks.models import Task, TaskKind
from epiwatch.tracing import contacts
from epiwatch.tracing.models import Contact, Exposure, Place, Quarantine, Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase


class HouseholdTestCase(TracingTestCase):
    def test_it_finds_everyone_at_the_same_address_however_it_is_written(self):
        self.assertEqual(contacts.household_of(self.an), [self.child, self.binh])

    def test_it_leaves_out_merged_records_and_other_communes(self):
        Person.objects.create(
            full_name="Ở xã khác", residence=self.commune_a2, address="Số 12, Khóm 3", birth_year=1970
        )
        ghost = Person.objects.create(
            full_name="Bản ghi trùng", residence=self.commune_a1, address="Số 12 Khóm 3", birth_year=1970
        )
        ghost.merged_into = self.binh
        ghost.save()
        self.assertEqual(contacts.household_of(self.an), [self.child, self.binh])

    def test_it_refuses_a_household_without_an_address(self):
        with self.assertRaisesMessage(
            contacts.TracingError,
            "No address is recorded for Phạm Thị Lan: add the household members one by one, or record the address first.",
        ):
            self.lan.address = ""
            contacts.household_of(self.lan)

    def test_it_adds_a_household_plans_quarantines_and_raises_call_tasks(self):
        added = contacts.add_contacts(
            self.case_an,
            contacts.household_of(self.an),
            dt.date(2021, 11, 6),
            Setting.HOUSEHOLD,
            by_org=self.commune_org,
            today=TODAY,
        )
        self.assertEqual(sorted(c.person.full_name for c in added.f1), ["Nguyễn Minh Châu", "Trần Thị Bình"])
        plans = Quarantine.objects.filter(person__in=[self.binh, self.child])
        self.assertEqual(plans.count(), 2)
        for plan in plans:
            # before 16 Dec 2021: 14 days, at home by default, tests on days 1, 7 and 14
            self.assertEqual(
                (plan.place, plan.start_date, plan.quarantine_until),
                (Place.HOME, dt.date(2021, 11, 6), dt.date(2021, 11, 19)),
            )
            self.assertEqual(plan.rule, "BYT-MT-6386:f1.all")
            self.assertEqual(list(plan.tests.values_list("day_number", flat=True)), [1, 7, 14])
        tasks = Task.objects.filter(organization=self.commune_org)
        self.assertEqual(tasks.filter(kind=TaskKind.CALL_CONTACT).count(), 2)
        self.assertEqual(tasks.filter(kind=TaskKind.QUARANTINE_TEST).count(), 6)
        self.assertEqual(
            set(Contact.objects.values_list("follow_up_until", flat=True)), {dt.date(2021, 12, 3)}
        )  # 14 days in quarantine, then 14 of self-monitoring

    def test_it_adds_nothing_twice(self):
        for _ in range(2):
            contacts.add_contacts(
                self.case_an,
                contacts.household_of(self.an),
                dt.date(2021, 11, 6),
                Setting.HOUSEHOLD,
                today=TODAY,
            )
        self.assertEqual(Exposure.objects.count(), 2)
        self.assertEqual(Contact.objects.count(), 2)
        self.assertEqual(Quarantine.objects.count(), 2)
        self.assertEqual(Task.objects.filter(kind=TaskKind.QUARANTINE_TEST).count(), 6)

    def test_it_sends_a_centralized_quarantine_to_the_facility(self):
        added = contacts.add_contacts(
            self.case_an,
            [self.binh],
            dt.date(2021, 11, 6),
            Setting.HOUSEHOLD,
            place=Place.CENTRALIZED,
            facility=self.facility,
            today=TODAY,
        )
        [plan] = added.quarantines
        self.assertEqual((plan.place, plan.facility), (Place.CENTRALIZED, self.facility))
        self.assertEqual(
            Task.objects.filter(kind=TaskKind.QUARANTINE_TEST, organization=self.facility).count(), 3
        )

    def test_it_refuses_a_centralized_quarantine_without_a_facility_but_keeps_the_contact(self):
        added = contacts.add_contacts(
            self.case_an,
            [self.binh],
            dt.date(2021, 11, 6),
            Setting.HOUSEHOLD,
            place=Place.CENTRALIZED,
            today=TODAY,
        )
        self.assertEqual(added.notes, ["Trần Thị Bình: A centralized quarantine needs a facility."])
        self.assertEqual(Contact.objects.count(), 1)
        self.assertFalse(Quarantine.objects.exists())


class RosterTestCase(TracingTestCase):
    def test_it_finds_a_shift_on_a_day(self):
        self.assertEqual(
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), shift="ca 1"), self.workers[:3]
        )
        self.assertEqual(
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), shift="Ca 2"), self.workers[3:]
        )

    def test_it_finds_a_class(self):
        self.assertEqual(
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), group="Tổ cấp đông"), self.workers
        )
        self.assertEqual(contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), group="10A1"), [])

    def test_it_counts_who_was_on_the_roster_that_day(self):
        entry = RosterEntry.objects.get(person=self.workers[0])
        entry.deactivate(dt.date(2021, 11, 4))  # left before the day
        late = RosterEntry.objects.get(person=self.workers[1])
        late.joined_on = dt.date(2021, 11, 8)  # joined after it
        late.save()
        self.assertEqual(
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), shift="Ca 1"), [self.workers[2]]
        )
        self.assertEqual(
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 3), shift="Ca 1"),
            [self.workers[0], self.workers[2]],
        )

    def test_it_adds_a_shift_as_workplace_contacts(self):
        added = contacts.add_contacts(
            self.case_an,
            contacts.roster_of(self.enterprise_org, dt.date(2021, 11, 6), shift="Ca 1"),
            dt.date(2021, 11, 6),
            Setting.WORKPLACE,
            organization=self.enterprise_org,
            shift="Ca 1",
            today=TODAY,
        )
        self.assertEqual(len(added.f1), 3)
        self.assertEqual(
            set(Exposure.objects.values_list("setting", "organization_id", "shift")),
            {(Setting.WORKPLACE, self.enterprise_org.pk, "Ca 1")},
        )
        # they live in commune A2: its station calls them
        self.assertEqual(
            Task.objects.filter(kind=TaskKind.CALL_CONTACT, organization=self.station_a2).count(), 3
        )
