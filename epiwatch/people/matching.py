"""Finding the registry's record of a person from what a form, a spreadsheet row or the API says about them.

The order (DESIGN §4):

1. national ID, exactly: the same person even when other fields differ, but a contradiction (another birth date,
   sex or name) is never written over: the outcome lists the field in `conflicts` and the caller flags the row;
2. phone + normalised name + birth (the date when both sides know it, else the year);
3. normalised name + birth + commune (certain only when both sides know the full birth date).

A weaker key that finds a record with another national ID, more than one record, or a record that contradicts
the row in sex or birth date is uncertain: the row becomes a new person AND a `DuplicateCandidate` that a province
administrator decides on. Nothing is ever merged silently. A found person's blank fields (a phone, a national ID,
a residence) are filled from the row; a non-blank value is never overwritten.

`match()` only reads; `match_or_create()` also writes (one row); `match_many()` is the batch variant imports use:
a batch of 1,000 rows costs three lookups (IN on national_id, on phone, on name) plus the bulk writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import natid
from epiwatch.lib.text import normalize_name, normalize_phone
from epiwatch.people.models import DuplicateCandidate, Person, Sex

NATIONAL_ID = "national_id"
PHONE_NAME_BIRTH = "phone_name_birth"
NAME_BIRTH_COMMUNE = "name_birth_commune"

# how sure an uncertain match is, shown on the duplicates page (higher = more likely the same person)
SCORE_SEVERAL_SAME_PHONE = 0.8
SCORE_PHONE_OTHER_ID = 0.7
SCORE_NAME_BIRTH_COMMUNE = 0.6
SCORE_CONTRADICTION = 0.5
MAX_CANDIDATES_PER_ROW = 5
LOOKUP_CHUNK = 2000  # IN lists per query: far below every backend's parameter limit
NAME_PAIRS_PER_QUERY = 250  # (name, year) pairs OR-ed in one query


@dataclass
class Incoming:
    """What a row says about a person, normalised the way the registry stores it."""

    national_id: str | None
    full_name: str
    name_norm: str
    date_of_birth: dt.date | None
    birth_year: int | None
    sex: str
    phone: str
    residence: object | None  # an Area
    address: str

    @classmethod
    def from_fields(cls, fields: dict) -> Incoming:
        dob = fields.get("date_of_birth")
        if isinstance(dob, dt.datetime):
            dob = dob.date()
        year = fields.get("birth_year")
        year = dob.year if dob else (int(year) if year not in (None, "") else None)
        full_name = " ".join(str(fields.get("full_name") or "").split())
        phone = str(fields.get("phone") or "").strip()
        sex = fields.get("sex") or Sex.UNKNOWN
        return cls(
            national_id=natid.clean(fields.get("national_id")) or None,
            full_name=full_name,
            name_norm=normalize_name(full_name),
            date_of_birth=dob,
            birth_year=year,
            sex=sex if sex in (Sex.MALE, Sex.FEMALE) else Sex.UNKNOWN,
            phone=normalize_phone(phone) or phone,
            residence=fields.get("residence"),
            address=str(fields.get("address") or "").strip(),
        )

    @property
    def has_birth(self) -> bool:
        return self.birth_year is not None

    def person_values(self) -> dict:
        """The row as Person attnames: what fill_blanks() may take."""
        return {
            "national_id": self.national_id,
            "date_of_birth": self.date_of_birth,
            "birth_year": self.birth_year,
            "sex": self.sex,
            "phone": self.phone,
            "residence_id": getattr(self.residence, "pk", None),
            "address": self.address,
        }

    def new_person(self, organization=None) -> Person:
        return Person(
            national_id=self.national_id,
            full_name=self.full_name,
            date_of_birth=self.date_of_birth,
            birth_year=self.birth_year,
            sex=self.sex,
            phone=self.phone,
            residence=self.residence,
            address=self.address,
            created_by=organization,
        ).prepare()


@dataclass
class MatchOutcome:
    """The registry's answer for one row.

    person     the matched record, the created one, or None (match() found nothing: a new person is needed)
    created    a new person was created for the row
    candidate  the DuplicateCandidate recorded when the match was uncertain (the new person may be `possible`)
    conflicts  field names where the row contradicts the record found by national ID: flag the row
    """

    person: Person | None = None
    created: bool = False
    candidate: DuplicateCandidate | None = None
    conflicts: list[str] = field(default_factory=list)
    level: str = ""  # the key that found `person` (NATIONAL_ID, PHONE_NAME_BIRTH, NAME_BIRTH_COMMUNE)
    possible: list[Person] = field(default_factory=list)  # existing records the row may be (uncertain)
    reason: str = ""
    score: float = 0.0
    filled: dict = field(default_factory=dict)  # blank fields of the found person filled from the row
    incoming: Incoming | None = None

    @property
    def found(self) -> bool:
        """An existing record was found for certain (no new person needed)."""
        return self.person is not None and not self.created

    @property
    def uncertain(self) -> bool:
        return bool(self.possible)

    def conflict_messages(self) -> list[str]:
        """'date_of_birth differs from the registry (01/02/1990)': what the caller shows next to the row."""
        return [
            f"{name} differs from the registry ({registry_value(self.person, name)})"
            for name in self.conflicts
        ]


def registry_value(person: Person | None, name: str) -> str:
    if person is None:
        return ""
    if name == "date_of_birth":
        return person.birth_display()
    if name == "sex":
        return person.get_sex_display()
    return str(getattr(person, name) or "")


# --- the decision, the same for one row and for a batch -----------------------------------------------------


def _birth_agrees(row: Incoming, person: Person) -> bool:
    if row.date_of_birth and person.date_of_birth:
        return row.date_of_birth == person.date_of_birth
    return row.birth_year is not None and row.birth_year == person.birth_year


def _commune_path(area) -> str | None:
    """The commune an area belongs to: itself, or the parent of a village."""
    if area is None:
        return None
    return area.path.rsplit("/", 1)[0] if area.kind == "village" else area.path


def _contradictions(row: Incoming, person: Person) -> list[str]:
    """Fields where the row and the record found by national ID both have a value and disagree."""
    conflicts = []
    if row.date_of_birth and person.date_of_birth:
        if row.date_of_birth != person.date_of_birth:
            conflicts.append("date_of_birth")
    elif row.birth_year and person.birth_year and row.birth_year != person.birth_year:
        conflicts.append("date_of_birth" if row.date_of_birth else "birth_year")
    if Sex.UNKNOWN not in (row.sex, person.sex) and row.sex != person.sex:
        conflicts.append("sex")
    if row.name_norm and person.name_norm and row.name_norm != person.name_norm:
        conflicts.append("full_name")
    return conflicts


def _doubt(row: Incoming, person: Person) -> str:
    """Why a weak-key hit cannot be taken as the same person ('' when nothing speaks against it)."""
    if row.national_id and person.national_id and row.national_id != person.national_id:
        return "a different national ID"
    if Sex.UNKNOWN not in (row.sex, person.sex) and row.sex != person.sex:
        return "a different sex"
    if row.national_id and not person.national_id:
        try:
            number = natid.parse(row.national_id)
        except natid.NationalIdError:
            return ""
        if not number.agrees_with(sex=person.sex, birth_year=person.birth_year):
            return "a national ID that gives another sex or birth year"
    return ""


def decide(
    row: Incoming, by_id: Person | None, by_phone: Iterable[Person], by_name: Iterable[Person]
) -> MatchOutcome:
    """The outcome for one row given the records each key found (no queries)."""
    if row.national_id and by_id is not None:
        return MatchOutcome(
            person=by_id, level=NATIONAL_ID, conflicts=_contradictions(row, by_id), incoming=row
        )

    phone_hits = [p for p in by_phone if p.name_norm == row.name_norm and _birth_agrees(row, p)]
    if phone_hits:
        doubts = [_doubt(row, p) for p in phone_hits]
        if len(phone_hits) == 1 and not doubts[0]:
            return MatchOutcome(person=phone_hits[0], level=PHONE_NAME_BIRTH, incoming=row)
        if len(phone_hits) > 1:
            reason, score = (
                f"same phone, name and birth as {len(phone_hits)} records",
                SCORE_SEVERAL_SAME_PHONE,
            )
        elif doubts[0] == "a different national ID":
            reason, score = "same phone, name and birth but a different national ID", SCORE_PHONE_OTHER_ID
        else:
            reason, score = f"same phone, name and birth but {doubts[0]}", SCORE_CONTRADICTION
        return MatchOutcome(
            level=PHONE_NAME_BIRTH,
            possible=phone_hits[:MAX_CANDIDATES_PER_ROW],
            reason=reason,
            score=score,
            incoming=row,
        )

    commune = _commune_path(row.residence)
    name_hits = [
        p
        for p in by_name
        if commune
        and p.name_norm == row.name_norm
        and _birth_agrees(row, p)
        and _commune_path(p.residence) == commune
    ]
    if name_hits:
        only = name_hits[0]
        exact_dates = row.date_of_birth is not None and only.date_of_birth is not None
        if len(name_hits) == 1 and exact_dates and not _doubt(row, only):
            return MatchOutcome(person=only, level=NAME_BIRTH_COMMUNE, incoming=row)
        doubt = next((d for d in (_doubt(row, p) for p in name_hits) if d), "")
        reason = "same name, birth and commune" + (f" but {doubt}" if doubt else "")
        if len(name_hits) > 1:
            reason = f"same name, birth and commune as {len(name_hits)} records"
        score = SCORE_CONTRADICTION if doubt else SCORE_NAME_BIRTH_COMMUNE
        return MatchOutcome(
            level=NAME_BIRTH_COMMUNE,
            possible=name_hits[:MAX_CANDIDATES_PER_ROW],
            reason=reason,
            score=score,
            incoming=row,
        )

    return MatchOutcome(incoming=row)


def _key(person: Person):
    return person.pk if person.pk is not None else id(person)


def _identical(row: Incoming, person: Person) -> bool:
    return (
        row.name_norm == person.name_norm
        and row.date_of_birth == person.date_of_birth
        and row.birth_year == person.birth_year
        and row.sex == person.sex
        and row.phone == person.phone
        and row.national_id == person.national_id
        and _commune_path(row.residence) == _commune_path(person.residence)
    )


def settle(outcome: MatchOutcome, pairs: set) -> MatchOutcome:
    """An uncertain row that was registered before: one of the possible records is identical to the row and was
    created as a candidate duplicate of all the others (`pairs` holds (existing, new) keys of known candidates).
    That record is the row's person: importing the same file twice must not add a person each time."""
    for record in outcome.possible:
        others = [p for p in outcome.possible if _key(p) != _key(record)]
        if (
            others
            and _identical(outcome.incoming, record)
            and all((_key(o), _key(record)) in pairs for o in others)
        ):
            return MatchOutcome(person=record, level=outcome.level, incoming=outcome.incoming)
    return outcome


def _known_pairs(people: Iterable[Person]) -> set:
    pks = [p.pk for p in people if p.pk is not None]
    if len(pks) < 2:
        return set()
    return set(
        DuplicateCandidate.objects.filter(person_a__in=pks, person_b__in=pks).values_list(
            "person_a_id", "person_b_id"
        )
    )


# --- one row ---------------------------------------------------------------------------------------------------


def match(fields: dict) -> MatchOutcome:
    """What the registry knows about this person; reads only (a few indexed queries)."""
    row = Incoming.from_fields(fields)
    people = Person.objects.active()
    if row.national_id:
        by_id = people.filter(national_id=row.national_id).first()
        if by_id is not None:
            return decide(row, by_id, [], [])
    outcome = MatchOutcome(incoming=row)
    if row.phone and row.name_norm and row.has_birth:
        by_phone = people.filter(phone=row.phone, name_norm=row.name_norm).select_related("residence")
        outcome = decide(row, None, by_phone, [])
    if (
        not (outcome.person or outcome.possible)
        and row.residence is not None
        and row.name_norm
        and row.has_birth
    ):
        hits = people.filter(
            name_norm=row.name_norm,
            birth_year=row.birth_year,
            residence_id__in=_commune_area_ids({_commune_id(row.residence)}),
        )
        outcome = decide(row, None, [], hits.select_related("residence"))
    if len(outcome.possible) > 1:
        outcome = settle(outcome, _known_pairs(outcome.possible))
    return outcome


def commit(outcome: MatchOutcome, organization=None) -> MatchOutcome:
    """Write what a match() outcome calls for: fill the found person's blanks, or create the new person (and the
    duplicate candidates when the match was uncertain)."""
    row = outcome.incoming
    if outcome.found:
        if not outcome.conflicts:  # a row that contradicts the record may be about someone else: take nothing
            outcome.filled = outcome.person.fill_blanks(row.person_values())
            if outcome.filled:
                outcome.person.save()
        return outcome
    person = row.new_person(organization)
    person.save()
    outcome.person, outcome.created = person, True
    candidates = [_candidate(existing, person, outcome) for existing in outcome.possible]
    for candidate in candidates:
        candidate.save()
    outcome.candidate = candidates[0] if candidates else None
    return outcome


def match_or_create(fields: dict, organization=None) -> MatchOutcome:
    """The person a row is about, created when the registry has no certain match."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return commit(match(fields), organization)
        except IntegrityError:
            # someone registered the same national ID meanwhile: match again, it will be found
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _candidate(existing: Person, new: Person, outcome: MatchOutcome) -> DuplicateCandidate:
    return DuplicateCandidate(
        person_a=existing, person_b=new, reason=outcome.reason[:200], score=outcome.score
    )


def find_possible_duplicates(person: Person) -> list[DuplicateCandidate]:
    """After an edit: record candidates for other records that the person's identity now matches on a weaker key
    (an exact national ID is refused by the form before this is called). Existing pairs are left alone."""
    fields = {f: getattr(person, f) for f in ("full_name", "date_of_birth", "birth_year", "sex", "phone")}
    fields.update(national_id=person.national_id, residence=person.residence)
    row = Incoming.from_fields(fields)
    others = Person.objects.active().exclude(pk=person.pk)
    by_phone = (
        list(others.filter(phone=row.phone, name_norm=row.name_norm)) if row.phone and row.has_birth else []
    )
    by_name = []
    if row.residence is not None and row.has_birth:
        by_name = list(
            others.filter(name_norm=row.name_norm, birth_year=row.birth_year).select_related("residence")
        )
    outcome = decide(row, None, by_phone, by_name)
    hits = outcome.possible or ([outcome.person] if outcome.person else [])
    if outcome.person:
        outcome.reason, outcome.score = f"after an edit: {outcome.level.replace('_', ', ')} agree", 0.9
    known = set(
        DuplicateCandidate.objects.filter(person_a__in=hits, person_b=person).values_list(
            "person_a_id", flat=True
        )
    ) | set(
        DuplicateCandidate.objects.filter(person_a=person, person_b__in=hits).values_list(
            "person_b_id", flat=True
        )
    )
    created = [_candidate(other, person, outcome) for other in hits if other.pk not in known]
    return DuplicateCandidate.objects.bulk_create(created)


# --- a batch ---------------------------------------------------------------------------------------------------


def _json(changes: dict) -> dict:
    return {k: [v.isoformat() if isinstance(v, dt.date) else v for v in pair] for k, pair in changes.items()}


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _commune_id(area) -> int:
    return area.parent_id if area.kind == "village" and area.parent_id else area.pk


def _commune_area_ids(communes: set[int]) -> list[int]:
    """The communes and their villages: where a person of those communes may be registered as living."""
    villages = (
        Area.objects.filter(parent_id__in=communes, kind=AreaKind.VILLAGE)
        .order_by()
        .values_list("pk", flat=True)
    )
    return [*communes, *villages]


class _Index:
    """The registry records a batch may match, keyed the three ways, plus the people the batch itself creates."""

    def __init__(self, rows: list[Incoming]):
        people = Person.objects.active()
        self.by_id: dict[str, Person] = {}
        ids = {r.national_id for r in rows if r.national_id}
        for chunk in _chunks(ids):  # query 1: the exact key
            for p in people.filter(national_id__in=chunk):
                self.by_id[p.national_id] = p
        weak = [r for r in rows if r.name_norm and r.has_birth and r.national_id not in self.by_id]
        self.by_phone: dict[str, list[Person]] = defaultdict(list)
        phones = {r.phone for r in weak if r.phone}
        for chunk in _chunks(phones):  # query 2: phone (+ name, served by the (phone, name_norm) index)
            in_chunk = set(chunk)
            names = {r.name_norm for r in weak if r.phone in in_chunk}
            for p in people.filter(phone__in=chunk, name_norm__in=names).select_related("residence"):
                self.by_phone[p.phone].append(p)
        self.by_name: dict[tuple[str, int], list[Person]] = defaultdict(list)
        # only the rows the phone did not settle, and only in their communes: common names recur in every year
        named = [r for r in weak if r.residence is not None and not self._phone_settles(r)]
        if named:
            areas = _commune_area_ids({_commune_id(r.residence) for r in named})  # query 3a: villages
            pairs = sorted({(r.name_norm, r.birth_year) for r in named})
            for chunk in _chunks(pairs, NAME_PAIRS_PER_QUERY):  # query 3b: exact (name, year) pairs
                # OR of pairs, not name IN x year IN: common names recur in every year, the cross product
                # would read thousands of records; each pair is one seek in the (name_norm, birth_year) index
                either = Q(pk__in=[])
                for name, year in chunk:
                    either |= Q(name_norm=name, birth_year=year)
                for p in people.filter(either, residence_id__in=areas).select_related("residence"):
                    self.by_name[(p.name_norm, p.birth_year)].append(p)
        self._pairs: set | None = None

    def _phone_settles(self, row: Incoming) -> bool:
        return any(
            p.name_norm == row.name_norm and _birth_agrees(row, p) for p in self.by_phone.get(row.phone, ())
        )

    @property
    def pairs(self) -> set:
        """Candidates recorded by earlier imports between the records the weak keys found: read (query 4) only
        when a row found several records."""
        if self._pairs is None:
            weak_hits = [p for hits in (*self.by_phone.values(), *self.by_name.values()) for p in hits]
            self._pairs = _known_pairs(weak_hits)
        return self._pairs

    def decide(self, row: Incoming) -> MatchOutcome:
        by_id = self.by_id.get(row.national_id) if row.national_id else None
        by_phone = self.by_phone.get(row.phone, ()) if row.phone and by_id is None else ()
        by_name = self.by_name.get((row.name_norm, row.birth_year), ()) if by_id is None else ()
        outcome = decide(row, by_id, by_phone, by_name)
        if len(outcome.possible) > 1:
            outcome = settle(outcome, self.pairs)
        return outcome

    def remember_candidates(self, outcome: MatchOutcome) -> None:
        if outcome.possible:
            self.pairs.update((_key(existing), _key(outcome.person)) for existing in outcome.possible)

    def add(self, person: Person) -> None:
        """A person the batch created (or completed): later rows of the same batch find it."""
        if person.national_id:
            self.by_id[person.national_id] = person
        if person.phone and person not in self.by_phone[person.phone]:
            self.by_phone[person.phone].append(person)
        key = (person.name_norm, person.birth_year)
        if person not in self.by_name[key]:
            self.by_name[key].append(person)


def match_many(rows: Sequence[dict], organization=None, create: bool = True) -> list[MatchOutcome]:
    """match_or_create() for a batch, in input order; with create=False nothing is written (a dry run).

    Rows of the same batch about the same person resolve to the same record. Queries: three lookups, then one
    bulk insert of the new people, one of their audit events, one of the candidates, one update of filled blanks.
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _match_many(rows, organization, create)
        except IntegrityError:
            # a concurrent import registered one of the national IDs meanwhile: the second pass finds it
            if attempt == 2 or not create:
                raise
    raise AssertionError("unreachable")


def _match_many(rows: Sequence[dict], organization, create: bool) -> list[MatchOutcome]:
    incoming = [Incoming.from_fields(r) for r in rows]
    index = _Index(incoming)
    outcomes: list[MatchOutcome] = []
    new_people: list[Person] = []
    new_ids: set[int] = set()  # id() of people created by this batch
    filled: dict[int, tuple[Person, dict]] = {}  # existing people completed by this batch, by pk
    for row in incoming:
        outcome = index.decide(row)
        if outcome.found:
            person = outcome.person
            if not outcome.conflicts:
                outcome.filled = person.fill_blanks(row.person_values())
                if outcome.filled:
                    person.prepare()
                    if id(person) not in new_ids:
                        previous = filled.get(person.pk, (person, {}))[1]
                        filled[person.pk] = (person, {**outcome.filled, **previous})
                    index.add(person)
        else:
            person = row.new_person(organization)
            new_people.append(person)
            new_ids.add(id(person))
            outcome.person, outcome.created = person, True
            index.add(person)
            index.remember_candidates(outcome)
        outcomes.append(outcome)
    if not create:
        return outcomes

    Person.objects.bulk_create(new_people, batch_size=500)
    audit.record_many(AuditAction.CREATE, new_people)
    if filled:
        people = [p for p, _changes in filled.values()]
        now = timezone.now()
        for p in people:
            p.modified_at = now  # bulk_update() does not run auto_now
        names = {f.attname: f.name for f in Person._meta.concrete_fields}
        fields = sorted({names[f] for _p, changes in filled.values() for f in changes})
        Person.objects.bulk_update(people, [*fields, "modified_at"], batch_size=500)
        audit.record_many(AuditAction.UPDATE, people, changes_of=lambda p: _json(filled[p.pk][1]))
    candidates = []
    for outcome in outcomes:
        if outcome.created and outcome.possible:
            pairs = [_candidate(existing, outcome.person, outcome) for existing in outcome.possible]
            outcome.candidate = pairs[0]
            candidates.extend(pairs)
    DuplicateCandidate.objects.bulk_create(candidates, batch_size=500)
    return outcomes
