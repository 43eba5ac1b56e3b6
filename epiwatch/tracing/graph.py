"""The graph of a chain or a cluster, one page at a time, laid out on the server.

A page is `limit` nodes in (generation, date) order, so the first page of a 10,000-node chain shows the index cases
and their first generations, and each next page goes further down. For a page the view needs: the counts per
generation of the whole graph (one grouped query), the page's nodes (one query), the exposures between them and the
ones arriving from earlier pages (one query), what the user may see of those people (one query), their cases and
contact records (two queries). Nothing reads the whole graph.

Nodes the user may not see (another commune's people) are drawn without personal data: no name, no link, their
district only; their key is a number valid in this response, not the person's id.

Layout: one column per generation, nodes stacked in date order; edges drawn from column to column. Exposures that
close a cycle are drawn dashed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.models import Chain, ChainNode, Cluster, ClusterMember, Contact, Exposure

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
COLUMN_WIDTH = 190
ROW_HEIGHT = 34
MARGIN = 24
_ZERO = "00000000-0000-0000-0000-000000000000"


@dataclass
class Node:
    key: str
    generation: int
    day: dt.date | None
    is_case: bool
    visible: bool
    label: str
    detail: str = ""
    status: str = ""  # css class: case / f1 / f2 / person
    url: str = ""
    x: int = 0
    y: int = 0


@dataclass
class Edge:
    source: str
    target: str
    day: dt.date
    setting: str
    closes_cycle: bool
    x1: int = 0
    y1: int = 0
    x2: int = 0
    y2: int = 0
    from_earlier_page: bool = False


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    total: int
    generations: list[tuple[int, int]]  # (generation, nodes) over the whole graph
    page: int
    pages: int
    limit: int
    hidden: int = 0  # nodes on this page shown without personal data
    width: int = 0
    height: int = 0
    cases: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def chain_nodes(chain: Chain):
    return ChainNode.objects.filter(chain=chain)


def cluster_nodes(cluster: Cluster):
    """The cluster's member cases and the people traced from them. They all sit in the chains of the members: the
    chains are read first (one small query) so that the page queries start from the chain index, whatever the
    number of people in the province."""
    members = ClusterMember.objects.filter(cluster=cluster).values("case__person_id")
    traced = Contact.objects.filter(case__cluster_memberships__cluster=cluster).values("person_id")
    chain_ids = list(
        ChainNode.objects.filter(person_id__in=members).values_list("chain_id", flat=True).distinct()
    )
    return ChainNode.objects.filter(chain_id__in=chain_ids).filter(
        Q(person_id__in=members) | Q(person_id__in=traced)
    )


def build(nodes_qs, user, page: int = 1, limit: int = DEFAULT_LIMIT) -> Graph:
    """One page of the graph of these nodes, as the user may see it."""
    from epiwatch.cases.models import Case, Classification, Severity
    from epiwatch.people.models import Person

    limit = max(1, min(int(limit or DEFAULT_LIMIT), MAX_LIMIT))
    counted = list(
        nodes_qs.order_by()
        .values_list("generation")
        .annotate(n=Count("pk"), cases=Count("pk", filter=Q(is_case=True)))
        .order_by("generation")
    )
    per_generation = [(g, n) for g, n, _c in counted]
    total = sum(n for _g, n in per_generation)
    cases = sum(c for _g, _n, c in counted)
    pages = max(1, -(-total // limit))
    page = max(1, min(int(page or 1), pages))
    rows = list(
        nodes_qs.order_by("generation", "day", "person_id").values_list(
            "person_id", "generation", "day", "is_case"
        )[(page - 1) * limit : page * limit]
    )
    person_ids = [r[0] for r in rows]
    on_page = set(person_ids)
    edges_in = list(
        Exposure.objects.filter(contact_id__in=person_ids).values_list(
            "source_id", "contact_id", "last_contact_date", "setting", "closes_cycle"
        )
    )
    seen = may_see_people(user, person_ids)
    # plain rows, not model instances: a page builds hundreds of nodes and each instance costs
    people = {
        row[0]: row
        for row in Person.objects.filter(pk__in=seen).values_list(
            "pk", "public_id", "full_name", "date_of_birth", "birth_year", "residence__name"
        )
    }
    hidden_areas = _districts(set(person_ids) - seen)
    case_of = {}
    for person_id, classification, severity in (
        Case.objects.filter(person_id__in=person_ids)
        .exclude(classification=Classification.DISCARDED)
        .order_by("report_date", "pk")
        .values_list("person_id", "classification", "severity")
    ):
        case_of[person_id] = (str(Classification(classification).label), str(Severity(severity).label))
    level_of = {}
    for person_id, level in Contact.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "level"
    ):
        level_of[person_id] = min(level, level_of.get(person_id, level))
    person_url = reverse("person-detail", args=[_ZERO])  # one reverse() for the page, not one per node

    keys, hidden = {}, 0
    nodes = []
    columns: dict[int, int] = defaultdict(int)
    first_generation = rows[0][1] if rows else 0
    for person_id, generation, day, is_case in rows:
        visible = person_id in seen
        key = str(people[person_id][1]) if visible else f"n{len(keys) + 1}"
        keys[person_id] = key
        case = case_of.get(person_id)
        level = level_of.get(person_id)
        status = "case" if (is_case or case) else (f"f{level}" if level else "person")
        if visible:
            _pk, public_id, full_name, born, birth_year, residence = people[person_id]
            label = full_name
            detail = ", ".join(
                filter(None, [born.strftime("%d/%m/%Y") if born else str(birth_year or ""), residence])
            )
            url = person_url.replace(_ZERO, str(public_id))
        else:
            hidden += 1
            label = (
                _("Case")
                if status == "case"
                else (_("Contact F%(level)s") % {"level": level} if level else _("Person"))
            )
            detail = hidden_areas.get(person_id, "")
            url = ""
        if case is not None:
            detail = ", ".join(filter(None, [detail, *case]))
        column = generation - first_generation
        nodes.append(
            Node(
                key=key,
                generation=generation,
                day=day,
                is_case=bool(is_case or case),
                visible=visible,
                label=label,
                detail=detail,
                status=status,
                url=url,
                x=MARGIN + column * COLUMN_WIDTH,
                y=MARGIN + columns[column] * ROW_HEIGHT,
            )
        )
        columns[column] += 1
    position = {n.key: n for n in nodes}
    edges = []
    for source_id, contact_id, day, setting, cycle in edges_in:
        target = position[keys[contact_id]]
        if source_id in on_page:
            source = position[keys[source_id]]
            edges.append(
                Edge(source.key, target.key, day, setting, cycle, source.x, source.y, target.x, target.y)
            )
        else:
            edges.append(
                Edge("", target.key, day, setting, cycle, target.x - 40, target.y, target.x, target.y, True)
            )
    height = MARGIN * 2 + max(columns.values(), default=1) * ROW_HEIGHT
    width = MARGIN * 2 + (max(columns, default=0) + 1) * COLUMN_WIDTH
    return Graph(
        nodes=nodes,
        edges=edges,
        total=total,
        generations=per_generation,
        page=page,
        pages=pages,
        limit=limit,
        hidden=hidden,
        width=width,
        height=height,
        cases=cases,
    )


def _districts(person_ids: set[int]) -> dict[int, str]:
    """The district name of people shown without personal data (a district is not identifying)."""
    from epiwatch.geo.models import Area
    from epiwatch.people.models import Person

    if not person_ids:
        return {}
    paths = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "residence__path"))
    district_codes = {p.split("/")[1] for p in paths.values() if p and p.count("/") >= 1}
    names = dict(Area.objects.filter(code__in=district_codes, kind="district").values_list("code", "name"))
    found = {}
    for person_id, path in paths.items():
        if path and path.count("/") >= 1:
            found[person_id] = names.get(path.split("/")[1], "")
    return found


def chain_for_user(public_id, user) -> Chain:
    """The chain by public id, followed through merges, if the user may see it (404 otherwise)."""
    chain = Chain.objects.filter(public_id=public_id).first() if _is_uuid(public_id) else None
    if chain is not None:
        chain = chain.current()
    return access.get_for_user(Chain, user, pk=chain.pk if chain is not None else None)


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
