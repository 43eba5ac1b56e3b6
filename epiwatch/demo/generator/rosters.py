"""Step "rosters": workers on the enterprises' rosters (with shifts A/B/C), students and teachers on the schools'.

Sizes are given for the whole population and scaled like the people: a seafood factory of 1,500 workers has 150
on its roster at scale 0.1. Workers are adults of 18-55 living in the enterprise's district (the province when the
district has too few); students are children of the school's grades living in its commune first, then its
district; nobody is on two rosters of the same kind.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from epiwatch.accounts.models import OrgKind
from epiwatch.demo.generator.runner import Context
from epiwatch.people.models import Person, RosterEntry

BATCH = 1000

WORKERS_PER_ENTERPRISE = 1500
SHIFTS = (("A", 40), ("B", 35), ("C", 25))
WORKSHOPS = ("Xưởng tiếp nhận", "Xưởng sơ chế", "Xưởng chế biến", "Xưởng cấp đông", "Đóng gói", "Kho lạnh")

# (words in the school's name, first grade, last grade, students at full scale)
SCHOOL_LEVELS = (
    ("THPT", 10, 12, 1200),
    ("THCS", 6, 9, 900),
    ("Tiểu học", 1, 5, 700),
    ("Mầm non", -2, 0, 300),
)
DEFAULT_LEVEL = ("", 1, 12, 800)
CLASS_SIZE = 35
STUDENTS_PER_TEACHER = 20


def school_level(name: str) -> tuple[str, int, int, int]:
    for level in SCHOOL_LEVELS:
        if level[0].casefold() in name.casefold():
            return level
    return DEFAULT_LEVEL


def grade_of(person: Person, on: dt.date) -> int:
    """The grade a child is in during the school year containing `on` (grade 1 the year they turn 6)."""
    school_year = on.year if on.month >= 9 else on.year - 1
    return school_year - person.birth_year - 5


def _district_path(path: str) -> str:
    return "/".join(path.split("/")[:2])


def _scaled(full: int, ctx: Context) -> int:
    return max(1, round(full * ctx.scale))


class _Pools:
    """People by district and commune path, drawn without putting anyone on two rosters of one kind."""

    def __init__(self, rng: random.Random, people: list[Person], keep):
        self.rng = rng
        self.used: set = set()
        self.by_district: dict[str, list[Person]] = {}
        self.by_commune: dict[str, list[Person]] = {}
        self.everyone: list[Person] = []
        for person in people:
            if not keep(person):
                continue
            path = person.residence.path
            commune_path = "/".join(path.split("/")[:3])
            self.by_district.setdefault(_district_path(path), []).append(person)
            self.by_commune.setdefault(commune_path, []).append(person)
            self.everyone.append(person)

    def draw(self, count: int, *pools: list[Person]) -> list[Person]:
        chosen: list[Person] = []
        for pool in pools:
            if len(chosen) >= count:
                break
            free = [p for p in pool if p.public_id not in self.used]
            picked = self.rng.sample(free, min(count - len(chosen), len(free)))
            self.used.update(p.public_id for p in picked)
            chosen.extend(picked)
        return chosen


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _joined(rng: random.Random, on: dt.date, max_days: int) -> dt.date:
    return on - dt.timedelta(days=rng.randrange(30, max_days))


def _workers(ctx: Context, rng: random.Random) -> list[RosterEntry]:
    on = ctx.reference_date
    pools = _Pools(rng, ctx.people, keep=lambda p: 18 <= p.age_on(on) <= 55)
    entries = []
    shifts = [s for s, _w in SHIFTS]
    shift_weights = [w for _s, w in SHIFTS]
    for org in ctx.organizations_of_kind(OrgKind.ENTERPRISE):
        district = _district_path(org.area.path)
        workers = pools.draw(
            _scaled(WORKERS_PER_ENTERPRISE, ctx), pools.by_district.get(district, []), pools.everyone
        )
        for number, person in enumerate(workers, start=1):
            entries.append(
                RosterEntry(
                    public_id=_uuid(rng),
                    organization=org,
                    person=person,
                    role=RosterEntry.Role.WORKER,
                    shift=rng.choices(shifts, weights=shift_weights)[0],
                    group=rng.choice(WORKSHOPS),
                    employee_code=f"NV{number:05d}",
                    joined_on=_joined(rng, on, 3650),
                )
            )
    return entries


def _schools(ctx: Context, rng: random.Random, workers: list[RosterEntry]) -> list[RosterEntry]:
    on = ctx.reference_date
    students = _Pools(rng, ctx.people, keep=lambda p: p.age_on(on) < 18)
    teachers = _Pools(rng, ctx.people, keep=lambda p: 23 <= p.age_on(on) <= 58)
    teachers.used.update(e.person.public_id for e in workers)  # a factory worker does not also teach
    entries = []
    for org in ctx.organizations_of_kind(OrgKind.SCHOOL):
        _words, first, last, full_size = school_level(org.name)
        size = _scaled(full_size, ctx)
        classes_per_grade = max(1, size // ((last - first + 1) * CLASS_SIZE))

        def in_grades(pool, first=first, last=last):
            return [p for p in pool if first <= grade_of(p, on) <= last]

        commune_path = "/".join(org.area.path.split("/")[:3])
        district = _district_path(org.area.path)
        pupils = students.draw(
            size,
            in_grades(students.by_commune.get(commune_path, [])),
            in_grades(students.by_district.get(district, [])),
            in_grades(students.everyone),
        )
        for person in sorted(pupils, key=lambda p: (-p.birth_year, p.full_name)):
            grade = grade_of(person, on)
            entries.append(
                RosterEntry(
                    public_id=_uuid(rng),
                    organization=org,
                    person=person,
                    role=RosterEntry.Role.STUDENT,
                    group=f"{grade}A{rng.randint(1, classes_per_grade)}" if grade > 0 else "Lá",
                    joined_on=dt.date(on.year if on.month >= 9 else on.year - 1, 9, 5),
                )
            )
        staff = teachers.draw(
            max(1, round(size / STUDENTS_PER_TEACHER)),
            teachers.by_district.get(district, []),
            teachers.everyone,
        )
        for person in staff:
            entries.append(
                RosterEntry(
                    public_id=_uuid(rng),
                    organization=org,
                    person=person,
                    role=RosterEntry.Role.TEACHER,
                    joined_on=_joined(rng, on, 7300),
                )
            )
    return entries


def make_rosters(ctx: Context) -> int:
    rng = ctx.rng("rosters")
    workers = _workers(ctx, rng)
    entries = workers + _schools(ctx, rng, workers)
    RosterEntry.objects.bulk_create(entries, batch_size=BATCH)
    ctx.roster_entries = entries
    return len(entries)


def restore_rosters(ctx: Context) -> None:
    """The stored roster entries of the context's people at the context's organizations."""
    by_pk = {p.pk: p for p in ctx.people}
    entries = []
    for entry in RosterEntry.objects.filter(organization__in=ctx.organizations).select_related(
        "organization"
    ):
        if entry.person_id in by_pk:
            entry.person = by_pk[entry.person_id]
            entries.append(entry)
    ctx.roster_entries = entries
