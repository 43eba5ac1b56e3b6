"""A contact becomes a case: linked to its source, quarantine ended, its own contacts derived, clusters joined."""

import datetime as dt

from epiwatch.tasks.models import Task, TaskKind, TaskStatus
from epiwatch.tracing import clusters, contacts
from epiwatch.tracing.models import (
    ChainNode,
    ClusterKind,
    ClusterMember,
    Contact,
    ContactStatus,
    MemberLink,
    QuarantineStatus,
    Setting,
)
from epiwatch.tracing.tests.base import TODAY, TracingTestCase


class CaseOpenedTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        contacts.add_contacts(self.case_an, [self.binh], dt.date(2021, 11, 6), Setting.HOUSEHOLD, today=TODAY)
        # Bình went on to meet Lan before testing positive
        contacts.record_exposures(
            self.binh, [(self.lan, dt.date(2021, 11, 8))], Setting.COMMUNITY, today=TODAY
        )

    def open_case_of_binh(self):
        case = self.make_case(self.binh, sample=dt.date(2021, 11, 9), report=dt.date(2021, 11, 10))
        return case, contacts.case_opened(case)

    def test_it_links_the_new_case_to_its_source(self):
        case, links = self.open_case_of_binh()
        self.assertEqual(links.source_case, self.case_an)
        self.assertEqual(contacts.source_case(case), self.case_an)
        record = Contact.objects.get(case=self.case_an, person=self.binh)
        self.assertEqual((record.status, record.resulting_case), (ContactStatus.CONVERTED, case))

    def test_it_ends_the_quarantine_and_cancels_its_test_tasks(self):
        self.open_case_of_binh()
        quarantine = self.binh.quarantines.get()
        self.assertEqual(
            (quarantine.status, quarantine.released_on), (QuarantineStatus.CONVERTED, dt.date(2021, 11, 10))
        )
        self.assertFalse(
            Task.objects.filter(
                kind=TaskKind.QUARANTINE_TEST, person=self.binh, status=TaskStatus.OPEN
            ).exists()
        )

    def test_the_people_the_new_case_exposed_become_its_f1(self):
        case, links = self.open_case_of_binh()
        self.assertEqual([(c.case, c.person, c.level) for c in links.contacts], [(case, self.lan, 1)])
        # she was already F2 of An's case through Bình
        self.assertEqual(Contact.objects.get(case=self.case_an, person=self.lan).level, 2)
        self.assertTrue(ChainNode.objects.get(person=self.binh).is_case)

    def test_it_joins_the_cluster_of_its_source(self):
        cluster = clusters.open_cluster(
            "Khóm 3",
            ClusterKind.RESIDENTIAL_GROUP,
            self.commune_a1,
            dt.date(2021, 11, 7),
            first_case=self.case_an,
        )
        case, links = self.open_case_of_binh()
        self.assertEqual(links.clusters, [cluster])
        member = ClusterMember.objects.get(case=case)
        self.assertEqual((member.link, member.day), (MemberLink.EXPOSURE, dt.date(2021, 11, 9)))

    def test_it_is_safe_to_call_twice(self):
        case, _links = self.open_case_of_binh()
        again = contacts.case_opened(case)
        self.assertEqual(again.source_case, self.case_an)
        self.assertEqual(again.converted, 0)
        self.assertEqual(Contact.objects.filter(case=case).count(), 1)
