"""The audit trail: person-level writes leave events with who, for which organization, how and what changed."""

import datetime as dt

from django.db import transaction
from django.db.models import ProtectedError

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.people.models import Person
from epiwatch.testing import BaseTestCase


class AuditTestCase(BaseTestCase):
    def as_commune(self):
        return audit.acting(user=self.commune, organization=self.commune_org, via="web")

    def create_person(self, **fields):
        fields = {"full_name": "Nguyễn Văn Đức", "residence": self.commune_a1, **fields}
        with self.as_commune():
            return Person.objects.create(**fields)

    def events(self, person):
        return AuditEvent.objects.filter(object_id=str(person.public_id)).order_by("id")

    def test_it_records_who_created_a_person_and_the_values(self):
        person = self.create_person(phone="0912345678", date_of_birth=dt.date(1990, 2, 1))
        (event,) = self.events(person)
        self.assertEqual(event.action, AuditAction.CREATE)
        self.assertEqual(event.user, self.commune)
        self.assertEqual(event.username, "commune")
        self.assertEqual(event.organization, self.commune_org)
        self.assertEqual(event.via, "web")
        self.assertEqual(event.model, "people.person")
        self.assertEqual(event.object_repr, "Nguyễn Văn Đức")
        self.assertEqual(event.changes["full_name"], [None, "Nguyễn Văn Đức"])
        self.assertEqual(event.changes["phone"], [None, "0912345678"])
        self.assertEqual(event.changes["date_of_birth"], [None, "1990-02-01"])
        self.assertEqual(event.changes["residence_id"], [None, self.commune_a1.pk])
        # the integer primary key is not how the record is named
        self.assertNotEqual(event.object_id, str(person.pk))

    def test_it_records_only_the_fields_that_changed(self):
        person = Person.objects.get(pk=self.create_person().pk)
        person.phone = "0912345678"
        person.address = "Ấp 3"
        with audit.acting(user=self.district_a, organization=self.district_a_org, via="api"):
            person.save()
        event = self.events(person).last()
        self.assertEqual(event.action, AuditAction.UPDATE)
        self.assertEqual(event.changes, {"phone": ["", "0912345678"], "address": ["", "Ấp 3"]})
        self.assertEqual(
            (event.username, event.organization, event.via), ("district_a", self.district_a_org, "api")
        )

    def test_it_records_nothing_when_nothing_changed(self):
        person = self.create_person()
        person.save()
        Person.objects.get(pk=person.pk).save()
        self.assertEqual(self.events(person).count(), 1)

    def test_it_sees_a_list_changed_in_place(self):
        person = Person.objects.get(pk=self.create_person(comorbidities=["diabetes"]).pk)
        person.comorbidities.append("hypertension")
        person.save()
        event = self.events(person).last()
        self.assertEqual(event.changes, {"comorbidities": [["diabetes"], ["diabetes", "hypertension"]]})

    def test_it_compares_successive_saves_of_the_same_object(self):
        person = self.create_person()
        person.phone = "0912345678"
        person.save()
        person.phone = "0987654321"
        person.save()
        changes = [e.changes for e in self.events(person)][1:]
        self.assertEqual(changes, [{"phone": ["", "0912345678"]}, {"phone": ["0912345678", "0987654321"]}])

    def test_it_treats_a_refreshed_object_as_just_loaded(self):
        person = self.create_person()
        Person.objects.filter(pk=person.pk).update(address="changed behind its back")
        person.refresh_from_db()
        person.save()
        self.assertEqual(self.events(person).count(), 1)

    def test_it_does_not_invent_changes_for_fields_it_did_not_load(self):
        person = self.create_person(phone="0912345678")
        partial = Person.objects.only("id", "public_id", "full_name", "name_norm").get(pk=person.pk)
        partial.full_name = "Nguyễn Văn Đức Anh"
        partial.save(update_fields=["full_name", "name_norm"])
        event = self.events(person).last()
        self.assertEqual(event.changes["full_name"], ["Nguyễn Văn Đức", "Nguyễn Văn Đức Anh"])
        self.assertNotIn("phone", event.changes)

    def test_it_records_a_deletion_with_the_last_values(self):
        person = self.create_person(phone="0912345678")
        public_id = str(person.public_id)
        with audit.acting(user=self.province_admin, organization=self.health_dept, via="web"):
            Person.objects.get(pk=person.pk).delete()
        event = AuditEvent.objects.filter(object_id=public_id).order_by("id").last()
        self.assertEqual(event.action, AuditAction.DELETE)
        self.assertEqual(event.username, "province_admin")
        self.assertEqual(event.changes["phone"], ["0912345678", None])
        self.assertFalse(Person.objects.filter(pk=person.pk).exists())

    def test_it_records_no_deletion_that_did_not_happen(self):
        target = self.create_person()
        self.create_person(full_name="Nguyen Van Duc", merged_into=target)
        with self.assertRaises(ProtectedError):
            Person.objects.get(pk=target.pk).delete()
        self.assertFalse(self.events(target).filter(action=AuditAction.DELETE).exists())

    def test_it_names_commands_and_the_system_as_actors(self):
        with audit.acting(via="command"):
            person = Person.objects.create(full_name="Trần Thị B")
        event = self.events(person).get()
        self.assertEqual(
            (event.user, event.username, event.organization, event.via), (None, "", None, "command")
        )
        other = Person.objects.create(full_name="Lê Văn C")
        self.assertEqual(self.events(other).get().via, "system")

    def test_it_records_bulk_writes_one_event_per_row(self):
        people = Person.objects.bulk_create([Person(full_name=f"Người {i}").prepare() for i in range(3)])
        with audit.acting(user=self.lab, organization=self.lab_org, via="command"):
            written = audit.record_many(AuditAction.IMPORT, people)
        self.assertEqual(written, 3)
        events = AuditEvent.objects.filter(action=AuditAction.IMPORT)
        self.assertEqual({e.object_id for e in events}, {str(p.public_id) for p in people})
        self.assertTrue(all(e.username == "lab" and e.organization == self.lab_org for e in events))
        self.assertEqual(events.first().changed_fields()[0][1], None)

    def test_it_reads_the_database_for_an_object_built_by_hand(self):
        person = self.create_person(phone="0912345678")
        (bulk,) = Person.objects.bulk_create([Person(full_name="Phạm D").prepare()])
        bulk.phone = "0987654321"
        bulk.save()
        self.assertEqual(self.events(bulk).get().changes, {"phone": ["", "0987654321"]})
        self.assertEqual(self.events(person).count(), 1)

    def test_it_refuses_to_change_an_event(self):
        event = self.events(self.create_person()).get()
        event.username = "someone else"
        with self.assertRaises(PermissionError):
            event.save()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).update(username="someone else")
        # bulk_update runs in its own transaction: the refusal rolls it back
        with self.assertRaises(PermissionError), transaction.atomic():
            AuditEvent.objects.bulk_update([event], ["username"])
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).username, "commune")

    def test_it_refuses_to_delete_an_event(self):
        event = self.events(self.create_person()).get()
        with self.assertRaises(PermissionError):
            event.delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.all().delete()
        self.assertTrue(AuditEvent.objects.filter(pk=event.pk).exists())

    def test_it_shows_changes_as_rows_whatever_their_shape(self):
        self.assertEqual(AuditEvent(changes={"phone": ["", "09"]}).changed_fields(), [("phone", "", "09")])
        self.assertEqual(AuditEvent(changes={"moved": 3}).changed_fields(), [("moved", None, 3)])
        self.assertEqual(AuditEvent(changes={}).changed_fields(), [])
