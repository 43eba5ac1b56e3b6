"""Benchmark: chains of transmission kept incrementally, against recomputing them from all exposures.

    .venv/bin/python bench/chains.py [--cases 100000] [--exposures 500000] [--cluster 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/chains.py

Runs on the configured database engine but in a database of its own (`bench_chains` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run. It builds an epidemic of N cases and M exposures: chains
grown from index cases, each case exposing about five people of whom about one becomes a case, dates increasing
down each chain; one outbreak is a cluster of about 10,000 people (its cases are the cluster's members, their
contacts are the contact records). The chains are then built once with `tracing.chains.rebuild()`. It measures:

(a) adding one exposure that merges two chains, as the application does it (the exposure row, then
    `chains.link`: the smaller chain relabelled in one UPDATE, generations downstream of the contact recomputed),
    for 25 pairs of chains of the usual sizes (the contact being the other chain's index case, so its whole chain
    moves down a generation), and once more with the 10,000-node chain's index case as the contact (the worst case:
    10,000 generations to rewrite);
    baseline, in the same run: recomputing all connected components from all exposures (`chains.all_components`:
    read every exposure, union-find), what a system without stored chains does on each request;
(b) loading the graph of the 10,000-node cluster as the view needs it (`tracing.graph.build`: counts per
    generation, one page of 200 nodes with their exposures, what the user may see, cases, contact levels), for
    the first and a middle page, as a province analyst (access checks included).

It prints the figures, then the ratio baseline / median (a) as the last line (goal: at least 100; (b) under 200 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiwatch.settings")
os.environ.setdefault("EPIWATCH_ALLOW_INSECURE_KEY", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from epiwatch.accounts import audit  # noqa: E402
from epiwatch.accounts.models import Membership, Organization, OrgKind, Role  # noqa: E402
from epiwatch.cases.models import Case, Classification  # noqa: E402
from epiwatch.geo.models import Area, AreaKind  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402
from epiwatch.tracing import chains, graph  # noqa: E402
from epiwatch.tracing.models import (  # noqa: E402
    ChainNode,
    Cluster,
    ClusterKind,
    ClusterMember,
    Contact,
    Exposure,
    Setting,
)

START = dt.date(2021, 10, 1)
BATCH = 10_000


def build_areas() -> list[Area]:
    province = Area.objects.create(code="95", name="Tỉnh Bạc Liêu", kind=AreaKind.PROVINCE, path="95")
    communes = []
    for d in range(7):
        district = Area.objects.create(
            code=f"95{d}", name=f"Huyện {d}", kind=AreaKind.DISTRICT, parent=province, path=f"95/95{d}"
        )
        for c in range(9):
            code = f"318{d}{c}"
            communes.append(
                Area.objects.create(
                    code=code,
                    name=f"Xã {d}.{c}",
                    kind=AreaKind.COMMUNE,
                    parent=district,
                    path=f"{district.path}/{code}",
                )
            )
    return communes


class Epidemic:
    """Chains as trees: each case exposes ~5 people (one of whom, on average, becomes a case), dates increasing."""

    def __init__(self, cases: int, exposures: int, cluster: int, rng: random.Random):
        self.rng = rng
        self.person_count = 0
        self.cases: list[tuple[int, dt.date]] = []  # (person index, onset)
        self.edges: list[tuple[int, int, dt.date]] = []  # (source index, contact index, day)
        self.chain_roots: list[int] = []
        self.cluster_cases: list[int] = []
        per_case = max(1, round(exposures / cases))
        # the cluster: a chain of about `cluster` people (cases + their contacts)
        self._grow(max(1, cluster // per_case), per_case, cluster_chain=True)
        while len(self.cases) < cases:
            size = min(cases - len(self.cases), max(1, int(self.rng.paretovariate(1.6))))
            self._grow(size, per_case)
        # top the exposures up to the number asked (more contacts of random cases)
        while len(self.edges) < exposures:
            source, onset = self.rng.choice(self.cases)
            self.edges.append((source, self._person(), onset + dt.timedelta(days=1)))

    def _person(self) -> int:
        self.person_count += 1
        return self.person_count - 1

    def _grow(self, case_count: int, per_case: int, cluster_chain: bool = False) -> None:
        """One chain of `case_count` cases: each case exposes `per_case` people, of whom one or two (30 %) become
        cases while the chain still needs cases; so chains branch and run for tens of generations when big."""
        root = self._person()
        onset = START + dt.timedelta(days=self.rng.randrange(40))
        self.chain_roots.append(root)
        frontier = [(root, onset)]
        made = 0
        while frontier and made < case_count:
            case, day = frontier.pop(0)
            self.cases.append((case, day))
            made += 1
            children = [self._person() for _ in range(per_case)]
            for child in children:
                self.edges.append((case, child, day + dt.timedelta(days=1)))
            if cluster_chain:
                self.cluster_cases.append(case)
            wanted = case_count - made - len(frontier)
            secondary = min(wanted, 1 + (self.rng.random() < 0.3)) if wanted > 0 else 0
            for child in children[:secondary]:
                frontier.append((child, day + dt.timedelta(days=3)))


def insert(model, objects) -> None:
    """Write unsaved instances straight into the table: COPY on PostgreSQL, executemany on SQLite (a load, not an
    application path: no save(), no audit). Values go through each field's own conversion, so the columns stay
    right whatever the model grows."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)

    def values(obj):
        return tuple(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)

    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objects:
                    copy.write_row(values(obj))
        else:
            marks = ", ".join(["?"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
            chunk = []
            for obj in objects:
                chunk.append(values(obj))
                if len(chunk) == BATCH:
                    raw.executemany(sql, chunk)
                    chunk = []
            raw.executemany(sql, chunk)


def load(epidemic: Epidemic, communes: list[Area]) -> tuple[list[int], dict[int, int]]:
    """Write people, cases and exposures in bulk; ids come back in insertion order (a fresh database)."""
    started = time.perf_counter()
    with transaction.atomic():
        insert(
            Person,
            (
                Person(
                    full_name=f"Người {i}",
                    name_norm=f"nguoi {i}",
                    birth_year=1950 + i % 60,
                    residence=communes[i % len(communes)],
                )
                for i in range(epidemic.person_count)
            ),
        )
        person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        insert(
            Case,
            (
                Case(
                    person_id=person_ids[i],
                    classification=Classification.CONFIRMED,
                    onset_date=onset,
                    report_date=onset + dt.timedelta(days=2),
                    area=communes[i % len(communes)],
                    province_code="95",
                )
                for i, onset in epidemic.cases
            ),
        )
        case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        case_of = {i: pk for (i, _onset), pk in zip(epidemic.cases, case_ids, strict=True)}
        insert(
            Exposure,
            (
                Exposure(
                    source_id=person_ids[s],
                    contact_id=person_ids[c],
                    last_contact_date=day,
                    setting=Setting.HOUSEHOLD,
                )
                for s, c, day in epidemic.edges
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {epidemic.person_count:,} people, {len(epidemic.cases):,} cases, {len(epidemic.edges):,} exposures "
        f"on {connection.vendor} in {time.perf_counter() - started:.1f} s"
    )
    return person_ids, case_of


def make_cluster(epidemic: Epidemic, person_ids: list[int], case_of: dict[int, int], area: Area) -> Cluster:
    """The big outbreak as a cluster: its cases are the members, the people they exposed their F1 records."""
    cluster = Cluster.objects.create(
        name="Nhà máy thủy sản", kind=ClusterKind.ENTERPRISE, area=area, opened_on=START
    )
    ClusterMember.objects.bulk_create(
        [ClusterMember(cluster=cluster, case_id=case_of[i], day=START) for i in epidemic.cluster_cases],
        batch_size=BATCH,
    )
    case_of_person = {person_ids[i]: case_of[i] for i in epidemic.cluster_cases}
    case_people = {person_ids[i] for i in case_of}
    rows = Exposure.objects.filter(source_id__in=list(case_of_person)).values_list(
        "pk", "source_id", "contact_id", "last_contact_date"
    )
    Contact.objects.bulk_create(
        [
            Contact(
                case_id=case_of_person[s],
                person_id=c,
                level=1,
                exposure_id=pk,
                last_contact_date=day,
                area_id=area.pk,
                province_code="95",
            )
            for pk, s, c, day in rows
            if c not in case_people
        ],
        batch_size=BATCH,
    )
    return cluster


def analyst(province: Area) -> User:
    org = Organization.objects.create(code="bl-cdc", name="CDC", kind=OrgKind.CDC, area=province)
    user = User.objects.create_user("analyst", password="x" * 12)
    Membership.objects.create(user=user, organization=org, role=Role.ANALYST)
    return user


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def add_exposure(source_id: int, contact_id: int, day: dt.date) -> float:
    """What the application does for the chains when an exposure arrives: store it (audited), link it. The two
    people are read before the clock starts, as the page that records the exposure has them already."""
    source, contact = Person.objects.get(pk=source_id), Person.objects.get(pk=contact_id)
    started = time.perf_counter()
    with transaction.atomic():
        exposure = Exposure(source=source, contact=contact, last_contact_date=day)
        exposure.save()
        chains.link([exposure])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--exposures", type=int, default=500_000)
    parser.add_argument(
        "--cluster", type=int, default=10_000, help="people in the big cluster (default 10,000)"
    )
    parser.add_argument("--merges", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database (to look at query plans)"
    )
    args = parser.parse_args()

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": str(var / "bench_chains.sqlite3")}
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_chains"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(args.seed)
        communes = build_areas()
        province = Area.objects.get(code="95")
        epidemic = Epidemic(args.cases, args.exposures, args.cluster, rng)
        person_ids, case_of = load(epidemic, communes)
        took, outcome = timed(chains.rebuild)
        print(
            f"chains built from scratch (rebuild, writes every node): {outcome.chains:,} chains, {outcome.nodes:,} people in {took:.1f} s"
        )
        cluster = make_cluster(epidemic, person_ids, case_of, communes[0])
        user = analyst(province)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        # baseline: every component from every exposure, three times, the best
        baseline = min(timed(chains.all_components)[0] for _ in range(3))
        print(
            f"baseline, all components from all {len(epidemic.edges):,} exposures: {baseline * 1000:,.0f} ms"
        )

        # (a) merges of usual chains: an exposure from a case of one chain to the index case of another
        roots = [person_ids[r] for r in epidemic.chain_roots[1:]]
        rng.shuffle(roots)
        sizes = []
        merge_times = []
        with audit.acting(via="command"):
            for source_root, target_root in zip(
                roots[: args.merges], roots[args.merges : 2 * args.merges], strict=True
            ):
                source_chain = ChainNode.objects.get(person_id=source_root).chain
                target_chain = ChainNode.objects.get(person_id=target_root).chain
                if source_chain.pk == target_chain.pk:
                    continue
                sizes.append((source_chain.size, target_chain.size))
                merge_times.append(add_exposure(source_root, target_root, START + dt.timedelta(days=60)))
            median = statistics.median(merge_times)
            print(
                f"(a) add one exposure merging two chains: median {median * 1000:.1f} ms, max {max(merge_times) * 1000:.1f} ms "
                f"over {len(merge_times)} merges (chain sizes {min(min(s) for s in sizes)}-{max(max(s) for s in sizes)} people)"
            )
            big_root = person_ids[epidemic.chain_roots[0]]
            big = ChainNode.objects.get(person_id=big_root).chain
            worst = add_exposure(roots[-1], big_root, START + dt.timedelta(days=60))
            print(
                f"(a') worst case: the {big.size:,}-node chain's index case exposed by another chain "
                f"({big.size:,} generations rewritten): {worst * 1000:.0f} ms"
            )

        # (b) the cluster's graph as the view needs it
        nodes = graph.cluster_nodes(cluster)
        total = nodes.count()
        first = min(timed(graph.build, nodes, user, page=1)[0] for _ in range(3))
        middle_page = max(1, total // graph.DEFAULT_LIMIT // 2)
        middle = min(timed(graph.build, nodes, user, page=middle_page)[0] for _ in range(3))
        built = graph.build(nodes, user, page=1)
        print(
            f"(b) graph of the {total:,}-node cluster, page of {graph.DEFAULT_LIMIT}: first page {first * 1000:.0f} ms, "
            f"page {middle_page} {middle * 1000:.0f} ms ({len(built.nodes)} nodes, {len(built.edges)} edges, "
            f"{len(built.generations)} generations)"
        )
        chain_nodes = graph.chain_nodes(ChainNode.objects.get(person_id=big_root).chain)
        whole = min(
            timed(lambda: list(chain_nodes.values_list("person_id", "generation", "day", "is_case")))[0]
            for _ in range(3)
        )
        print(
            f"    for comparison, reading all {chain_nodes.count():,} nodes of its chain at once: {whole * 1000:.0f} ms"
        )
        print(f"ratio baseline/median (a): {baseline / median:,.0f}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
