"""Step "households": the people of each commune, grouped into households, in proportion to its population.

For every commune, `scale` × its population is drawn with exactly the commune's age-band proportions; ages
inside a band follow a plausible profile (flat for children, gently falling for working ages, steeply after
65). Household sizes follow the Mekong Delta (about 3.6 persons, 1 to 8). Every household has an adult head
where the commune has adults enough; the others are placed at random. Family names are shared the
Vietnamese way (children take the head's family name, a spouse keeps their own).

Each person gets: name, sex, date of birth, a CCCD that `epiwatch.lib.natid` accepts (adults), a mobile
number (most adults), a residence (a village of the commune, or the commune where it has no villages), an
address that is the household's key ("Số 12, Khóm 3, Phường 2, Thành phố Bạc Liêu"), comorbidities for a
plausible share of older people, pregnancy for a few women. Public ids come from the step's random stream,
so the same seed makes the same people and `restore` can find them again.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from itertools import accumulate

from epiwatch.demo.generator import identity, names
from epiwatch.demo.generator.runner import Context, Household
from epiwatch.demo.population import apportion
from epiwatch.geo.models import Area, Population
from epiwatch.people.models import Person

BATCH = 1000

# Household size distribution (persons: share), mean ≈ 3.6 as in the Mekong Delta (2019 census: 3.6).
HOUSEHOLD_SIZES = {1: 8, 2: 17, 3: 24, 4: 26, 5: 13, 6: 7, 7: 3, 8: 2}
_SIZES = list(HOUSEHOLD_SIZES)
_SIZE_CUM = list(accumulate(HOUSEHOLD_SIZES.values()))

# Ages within each population band, as relative weights.
_BAND_AGES: list[tuple[list[int], list[float]]] = [
    (list(range(0, 5)), [1.0] * 5),
    (list(range(5, 18)), [1.0] * 13),
    (list(range(18, 65)), [1.0 - 0.4 * (a - 18) / 46 for a in range(18, 65)]),
    (list(range(65, 101)), [math.exp(-(a - 65) / 7.5) for a in range(65, 101)]),
]
_BAND_AGES_CUM = [(ages, list(accumulate(weights))) for ages, weights in _BAND_AGES]
# Share of women per band (more women among the old).
_FEMALE_SHARE = (0.49, 0.49, 0.50, 0.57)

# (condition, share among 65+, share among 40-64), plausible for Vietnam
COMORBIDITIES: tuple[tuple[str, float, float], ...] = (
    ("hypertension", 0.45, 0.18),
    ("diabetes", 0.18, 0.07),
    ("chronic_heart_disease", 0.12, 0.03),
    ("copd", 0.07, 0.02),
    ("chronic_kidney_disease", 0.05, 0.015),
    ("stroke_history", 0.04, 0.01),
    ("cancer", 0.03, 0.008),
    ("obesity", 0.02, 0.03),
)
YOUNG_CONDITIONS = (("asthma", 0.02), ("obesity", 0.01))
PREGNANT_SHARE = 0.04  # of women aged 18-42


def _birth_date(rng: random.Random, age: int, on: dt.date) -> dt.date:
    """A date of birth giving exactly `age` on `on`."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _comorbidities(rng: random.Random, age: int) -> list[str]:
    if age >= 65:
        return [name for name, old, _mid in COMORBIDITIES if rng.random() < old]
    if age >= 40:
        return [name for name, _old, mid in COMORBIDITIES if rng.random() < mid]
    if age >= 5:
        return [name for name, share in YOUNG_CONDITIONS if rng.random() < share]
    return []


def _phone_share(age: int) -> float:
    if age < 15:
        return 0.0
    if age < 18:
        return 0.35
    if age < 75:
        return 0.88
    return 0.45


def _household_sizes(rng: random.Random, people: int, adults: int) -> list[int]:
    sizes: list[int] = []
    total = 0
    while total < people:
        size = rng.choices(_SIZES, cum_weights=_SIZE_CUM)[0]
        sizes.append(size)
        total += size
    if sizes:
        sizes[-1] -= total - people
    if len(sizes) > max(adults, 1):  # too few adults to head every household (only at tiny scales)
        sizes = apportion(people, [1.0] * max(adults, 1))
    return sizes


def _draw_people(rng: random.Random, population: Population, count: int):
    """(age, sex) of `count` people with the band proportions of `population`."""
    bands = [getattr(population, b) for b in Population.BANDS]
    per_band = apportion(count, bands) if sum(bands) else [0, 0, count, 0]
    drawn = []
    for band, n in enumerate(per_band):
        ages, cumulative = _BAND_AGES_CUM[band]
        for age in rng.choices(ages, cum_weights=cumulative, k=n):
            drawn.append((age, "F" if rng.random() < _FEMALE_SHARE[band] else "M"))
    rng.shuffle(drawn)
    return drawn


class _Builder:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng("households")
        self.on = ctx.reference_date
        self.province_code = ctx.province.code
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def person(self, age: int, sex: str, family: str, residence: Area, address: str) -> Person:
        rng = self.rng
        dob = _birth_date(rng, age, self.on)
        full_name = names.full_name(rng, sex, dob.year, family)
        national_id = identity.cccd(rng, self.province_code, dob.year, sex, self.ids) if age >= 18 else None
        phone = identity.mobile_phone(rng, self.phones) if rng.random() < _phone_share(age) else ""
        return Person(
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            national_id=national_id,
            full_name=full_name,
            date_of_birth=dob,
            birth_year=dob.year,
            sex=sex,
            phone=phone,
            residence=residence,
            address=address,
            comorbidities=_comorbidities(rng, age),
            pregnant=sex == "F" and 18 <= age <= 42 and rng.random() < PREGNANT_SHARE,
        )

    def commune(self, commune: Area) -> list[Household]:
        rng = self.rng
        count = round(self.ctx.populations[commune.pk].total * self.ctx.scale)
        drawn = _draw_people(rng, self.ctx.populations[commune.pk], count)
        adults = [i for i, p in enumerate(drawn) if p[0] >= 18]
        sizes = _household_sizes(rng, len(drawn), len(adults))
        # heads: adults of 25-75 first, then other adults; anyone when a tiny commune has no adult at all
        preferred = [i for i in adults if 25 <= drawn[i][0] <= 75]
        head_index = (preferred + [i for i in adults if not 25 <= drawn[i][0] <= 75])[: len(sizes)]
        if not head_index and drawn:
            head_index = [0]
        heads = [drawn[i] for i in head_index]
        is_head = set(head_index)
        others = [p for i, p in enumerate(drawn) if i not in is_head]
        villages = self.ctx.villages.get(commune.pk) or []
        village_cum = list(accumulate(rng.uniform(0.6, 1.4) for _v in villages))
        house_numbers: dict[int, int] = {}
        district = commune.parent.name if commune.parent_id else ""
        households = []
        position = 0
        for head, size in zip(heads, sizes, strict=False):
            if villages:
                village = rng.choices(villages, cum_weights=village_cum)[0]
                number = house_numbers[village.pk] = house_numbers.get(village.pk, 0) + 1
                residence, place = village, village.name
            else:
                number = house_numbers[0] = house_numbers.get(0, 0) + 1
                residence, place = commune, f"Tổ {1 + number % 12}"
            key = ", ".join(part for part in (f"Số {number}", place, commune.name, district) if part)
            household = Household(key=key, residence=residence)
            family = names.family_name(rng)
            members = [head, *others[position : position + size - 1]]
            position += size - 1
            for index, (age, sex) in enumerate(members):
                if index == 0 or age < 18 and (head[1] == "M" or rng.random() < 0.5):
                    own_family = family
                else:
                    own_family = family if rng.random() < 0.5 else names.family_name(rng)
                household.members.append(self.person(age, sex, own_family, residence, key))
            households.append(household)
        return households


def build_households(ctx: Context) -> list[Household]:
    """The households of every commune, in memory (deterministic for the context's seed and scale)."""
    builder = _Builder(ctx)
    households: list[Household] = []
    for commune in ctx.communes:
        households.extend(builder.commune(commune))
    return households


def _avoid_registered_ids(ctx: Context, people: list[Person]) -> None:
    """Draw again the CCCDs that someone already registered holds (people of another seed, real data)."""
    with_id = [p for p in people if p.national_id]
    taken = {p.national_id for p in with_id}
    rng = ctx.rng("households:registered-ids")
    pending = with_id
    while pending:
        clashes = []
        for start in range(0, len(pending), 5000):
            batch = {p.national_id: p for p in pending[start : start + 5000]}
            registered = Person.objects.filter(national_id__in=list(batch)).values_list(
                "national_id", flat=True
            )
            clashes.extend(batch[number] for number in registered)
        for person in clashes:
            person.national_id = identity.cccd(rng, ctx.province.code, person.birth_year, person.sex, taken)
        pending = clashes


def make_households(ctx: Context) -> int:
    ctx.households = build_households(ctx)
    ctx.people = [p for h in ctx.households for p in h.members]
    for person in ctx.people:
        person.prepare()  # name_norm and the canonical forms that save() would set
    _avoid_registered_ids(ctx, ctx.people)
    for start in range(0, len(ctx.people), BATCH):
        # returns primary keys on PostgreSQL and SQLite >= 3.35, so later steps can link to these people
        Person.objects.bulk_create(ctx.people[start : start + BATCH])
    return len(ctx.people)


def restore_households(ctx: Context) -> None:
    """Rebuild the households in memory and attach the stored rows (primary key, national ID as stored)."""
    households = build_households(ctx)
    people = [p for h in households for p in h.members]
    stored: dict[uuid.UUID, tuple[int, str | None]] = {}
    for start in range(0, len(people), 5000):
        chunk = [p.public_id for p in people[start : start + 5000]]
        for public_id, pk, national_id in Person.objects.filter(public_id__in=chunk).values_list(
            "public_id", "pk", "national_id"
        ):
            stored[public_id] = (pk, national_id)
    for household in households:
        kept = []
        for person in household.members:
            if person.public_id in stored:
                person.pk, person.national_id = stored[person.public_id]
                person._state.adding = False
                person._state.db = "default"
                kept.append(person)
        household.members = kept
    ctx.households = [h for h in households if h.members]
    ctx.people = [p for h in ctx.households for p in h.members]
    if len(ctx.people) < len(people):
        ctx.log(f"  households: {len(people) - len(ctx.people):,} generated people were deleted since")
