"""Recording exposures and deriving F1/F2 from them: the bad inputs, the infectious period, cycles."""

import datetime as dt

from epiwatch.accounts.models import AuditEvent
from epiwatch.tracing import contacts
from epiwatch.tracing.models import ChainNode, Contact, ContactLevel, Exposure, Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase


class ExposureTestCase(TracingTestCase):
    def record(self, source, *people, day=dt.date(2021, 11, 6), setting=Setting.HOUSEHOLD):
        return contacts.record_exposures(source, [(p, day) for p in people], setting, today=TODAY)

    def test_it_refuses_an_exposure_to_oneself(self):
        added = self.record(self.an, self.an)
        self.assertEqual(added.skipped, ["Nguyễn Văn An cannot be their own contact."])
        self.assertFalse(Exposure.objects.exists())

    def test_it_refuses_a_contact_date_in_the_future(self):
        added = self.record(self.an, self.binh, day=TODAY + dt.timedelta(days=1))
        self.assertEqual(added.skipped, ["The last contact date 11/11/2021 is in the future."])
        self.assertFalse(Exposure.objects.exists())

    def test_it_refuses_a_contact_date_before_birth(self):
        added = self.record(self.an, self.child, self.binh, day=dt.date(2014, 6, 1))
        self.assertEqual(
            added.skipped, ["The last contact (01/06/2014) is before Nguyễn Minh Châu was born (03/03/2015)."]
        )
        # the valid neighbour of the bad row is kept, once
        self.assertEqual(list(Exposure.objects.values_list("contact_id", flat=True)), [self.binh.pk])

    def test_it_records_a_contact_in_the_infectious_period_as_f1(self):
        added = self.record(
            self.an, self.binh, day=dt.date(2021, 11, 3)
        )  # onset 05/11: infectious from 03/11
        [record] = added.contacts
        self.assertEqual(
            (record.case, record.person, record.level), (self.case_an, self.binh, ContactLevel.F1)
        )
        self.assertEqual(record.rule, "BYT-F1:after-onset")
        self.assertEqual(record.area, self.commune_a1)

    def test_it_does_not_make_an_f1_of_a_contact_before_the_infectious_period(self):
        added = self.record(self.an, self.binh, day=dt.date(2021, 11, 2))
        self.assertEqual(added.contacts, [])
        self.assertEqual(
            added.notes,
            [
                "Trần Thị Bình: last contact on 02/11/2021, before the infectious period of the case (from "
                "03/11/2021): recorded, not an F1."
            ],
        )
        self.assertTrue(Exposure.objects.filter(source=self.an, contact=self.binh).exists())

    def test_it_derives_f2_from_an_exposure_to_an_f1(self):
        self.record(self.an, self.binh, day=dt.date(2021, 11, 4))
        added = self.record(self.binh, self.lan, day=dt.date(2021, 11, 5), setting=Setting.WORKPLACE)
        [record] = added.contacts
        self.assertEqual(
            (record.case, record.person, record.level, record.via), (self.case_an, self.lan, 2, self.binh)
        )

    def test_it_makes_f2_of_people_an_f1_exposed_before_becoming_f1(self):
        # Bình met Lan on the 6th; only later is Bình found to have met An on the 5th
        self.record(self.binh, self.lan, day=dt.date(2021, 11, 6))
        self.assertFalse(Contact.objects.exists())
        self.record(self.an, self.binh, day=dt.date(2021, 11, 5))
        self.assertEqual(
            set(Contact.objects.values_list("person_id", "level")), {(self.binh.pk, 1), (self.lan.pk, 2)}
        )

    def test_it_does_not_make_f2_of_someone_met_before_the_f1_was_exposed(self):
        self.record(self.an, self.binh, day=dt.date(2021, 11, 6))
        self.record(self.binh, self.lan, day=dt.date(2021, 11, 4))
        self.assertFalse(Contact.objects.filter(person=self.lan).exists())

    def test_it_keeps_an_f1_an_f1_when_also_exposed_to_an_f1(self):
        self.record(self.an, self.binh, self.child, day=dt.date(2021, 11, 6))
        self.record(self.binh, self.child, day=dt.date(2021, 11, 7))
        self.assertEqual(Contact.objects.get(person=self.child).level, ContactLevel.F1)

    def test_it_does_not_open_follow_up_for_a_contact_already_a_case(self):
        self.make_case(self.binh, sample=dt.date(2021, 11, 6), report=dt.date(2021, 11, 7))
        added = self.record(self.an, self.binh)
        self.assertEqual(added.contacts, [])
        self.assertEqual(
            added.notes,
            [
                "Trần Thị Bình is already a case (reported 07/11/2021): the exposure is recorded for the chain, "
                "no contact follow-up is opened."
            ],
        )
        self.assertEqual(Exposure.objects.count(), 1)
        self.assertTrue(ChainNode.objects.get(person=self.binh).is_case)

    def test_it_moves_the_last_contact_date_forward_without_doubling_the_exposure(self):
        self.record(self.an, self.binh, day=dt.date(2021, 11, 4))
        self.record(self.an, self.binh, day=dt.date(2021, 11, 6))
        self.record(self.an, self.binh, day=dt.date(2021, 11, 5))  # an earlier date changes nothing
        exposure = Exposure.objects.get()
        self.assertEqual(exposure.last_contact_date, dt.date(2021, 11, 6))
        self.assertEqual(Contact.objects.get().last_contact_date, dt.date(2021, 11, 6))

    def test_it_records_a_cycle_without_making_a_cycle_of_generations(self):
        self.record(self.an, self.binh)
        added = self.record(self.binh, self.an, day=dt.date(2021, 11, 7))
        self.assertEqual(
            added.notes,
            [
                "Nguyễn Văn An is already upstream of Trần Thị Bình in this chain: the exposure is recorded but "
                "does not change the generations.",
                "Nguyễn Văn An is already a case (reported 07/11/2021): the exposure is recorded for the chain, "
                "no contact follow-up is opened.",
            ],
        )
        back = Exposure.objects.get(source=self.binh, contact=self.an)
        self.assertTrue(back.closes_cycle)
        generations = dict(ChainNode.objects.values_list("person_id", "generation"))
        self.assertEqual(generations, {self.an.pk: 0, self.binh.pk: 1})
        # and An does not become an F2 of their own case
        self.assertFalse(Contact.objects.filter(person=self.an).exists())

    def test_it_audits_every_new_exposure_and_contact(self):
        self.record(self.an, self.binh, self.child)
        self.assertEqual(AuditEvent.objects.filter(model="tracing.exposure", action="create").count(), 2)
        self.assertEqual(AuditEvent.objects.filter(model="tracing.contact", action="create").count(), 2)

    def test_it_tells_whether_a_person_was_an_f1_on_a_day(self):
        self.record(self.an, self.binh, day=dt.date(2021, 11, 6))
        self.assertTrue(contacts.is_f1(self.binh, dt.date(2021, 11, 8)))
        self.assertFalse(contacts.is_f1(self.binh, dt.date(2021, 11, 5)))
        self.assertFalse(contacts.is_f1(self.lan, dt.date(2021, 11, 8)))
        self.assertEqual(contacts.f1_among([self.binh.pk, self.lan.pk], dt.date(2021, 11, 8)), {self.binh.pk})
