"""Chains of transmission, maintained incrementally as exposures arrive.

A chain is a connected component of the exposure graph (people are nodes, exposures are edges, direction ignored).
`link(exposures)` is called once for each batch of new exposures, inside the transaction that stored them:

- a person seen for the first time becomes a `ChainNode`, straight into the chain of the other end when that one
  is known (the common case: new contacts of a known case cost one bulk insert);
- an exposure between two chains merges them by size: the smaller chain's nodes are relabelled in ONE UPDATE and the
  chain row stays, empty, with `merged_into` set. The work is proportional to the smaller chain, never to the number
  of exposures in the database (`rebuild()` does that, for repairs and as the benchmark's baseline).

Generations. A node's generation is the number of exposure steps from the chain's roots (people exposed to nobody
recorded), taking the shortest path: gen(root) = 0, gen(n) = min over exposures s -> n of gen(s) + 1. The F1 of an
index case is generation 1, its F2 generation 2, a case infected by that F1 generation 2 as well.

Cycles. A -> B -> A is a real thing to record (they met twice, or nobody knows who infected whom), so the second
exposure is stored and drawn, but generations must not go round in circles: an exposure whose contact is already an
ancestor of its source is flagged `closes_cycle` and generations ignore it. The exposures that count therefore always
form a DAG, and a new one only recomputes the generations of its contact's descendants (in topological order, one
UPDATE per distinct new generation value).
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import F, Q

from epiwatch.tracing.models import Chain, ChainNode, Exposure

# --- days and case flags of new nodes --------------------------------------------------------------------------


def case_day(case):
    """The date a case is drawn and counted at: symptom onset, else sample, else report."""
    return case.onset_date or case.sample_date or case.report_date


def _cases_of(person_ids: Iterable[int]) -> dict[int, object]:
    """The newest case that is not discarded, per person (one query)."""
    from epiwatch.cases.models import Case, Classification

    found = {}
    rows = (
        Case.objects.filter(person_id__in=list(person_ids))
        .exclude(classification=Classification.DISCARDED)
        .order_by("person_id", "report_date", "pk")
        .only("person_id", "onset_date", "sample_date", "report_date")
    )
    for case in rows:
        found[case.person_id] = case  # the newest wins
    return found


# --- linking new exposures ---------------------------------------------------------------------------------------


@dataclass
class LinkOutcome:
    new_nodes: int = 0
    merges: int = 0
    cycles: int = 0


def link(exposures: Iterable[Exposure]) -> LinkOutcome:
    """Put the people of these new exposures (already saved) into chains, merging chains and updating
    generations. Call it once per batch, inside the transaction that stored the exposures."""
    exposures = [e for e in exposures if e.source_id != e.contact_id]
    outcome = LinkOutcome()
    if not exposures:
        return outcome
    # no savepoint of its own: the caller's transaction stored the exposures and must fail with the chains
    with transaction.atomic(savepoint=False):
        people = {e.source_id for e in exposures} | {e.contact_id for e in exposures}
        nodes = {n.person_id: n for n in ChainNode.objects.filter(person_id__in=people)}
        unknown = people - set(nodes)
        cases = _cases_of(unknown) if unknown else {}
        _place_new_people(exposures, nodes, cases, outcome)
        pending = [
            e for e in exposures if getattr(nodes[e.contact_id], "_placed_by", None) != e.source_id
        ]  # a new person placed under its exposure needs nothing more: chain and generation are right
        # The exposures of a batch count one after the other, as if recorded one by one: until its turn, an
        # exposure is kept out of the walks (flagged like a cycle), so that a later one cannot make an earlier one
        # look like a cycle. One exposure at a time (the usual case) needs no such care.
        hold = len(pending) > 1
        if hold:
            Exposure.objects.filter(pk__in=[e.pk for e in pending]).update(closes_cycle=True)
        for exposure in pending:
            source, contact = nodes[exposure.source_id], nodes[exposure.contact_id]
            if source.chain_id != contact.chain_id:
                _merge(source.chain_id, contact.chain_id, nodes)
                outcome.merges += 1
                cycle = False  # two people of different chains cannot be ancestors of each other
            else:
                cycle = _ancestors_include(exposure.source_id, exposure.contact_id)
            if cycle:
                outcome.cycles += 1
                if not hold:
                    Exposure.objects.filter(pk=exposure.pk).update(closes_cycle=True)
            else:
                if hold:
                    Exposure.objects.filter(pk=exposure.pk).update(closes_cycle=False)
                regenerate_from([exposure.contact_id], nodes)
            exposure.closes_cycle = cycle
    return outcome


def _place_new_people(exposures, nodes: dict, cases: dict, outcome: LinkOutcome) -> None:
    """Create the nodes of people seen for the first time, in the chain of the other end where it is known."""
    new: dict[int, ChainNode] = {}
    added: dict[int, int] = defaultdict(int)  # chain id -> nodes added to it
    for exposure in exposures:
        s, c = exposure.source_id, exposure.contact_id
        for person_id in (s, c):
            if person_id not in nodes:
                case = cases.get(person_id)
                node = ChainNode(
                    person_id=person_id,
                    is_case=case is not None,
                    day=case_day(case) if case is not None else exposure.last_contact_date,
                )
                nodes[person_id] = new[person_id] = node
        source, contact = nodes[s], nodes[c]
        if contact.chain_id is None:
            if source.chain_id is None:  # two new people: a new chain, the source its root
                source.chain_id, source.generation = Chain.objects.create(size=0).pk, 0
                added[source.chain_id] += 1
            contact.chain_id, contact.generation = source.chain_id, source.generation + 1
            contact._placed_by = s
            added[contact.chain_id] += 1
        elif source.chain_id is None:
            # a new source exposing a known contact: a root of the contact's chain; the contact's generation is
            # then worked out like that of any exposure into a known node
            source.chain_id, source.generation = contact.chain_id, 0
            added[source.chain_id] += 1
    ChainNode.objects.bulk_create(new.values(), batch_size=2000)
    for chain_id, count in added.items():
        Chain.objects.filter(pk=chain_id).update(size=F("size") + count)
    outcome.new_nodes += len(new)


def _merge(chain_a: int, chain_b: int, nodes: dict) -> int:
    """Union by size; returns the chain that remains. Locks both rows (in id order: no deadlock)."""
    a, b = sorted(Chain.objects.select_for_update().filter(pk__in=(chain_a, chain_b)), key=lambda c: c.pk)
    big, small = (a, b) if a.size >= b.size else (b, a)
    ChainNode.objects.filter(chain_id=small.pk).update(chain_id=big.pk)  # the one relabelling UPDATE
    # both chain rows in one statement: the big one grows, the small one empties and points at it (old links)
    Chain.objects.filter(pk__in=(big.pk, small.pk)).update(
        size=models.Case(models.When(pk=big.pk, then=F("size") + small.size), default=models.Value(0)),
        merged_into_id=models.Case(
            models.When(pk=small.pk, then=models.Value(big.pk)),
            default=F("merged_into_id"),
            output_field=models.BigIntegerField(),
        ),
    )
    for node in nodes.values():
        if node.chain_id == small.pk:
            node.chain_id = big.pk
    return big.pk


# --- generations -------------------------------------------------------------------------------------------------


# Walking a chain up or down is one recursive query (WITH RECURSIVE: SQLite and PostgreSQL alike) instead of one
# query per generation; UNION (not UNION ALL) drops people already reached, so the walk ends on any graph.
# A cycle-closing exposure is not followed: it yields NULL, which joins nothing. (Written as a CASE in the select
# list on purpose: a `closes_cycle` condition in the join makes SQLite 3.40 build a Bloom filter by scanning the
# whole exposure table on every call -- 800 ms at 500,000 exposures instead of under a millisecond.)
_UP = """
WITH RECURSIVE up(person_id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT CASE WHEN e.closes_cycle THEN NULL ELSE e.source_id END
    FROM {exposure} e JOIN up ON e.contact_id = up.person_id
)
SELECT 1 FROM up WHERE person_id = %s LIMIT 1
"""

# The people downstream, with their generation. The join to their node sits inside the recursive step, where both
# engines walk indexes row by row; joining the finished walk to the tables instead lets PostgreSQL guess a large
# result and hash whole tables (50 ms on a small database). The exposures into these people are read next with a
# plain IN list.
_DOWN = """
WITH RECURSIVE down(person_id, generation) AS (
    SELECT n.person_id, n.generation FROM {node} n WHERE n.person_id IN ({starts})
    UNION
    SELECT c.person_id, c.generation
    FROM {exposure} e
    JOIN down ON e.source_id = down.person_id
    JOIN {node} c ON c.person_id = CASE WHEN e.closes_cycle THEN NULL ELSE e.contact_id END
)
SELECT person_id, generation FROM down
"""


def _sql(template: str, **names: str) -> str:
    quote = connection.ops.quote_name
    return template.format(
        exposure=quote(Exposure._meta.db_table), node=quote(ChainNode._meta.db_table), **names
    )


def _ancestors_include(start: int, target: int) -> bool:
    """Whether `target` is `start` or one of its ancestors along generation-counting exposures (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_UP), [start, target])
        return cursor.fetchone() is not None


def regenerate_from(person_ids: Iterable[int], nodes: dict | None = None) -> int:
    """Recompute the generations of these people and of everyone downstream of them; returns how many changed.

    One recursive query reads the people downstream with their generation, one more every exposure into them (with
    the source's generation); they are then put in topological order over the generation-counting exposures (a DAG)
    and given min(gen(source) + 1), 0 for roots. Writes: one UPDATE per distinct change (usually one: a whole
    subtree moving down by the same number of generations).
    """
    nodes = nodes if nodes is not None else {}
    starts = list(set(person_ids))
    if not starts:
        return 0
    current: dict[int, int] = {}
    for chunk in _chunks(starts, 500):
        with connection.cursor() as cursor:
            cursor.execute(_sql(_DOWN, starts=", ".join(["%s"] * len(chunk))), chunk)
            current.update(cursor.fetchall())
    in_edges: dict[int, list[int]] = defaultdict(list)
    outside: dict[int, int] = {}
    for chunk in _chunks(list(current)):
        for contact_id, source_id, source_generation in (
            Exposure.objects.in_generations()
            .filter(contact_id__in=chunk)
            .values_list("contact_id", "source_id", "source__chain_node__generation")
        ):
            in_edges[contact_id].append(source_id)
            outside[source_id] = source_generation
    members = set(current)
    generation = {s: g for s, g in outside.items() if s not in members}
    out_edges: dict[int, list[int]] = defaultdict(list)
    for c, sources in in_edges.items():
        for s in sources:
            if s in members:
                out_edges[s].append(c)
    waiting = {m: sum(1 for s in in_edges[m] if s in members) for m in members}
    ready = deque(m for m, n in waiting.items() if n == 0)
    while ready:
        m = ready.popleft()
        generation[m] = min((generation[s] + 1 for s in in_edges[m] if s in generation), default=0)
        for c in out_edges[m]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)

    by_shift: dict[int, list[int]] = defaultdict(list)
    for m in members:
        if m in generation and generation[m] != current[m]:
            by_shift[generation[m] - current[m]].append(m)
    for shift, people in by_shift.items():
        for chunk in _chunks(people):
            ChainNode.objects.filter(person_id__in=chunk).update(generation=F("generation") + shift)
    for person_id, node in nodes.items():
        if person_id in generation and person_id in members:
            node.generation = generation[person_id]
    return sum(len(p) for p in by_shift.values())


def _chunks(values: list, size: int = 2000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- cases and people merges ---------------------------------------------------------------------------------------


def mark_case(case) -> None:
    """The person became a case: their node (if any) is drawn as a case, at the case's date."""
    ChainNode.objects.filter(person_id=case.person_id).update(is_case=True, day=case_day(case))


def join_people(keep_id: int, other_id: int) -> None:
    """Two records turned out to be one person (a merge in the registry, the references already moved): their
    chains become one. The merged-away record leaves the graph unless an exposure stayed with it."""
    found = {n.person_id: n for n in ChainNode.objects.filter(person_id__in=(keep_id, other_id))}
    if len(found) == 2 and found[keep_id].chain_id != found[other_id].chain_id:
        _merge(found[keep_id].chain_id, found[other_id].chain_id, found)
    other = found.get(other_id)
    if (
        other is not None
        and not Exposure.objects.filter(Q(source_id=other_id) | Q(contact_id=other_id)).exists()
    ):
        other.delete()
        Chain.objects.filter(pk=other.chain_id).update(size=F("size") - 1)
    if keep_id in found:
        regenerate_from([keep_id])


def rebuild_chains_of(person_ids: Iterable[int]) -> int:
    """Recompute the chains these people are in, from their exposures only (the chains are connected components,
    so nothing outside them is read): splits a chain that an undone merge of two people left joined. Returns the
    number of chains the people end up in."""
    from epiwatch.cases.models import Case, Classification

    with transaction.atomic():
        ids = set(person_ids)
        old_chains = set(ChainNode.objects.filter(person_id__in=ids).values_list("chain_id", flat=True))
        was_in = dict(ChainNode.objects.filter(chain_id__in=old_chains).values_list("person_id", "chain_id"))
        people = ids | set(was_in)
        edges: dict[int, tuple[int, int, bool, object]] = {}
        for chunk in _chunks(list(people), 1000):
            for pk, s, c, cycle, day in Exposure.objects.filter(
                Q(source_id__in=chunk) | Q(contact_id__in=chunk)
            ).values_list("pk", "source_id", "contact_id", "closes_cycle", "last_contact_date"):
                edges[pk] = (s, c, cycle, day)
        comp = components((s, c) for s, c, _cycle, _day in edges.values())
        parents: dict[int, list[int]] = defaultdict(list)
        children: dict[int, list[int]] = defaultdict(list)
        first_day: dict[int, object] = {}
        for s, c, cycle, day in edges.values():
            if not cycle:
                parents[c].append(s)
                children[s].append(c)
            for p in (s, c):
                first_day[p] = min(day, first_day.get(p, day))
        generation = _generations(comp.keys(), parents, children)
        case_days = {}
        for person_id, onset, sample, report in (
            Case.objects.filter(person_id__in=list(comp))
            .exclude(classification=Classification.DISCARDED)
            .order_by("report_date", "pk")
            .values_list("person_id", "onset_date", "sample_date", "report_date")
        ):
            case_days[person_id] = onset or sample or report
        members: dict[int, list[int]] = defaultdict(list)
        for person, root in comp.items():
            members[root].append(person)
        for chunk in _chunks(list(people)):
            ChainNode.objects.filter(person_id__in=chunk).delete()
        new_chains = Chain.objects.bulk_create([Chain(size=len(m)) for m in members.values()])
        chain_of_person = {}
        nodes = []
        for chain, group in zip(new_chains, members.values(), strict=True):
            for p in group:
                chain_of_person[p] = chain.pk
                nodes.append(
                    ChainNode(
                        person_id=p,
                        chain_id=chain.pk,
                        generation=generation.get(p, 0),
                        is_case=p in case_days,
                        day=case_days.get(p, first_day.get(p)),
                    )
                )
        ChainNode.objects.bulk_create(nodes, batch_size=2000)
        # the old chains empty out and lead to the new chain that holds most of what they held (old links)
        for old in old_chains:
            held = Counter(
                chain_of_person[p] for p, chain in was_in.items() if chain == old and p in chain_of_person
            )
            target = held.most_common(1)[0][0] if held else None
            Chain.objects.filter(pk=old).update(size=0, merged_into_id=target)
    return len(new_chains)


# --- repair: recompute everything ----------------------------------------------------------------------------------


def components(edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Connected components of an edge list by union-find: person id -> representative person id.

    This is what a system without stored chains does on every request (and the benchmark's baseline)."""
    parent: dict[int, int] = {}
    size: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        for x in (a, b):
            if x not in parent:
                parent[x], size[x] = x, 1
        ra, rb = find(a), find(b)
        if ra != rb:
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            parent[rb] = ra
            size[ra] += size[rb]
    return {x: find(x) for x in parent}


def all_components() -> dict[int, int]:
    """Every connected component, read from every exposure."""
    edges = Exposure.objects.values_list("source_id", "contact_id").iterator(chunk_size=20000)
    return components(edges)


@dataclass
class RebuildOutcome:
    chains: int
    nodes: int


def rebuild() -> RebuildOutcome:
    """Recompute every chain, node and generation from all exposures (a repair, e.g. after undoing a merge of two
    people; never needed in normal operation). Cycle flags are recomputed too."""
    from epiwatch.cases.models import Case, Classification

    with transaction.atomic():
        edges = list(
            Exposure.objects.order_by("last_contact_date", "pk").values_list("pk", "source_id", "contact_id")
        )
        comp = components((s, c) for _pk, s, c in edges)
        # cycle flags: add exposures oldest first, flag those whose contact is already an ancestor of the source
        parents: dict[int, list[int]] = defaultdict(list)
        children: dict[int, list[int]] = defaultdict(list)
        cycle_ids = []
        for pk, s, c in edges:
            if _reaches(children, c, s):
                cycle_ids.append(pk)
            else:
                parents[c].append(s)
                children[s].append(c)
        Exposure.objects.filter(closes_cycle=True).exclude(pk__in=cycle_ids).update(closes_cycle=False)
        for chunk in _chunks(cycle_ids):
            Exposure.objects.filter(pk__in=chunk).update(closes_cycle=True)
        generation = _generations(comp.keys(), parents, children)

        day_of = {}
        for s, c, day in Exposure.objects.values_list("source_id", "contact_id", "last_contact_date"):
            for p in (s, c):
                if p not in day_of or day < day_of[p]:
                    day_of[p] = day
        cases = {}
        for person_id, onset, sample, report in (
            Case.objects.exclude(classification=Classification.DISCARDED)
            .order_by("report_date", "pk")
            .values_list("person_id", "onset_date", "sample_date", "report_date")
        ):
            cases[person_id] = onset or sample or report

        ChainNode.objects.all().delete()
        Chain.objects.all().delete()
        members: dict[int, list[int]] = defaultdict(list)
        for person, root in comp.items():
            members[root].append(person)
        chains = Chain.objects.bulk_create(
            [Chain(size=len(people)) for people in members.values()], batch_size=5000
        )
        nodes = []
        for chain, people in zip(chains, members.values(), strict=True):
            for p in people:
                nodes.append(
                    ChainNode(
                        person_id=p,
                        chain_id=chain.pk,
                        generation=generation[p],
                        is_case=p in cases,
                        day=cases.get(p, day_of.get(p)),
                    )
                )
        ChainNode.objects.bulk_create(nodes, batch_size=5000)
    return RebuildOutcome(chains=len(chains), nodes=len(nodes))


def _reaches(children: dict, start: int, target: int) -> bool:
    if start == target:
        return True
    seen, stack = {start}, [start]
    while stack:
        for nxt in children.get(stack.pop(), ()):
            if nxt == target:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _generations(people, parents: dict, children: dict) -> dict[int, int]:
    """Shortest distance from the roots over a DAG (Kahn's order)."""
    waiting = {p: len(parents.get(p, ())) for p in people}
    ready = deque(p for p, n in waiting.items() if n == 0)
    generation = {}
    while ready:
        p = ready.popleft()
        generation[p] = min((generation[s] + 1 for s in parents.get(p, ())), default=0)
        for c in children.get(p, ()):
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    return generation


def chain_of(person) -> Chain | None:
    node = ChainNode.objects.select_related("chain").filter(person=person).first()
    return node.chain if node is not None else None


def nodes_q(chain: Chain) -> Q:
    return Q(chain=chain)
