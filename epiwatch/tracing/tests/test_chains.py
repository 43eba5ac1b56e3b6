"""Chains kept incrementally: merges by size, generations, agreement with a full recomputation, the graph pages."""

import datetime as dt
import random
from collections import defaultdict

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epiwatch.accounts import access
from epiwatch.people.models import Person
from epiwatch.tracing import chains, contacts, graph
from epiwatch.tracing.models import Chain, ChainNode, Exposure, Setting
from epiwatch.tracing.tests.base import TODAY, TracingTestCase

DAY = dt.date(2021, 11, 6)


def expose(source, *people, day=DAY):
    return contacts.record_exposures(source, [(p, day) for p in people], Setting.COMMUNITY, today=TODAY)


class ChainTestCase(TracingTestCase):
    def chain_of(self, person) -> Chain:
        return ChainNode.objects.get(person=person).chain

    def test_it_puts_new_contacts_in_the_chain_of_their_source(self):
        expose(self.an, self.binh, self.child)
        chain = self.chain_of(self.an)
        self.assertEqual(chain.size, 3)
        self.assertEqual(
            set(chain.nodes.values_list("person_id", "generation")),
            {(self.an.pk, 0), (self.binh.pk, 1), (self.child.pk, 1)},
        )
        self.assertEqual(Chain.objects.count(), 1)

    def test_it_merges_the_smaller_chain_into_the_larger(self):
        expose(self.an, self.binh, self.child)  # 3 people
        expose(self.lan, self.neighbour)  # 2 people
        small = self.chain_of(self.lan)
        big = self.chain_of(self.an)
        exposure = Exposure.objects.create(source=self.child, contact=self.lan, last_contact_date=DAY)
        # read both nodes, lock both chains, ONE relabelling update, one update of both chains' sizes; one query down
        # from Lan (her subtree), one for the exposures into it, one update moving it down: whatever the sizes
        with self.assertNumQueries(7):
            chains.link([exposure])
        small.refresh_from_db()
        big.refresh_from_db()
        self.assertEqual((big.size, big.merged_into_id), (5, None))
        self.assertEqual((small.size, small.merged_into_id), (0, big.pk))
        self.assertEqual(set(ChainNode.objects.values_list("chain_id", flat=True)), {big.pk})
        # Lan was a root (generation 0); now she is the child's contact: her contact moves down with her
        generations = dict(ChainNode.objects.values_list("person_id", "generation"))
        self.assertEqual(generations[self.lan.pk], 2)
        self.assertEqual(generations[self.neighbour.pk], 3)

    def test_it_takes_the_shortest_path_for_generations(self):
        expose(self.an, self.binh)
        expose(self.binh, self.child)
        expose(self.child, self.lan)
        self.assertEqual(ChainNode.objects.get(person=self.lan).generation, 3)
        expose(self.an, self.lan)
        self.assertEqual(ChainNode.objects.get(person=self.lan).generation, 1)

    def test_it_agrees_with_a_full_recomputation(self):
        rng = random.Random(4)
        people = [Person.objects.create(full_name=f"Người {i}", birth_year=1980) for i in range(40)]
        pairs = set()
        while len(pairs) < 70:
            a, b = rng.sample(people, 2)
            pairs.add((a, b))
        for a, b in sorted(pairs, key=lambda p: (p[0].pk, p[1].pk)):
            expose(a, b)
        incremental_members = defaultdict(set)
        for person_id, chain_id in ChainNode.objects.values_list("person_id", "chain_id"):
            incremental_members[chain_id].add(person_id)
        incremental = {frozenset(m) for m in incremental_members.values()}
        generations = dict(ChainNode.objects.values_list("person_id", "generation"))
        cycles = set(Exposure.objects.filter(closes_cycle=True).values_list("pk", flat=True))
        sizes = {c.pk: c.size for c in Chain.objects.filter(merged_into=None)}
        self.assertEqual(sorted(sizes.values()), sorted(len(m) for m in incremental_members.values()))

        outcome = chains.rebuild()
        rebuilt_members = defaultdict(set)
        for person_id, chain_id in ChainNode.objects.values_list("person_id", "chain_id"):
            rebuilt_members[chain_id].add(person_id)
        self.assertEqual(incremental, {frozenset(m) for m in rebuilt_members.values()})
        self.assertEqual(outcome.chains, len(incremental))
        self.assertEqual(generations, dict(ChainNode.objects.values_list("person_id", "generation")))
        self.assertEqual(cycles, set(Exposure.objects.filter(closes_cycle=True).values_list("pk", flat=True)))
        # the union-find of the baseline finds the same components
        found = defaultdict(set)
        for person, root in chains.all_components().items():
            found[root].add(person)
        self.assertEqual(incremental, {frozenset(m) for m in found.values()})

    def test_a_batch_of_exposures_agrees_with_a_full_recomputation(self):
        rng = random.Random(9)
        people = [Person.objects.create(full_name=f"Người {i}", birth_year=1980) for i in range(30)]
        for _round in range(3):  # three batches, each linked in one call, new and known people mixed
            pairs = set()
            while len(pairs) < 15:
                a, b = rng.sample(people, 2)
                if not Exposure.objects.filter(source=a, contact=b).exists():
                    pairs.add((a.pk, b.pk))
            made = Exposure.objects.bulk_create(
                [Exposure(source_id=a, contact_id=b, last_contact_date=DAY) for a, b in sorted(pairs)]
            )
            chains.link(made)
        incremental = defaultdict(set)
        for person_id, chain_id in ChainNode.objects.values_list("person_id", "chain_id"):
            incremental[chain_id].add(person_id)
        generations = dict(ChainNode.objects.values_list("person_id", "generation"))
        cycles = set(Exposure.objects.filter(closes_cycle=True).values_list("pk", flat=True))
        chains.rebuild()
        rebuilt = defaultdict(set)
        for person_id, chain_id in ChainNode.objects.values_list("person_id", "chain_id"):
            rebuilt[chain_id].add(person_id)
        self.assertEqual(
            {frozenset(m) for m in incremental.values()}, {frozenset(m) for m in rebuilt.values()}
        )
        self.assertEqual(generations, dict(ChainNode.objects.values_list("person_id", "generation")))
        self.assertEqual(cycles, set(Exposure.objects.filter(closes_cycle=True).values_list("pk", flat=True)))

    def test_it_shows_a_chain_page_by_page(self):
        expose(self.an, self.binh, self.child, self.neighbour)
        expose(self.binh, self.lan, day=dt.date(2021, 11, 7))
        chain = self.chain_of(self.an)
        first = graph.build(graph.chain_nodes(chain), self.province_analyst, page=1, limit=2)
        self.assertEqual((first.total, first.pages, [g for g, _n in first.generations]), (5, 3, [0, 1, 2]))
        self.assertEqual([n.label for n in first.nodes], ["Nguyễn Văn An", "Trần Thị Bình"])
        self.assertEqual(len(first.edges), 1)
        last = graph.build(graph.chain_nodes(chain), self.province_analyst, page=3, limit=2)
        self.assertEqual([(n.label, n.generation) for n in last.nodes], [("Phạm Thị Lan", 2)])
        # her exposure comes from a node of an earlier page
        self.assertTrue(last.edges[0].from_earlier_page)

    def test_it_shows_the_other_sides_nodes_without_personal_data(self):
        expose(self.an, self.binh)
        expose(self.binh, self.lan)
        chain = self.chain_of(self.an)
        self.login(self.district_b)  # sees Lan (district B), not An or Bình (district A)
        response = self.client.get(reverse("tracing-chain-graph", args=[chain.public_id]))
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("Phạm Thị Lan", page)
        for secret in ("Nguyễn Văn An", "Trần Thị Bình", str(self.an.public_id), str(self.binh.public_id)):
            self.assertNotIn(secret, page)
        self.assertIn("Thành phố Bạc Liêu", page)  # their district only
        built = graph.build(graph.chain_nodes(chain), self.district_b)
        self.assertEqual(built.hidden, 2)
        self.assertEqual([n.url for n in built.nodes if not n.visible], ["", ""])

    def test_it_refuses_the_chain_to_who_sees_nobody_in_it(self):
        expose(self.an, self.binh)
        url = reverse("tracing-chain-graph", args=[self.chain_of(self.an).public_id])
        self.assert_refused(
            url, [None, self.district_b, self.school, self.lab, self.other_province_user, self.outsider]
        )
        self.assert_allowed(url, [self.commune, self.district_a, self.province_analyst])

    def test_it_leads_from_a_merged_chain_to_the_chain_it_went_into(self):
        expose(self.an, self.binh, self.child)
        expose(self.lan, self.neighbour)
        old = self.chain_of(self.lan)
        expose(self.child, self.lan)
        self.login(self.province_analyst)
        response = self.client.get(reverse("tracing-chain-graph", args=[old.public_id]))
        self.assertRedirects(
            response, reverse("tracing-chain-graph", args=[self.chain_of(self.an).public_id])
        )


class GraphQueriesTestCase(TracingTestCase):
    def test_a_page_costs_the_same_queries_whatever_the_size_of_the_graph(self):
        expose(self.an, self.binh, self.child)
        chain = ChainNode.objects.get(person=self.an).chain
        access.scope_for(self.province_analyst)  # read once per request, not per page: out of the count
        small = CaptureQueriesContext(connection)
        with small:
            graph.build(graph.chain_nodes(chain), self.province_analyst)
        people = [
            Person.objects.create(full_name=f"Người {i}", birth_year=1980, residence=self.commune_a1)
            for i in range(40)
        ]
        expose(self.binh, *people[:20])
        for a, b in zip(people[:20], people[20:], strict=True):
            expose(a, b, day=dt.date(2021, 11, 7))
        large = CaptureQueriesContext(connection)
        with large:
            built = graph.build(graph.chain_nodes(chain), self.province_analyst, limit=25)
        self.assertEqual((built.total, len(built.nodes), built.pages), (43, 25, 2))
        self.assertEqual(len(large.captured_queries), len(small.captured_queries))
