"""Merging two records of a person, as tracing sees it: refused for two people linked by an exposure; otherwise
their chains become one."""

import datetime as dt

from epiwatch.people.merge import MergeError, merge, undo
from epiwatch.people.models import Person
from epiwatch.tracing import contacts
from epiwatch.tracing.models import Chain, ChainNode, Contact, Exposure, Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase


def expose(source, *people, day=dt.date(2021, 11, 6)):
    return contacts.record_exposures(source, [(p, day) for p in people], Setting.COMMUNITY, today=TODAY)


class MergeTestCase(TracingTestCase):
    def test_it_refuses_to_merge_two_people_linked_by_an_exposure(self):
        expose(self.an, self.binh)
        with self.assertRaisesMessage(
            MergeError,
            "Nguyễn Văn An and Trần Thị Bình are linked by an exposure (Nguyễn Văn An exposed Trần Thị Bình on "
            "06/11/2021): they are two people, not two records of one.",
        ):
            merge(self.binh, self.an, self.province_admin)
        # nothing moved, nothing merged
        self.binh.refresh_from_db()
        self.assertIsNone(self.binh.merged_into_id)
        self.assertEqual(Exposure.objects.get().contact, self.binh)
        self.assertEqual(Contact.objects.get().person, self.binh)

    def test_the_merge_page_says_why(self):
        from django.urls import reverse

        from epiwatch.people.models import DuplicateCandidate

        expose(self.an, self.binh)
        candidate = DuplicateCandidate.objects.create(person_a=self.an, person_b=self.binh, reason="test")
        self.login(self.province_admin)
        response = self.client.post(
            reverse("duplicate-merge", args=[candidate.public_id]), {"keep": "a"}, follow=True
        )
        self.assertContains(response, "are linked by an exposure")
        self.assertFalse(Person.objects.filter(merged_into__isnull=False).exists())

    def test_merging_two_records_of_one_contact_joins_their_chains(self):
        twin = Person.objects.create(
            full_name="Trần Thị Bình", residence=self.commune_a1, date_of_birth=dt.date(1992, 5, 5)
        )
        expose(self.an, self.binh)  # chain 1: An -> Bình
        expose(twin, self.lan)  # chain 2: Bình's other record -> Lan
        self.assertEqual(Chain.objects.filter(merged_into=None, size__gt=0).count(), 2)
        record = merge(twin, self.binh, self.province_admin)
        chain = ChainNode.objects.get(person=self.binh).chain
        self.assertEqual(ChainNode.objects.get(person=self.lan).chain, chain)
        self.assertEqual(ChainNode.objects.get(person=self.lan).generation, 2)  # An -> Bình -> Lan
        # the merge moved the exposure to the kept record (contacts are derived when exposures are recorded)
        self.assertEqual(Exposure.objects.get(contact=self.lan).source, self.binh)
        self.assertFalse(
            ChainNode.objects.filter(person=twin).exists()
        )  # the merged-away record left the graph
        # undoing the merge puts the exposure back, and once committed the chains are split again
        with self.captureOnCommitCallbacks(execute=True):
            undo(record, self.province_admin)
        self.assertEqual(Exposure.objects.get(contact=self.lan).source, twin)
        lan, binh = ChainNode.objects.get(person=self.lan), ChainNode.objects.get(person=self.binh)
        self.assertNotEqual(lan.chain, binh.chain)
        self.assertEqual((lan.chain.size, binh.chain.size), (2, 2))
        self.assertEqual((lan.generation, ChainNode.objects.get(person=twin).generation), (1, 0))
        # the chain the merge had made leads to one of them
        chain.refresh_from_db()
        self.assertIn(chain.current(), (lan.chain, binh.chain))
