"""Bạc Liêu's treatment system on 2021-11-04, near the seed report: `load(province_code="95")`, called by the
demo's `load_demo` after the areas, organizations, people (and cases, when a step makes them) are in place.

What the report says, and what is loaded:

- "capacity for about 2,000 F0": the facilities' beds add up to 2,000 from 01/10/2021 (tier 1 1,760, tier 2 140,
  tier 3 100: "the province can treat about 100 severe patients").
- "+850 beds at THPT Bạc Liêu, the student dormitory Khu A and a facility in Đông Hải": capacity changes from
  05/11/2021 (+400, +300, +150): planned capacity on the demo day.
- "tier 3 treating 80 F0, tier 2 treating 70": open admissions on the demo day. The demo's own cases are
  admitted first (by severity, in facilities with room; mild cases 30 % at home); when fewer than 80 / 70 are in
  tiers 3 / 2 the difference is made up with confirmed cases of demo people marked `demo/care-top-up`
  (`top_up=False` leaves them out).
- "ventilators short": 18 ventilators at the province hospital, all in use.
- "65 doctors (15 of them intensive-care) and 170 nurses needed": the staff recorded are what the norms need for
  the seed's scenario (5,000 cases, 100 severe) less those figures, so the planner's manual scenario finds them.
- Commune stations: every commune has a mobile medical station and a home-care plan (criterion 3 met).

Figures per facility are plausible, not published ones. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, Organization
from epiwatch.care.models import (
    FIGURES,
    TIERS,
    Admission,
    CapacityChange,
    DischargeReason,
    Facility,
    FacilityKind,
    Site,
    Support,
)
from epiwatch.cases.models import Case, CaseOutcome, Classification, DetectionSetting, Severity
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people.models import Person
from epiwatch.policy.tiers import tier_for

DATASET = "vn-2021"
DEMO_DATE = dt.date(2021, 11, 4)
BASELINE = dt.date(2021, 10, 1)
SURGE = dt.date(2021, 11, 5)
SEED = 20211104
TOP_UP_RULE = "demo/care-top-up"
TARGET_OPEN = {3: 80, 2: 70}  # "tier 3 treating 80 F0, tier 2 treating 70"
HOME_SHARE = 0.3


def _figures(t1=0, t2=0, t3=0, icu=0, vent=0, oxygen=0, doctors=0, icu_doctors=0, nurses=0) -> dict[str, int]:
    return dict(zip(FIGURES, (t1, t2, t3, icu, vent, oxygen, doctors, icu_doctors, nurses), strict=True))


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    kind: str
    area_code: str
    tiers: tuple[int, ...]
    capacity: dict[dt.date, tuple[dict[str, int], str]]
    organization: str = ""
    site: str = Site.OWN
    designated: bool = False
    address: str = ""


def district_spec(code: str, name: str, beds: int, tier_2: int, doctors: int, nurses: int) -> Spec:
    return Spec(
        f"bl-ttyt-{code}-dt",
        f"Khu điều trị COVID-19 – Trung tâm Y tế {name}",
        FacilityKind.HOSPITAL,
        code,
        (1, 2) if tier_2 else (1,),
        {BASELINE: (_figures(beds - tier_2, tier_2, oxygen=tier_2, doctors=doctors, nurses=nurses), "")},
        organization=f"bl-ttyt-{code}",
    )


SPECS: tuple[Spec, ...] = (
    Spec(
        "bl-bvdk",
        "Bệnh viện Đa khoa tỉnh Bạc Liêu",
        FacilityKind.HOSPITAL,
        "31828",
        (2, 3),
        {
            BASELINE: (
                _figures(0, 60, 100, icu=30, vent=18, oxygen=120, doctors=40, icu_doctors=4, nurses=110),
                "tầng 3: khoảng 100 ca nặng",
            )
        },
        organization="bl-bvdk",
        designated=True,
    ),
    Spec(
        "bl-bvdc-1",
        "Bệnh viện dã chiến số 1 (Trường THPT Bạc Liêu)",
        FacilityKind.FIELD_HOSPITAL,
        "31825",
        (1, 2),
        {
            BASELINE: (_figures(600, 40, oxygen=40, doctors=16, nurses=55), ""),
            SURGE: (
                _figures(1000, 40, oxygen=40, doctors=16, nurses=55),
                "+400 giường (UBND tỉnh bổ sung 850 giường)",
            ),
        },
        organization="bl-bvdc-1",
        site=Site.SCHOOL,
        address="Đường Nguyễn Tất Thành, khóm 5, phường 1, thành phố Bạc Liêu",
    ),
    Spec(
        "bl-ktx-khu-a",
        "Cơ sở thu dung, điều trị Ký túc xá sinh viên, Khu A",
        FacilityKind.FIELD_HOSPITAL,
        "31822",
        (1,),
        # beds without staff of their own yet: the reinforcement the province asked for is to come
        {SURGE: (_figures(300), "+300 giường (UBND tỉnh bổ sung 850 giường)")},
        organization="bl-kcl-ktx",
        site=Site.DORMITORY,
    ),
    Spec(
        "bl-ttyt-960-dt",
        "Cơ sở thu dung, điều trị COVID-19 huyện Đông Hải",
        FacilityKind.FIELD_HOSPITAL,
        "960",
        (1, 2),
        {
            BASELINE: (_figures(150, 10, oxygen=10, doctors=6, icu_doctors=1, nurses=20), ""),
            SURGE: (
                _figures(300, 10, oxygen=10, doctors=6, icu_doctors=1, nurses=20),
                "+150 giường (UBND tỉnh bổ sung 850 giường)",
            ),
        },
        organization="bl-ttyt-960",
        site=Site.OTHER,
    ),
    district_spec("954", "thành phố Bạc Liêu", 200, 10, 5, 20),
    district_spec("959", "thị xã Giá Rai", 250, 20, 5, 20),
    district_spec("956", "huyện Hồng Dân", 150, 0, 3, 8),
    district_spec("957", "huyện Phước Long", 150, 0, 3, 8),
    district_spec("958", "huyện Vĩnh Lợi", 140, 0, 2, 5),
    district_spec("961", "huyện Hoà Bình", 150, 0, 2, 5),
)


@dataclass
class Summary:
    facilities: int = 0
    capacity_changes: int = 0
    admissions: int = 0
    top_up_cases: int = 0
    open_by_tier: dict[int, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"care: {self.facilities} facilities and {self.capacity_changes} capacity changes created or updated, "
            f"{self.admissions} admissions ({self.top_up_cases} top-up cases); in a bed: "
            + ", ".join(f"tier {t} {n}" for t, n in sorted(self.open_by_tier.items()))
        )


def _commune_specs(province: Area) -> list[Spec]:
    communes = Area.objects.subtree(province).of_kind(AreaKind.COMMUNE).order_by("code")
    return [
        Spec(
            f"bl-tyt-{c.code}",
            f"Trạm Y tế {c.name} (trạm lưu động, chăm sóc F0 tại nhà)",
            FacilityKind.COMMUNE_STATION,
            c.code,
            (1,),
            {BASELINE: (_figures(), "trạm y tế lưu động, phương án chăm sóc F0 tại nhà")},
            organization=f"bl-tyt-{c.code}",
        )
        for c in communes
    ]


def _facilities(province: Area, specs: list[Spec]) -> tuple[dict[str, Facility], int, int]:
    areas = {a.code: a for a in Area.objects.subtree(province)}
    orgs = {
        o.code: o
        for o in Organization.objects.filter(code__in=[s.organization for s in specs if s.organization])
    }
    existing = {f.code: f for f in Facility.objects.filter(code__in=[s.code for s in specs])}
    facilities, changed, capacity_changed = {}, 0, 0
    for spec in specs:
        area = areas.get(spec.area_code)
        if area is None:
            continue
        values = {
            "name": spec.name,
            "kind": spec.kind,
            "site": spec.site,
            "area": area,
            "organization": orgs.get(spec.organization),
            "designated": spec.designated,
            "address": spec.address,
            "is_active": True,
            **{f"serves_tier_{t}": t in spec.tiers for t in TIERS},
        }
        facility = existing.get(spec.code)
        if facility is None:
            facility = Facility.objects.create(code=spec.code, **values)
            changed += 1
        elif any(getattr(facility, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(facility, k, v)
            facility.save()
            changed += 1
        facilities[spec.code] = facility
        recorded = {c.effective_from: c for c in facility.capacity_changes.all()}
        for day, (figures, note) in spec.capacity.items():
            wanted = {**figures, "note": note}
            if spec.kind == FacilityKind.COMMUNE_STATION:
                wanted.update(mobile_station=True, home_care_plan=True)
            change = recorded.get(day)
            if change is None:
                CapacityChange.objects.create(facility=facility, effective_from=day, **wanted)
                capacity_changed += 1
            elif any(getattr(change, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(change, k, v)
                change.save()
                capacity_changed += 1
    return facilities, changed, capacity_changed


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class _Beds:
    """Room left per facility and tier on the demo day while admitting, and the supports in use."""

    def __init__(self, facilities: list[Facility], on_date: dt.date):
        from epiwatch.care import capacity

        ids = [f.pk for f in facilities]
        self.figures = capacity.capacities_on(ids, on_date)
        used = capacity.usage(ids, at=capacity.end_of_day(on_date))
        self.left = {
            (f.pk, t): self.figures.get(f.pk, capacity.NO_FIGURES).beds(t)
            - used.get(f.pk, capacity.Usage()).by_tier.get(t, 0)
            for f in facilities
            for t in TIERS
        }
        self.icu = {
            f.pk: self.figures.get(f.pk, capacity.NO_FIGURES)["icu_beds"]
            - used.get(f.pk, capacity.Usage()).icu
            for f in facilities
        }
        self.vent = {
            f.pk: self.figures.get(f.pk, capacity.NO_FIGURES)["ventilators"]
            - used.get(f.pk, capacity.Usage()).ventilators
            for f in facilities
        }
        self.by_tier = {t: [f for f in facilities if f.serves(t) and self.left[(f.pk, t)] > 0] for t in TIERS}

    def place(self, tier: int, key: int) -> Facility | None:
        """A facility of the tier with room, spread by key; None when the tier is full."""
        candidates = [f for f in self.by_tier[tier] if self.left[(f.pk, tier)] > 0]
        if not candidates:
            return None
        facility = candidates[key % len(candidates)]
        self.left[(facility.pk, tier)] -= 1
        return facility

    def support(self, facility: Facility, severity: str, key: int) -> str:
        if (
            severity == Severity.CRITICAL
            and self.vent.get(facility.pk, 0) > 0
            and self.icu.get(facility.pk, 0) > 0
        ):
            self.vent[facility.pk] -= 1
            self.icu[facility.pk] -= 1
            return Support.VENTILATOR
        if (
            severity in (Severity.CRITICAL, Severity.SEVERE)
            and self.icu.get(facility.pk, 0) > 0
            and key % 3 == 0
        ):
            self.icu[facility.pk] -= 1
            return Support.ICU
        if severity in (Severity.SEVERE, Severity.CRITICAL) or (
            severity == Severity.MODERATE and key % 2 == 0
        ):
            return Support.OXYGEN
        return Support.NONE


def _admit_cases(province: Area, facilities: list[Facility], on_date: dt.date) -> list[Admission]:
    """Admit the demo's cases that have no stay yet, by severity, where there is room."""
    cases = (
        Case.objects.filter(
            province_code=province.code,
            classification__in=(Classification.CONFIRMED, Classification.SUSPECTED),
        )
        .exclude(outcome=CaseOutcome.DIED)
        .filter(report_date__lte=on_date, admissions__isnull=True)
        .order_by("report_date", "pk")
    )
    beds = _Beds(facilities, on_date)
    tiers = {severity: tier_for(severity, on_date) for severity in Severity.values}
    made = []
    for case in cases.iterator(chunk_size=2000):
        tier = tiers[case.severity]
        key = zlib.crc32(str(case.public_id).encode())
        if tier == 1 and key % 100 < HOME_SHARE * 100:
            continue  # cared for at home
        delay = {1: 0, 2: 1, 3: 2}[tier]
        admitted_day = min(case.report_date + dt.timedelta(days=delay), on_date)
        closed = (
            case.outcome == CaseOutcome.RECOVERED
            and case.outcome_date is not None
            and case.outcome_date >= admitted_day
        )
        if case.outcome != CaseOutcome.ACTIVE and not closed:
            continue
        if closed:
            # a past stay: it took no bed on the demo day
            serving = [f for f in facilities if f.serves(tier)]
            facility = serving[key % len(serving)] if serving else None
        else:
            facility = beds.place(tier, key)
        if facility is None:
            continue
        admitted_at = _moment(admitted_day, 10)
        made.append(
            Admission(
                case=case,
                facility=facility,
                tier=tier,
                support=Support.NONE if closed else beds.support(facility, case.severity, key),
                admitted_at=admitted_at,
                discharged_at=max(_moment(case.outcome_date, 16), admitted_at) if closed else None,
                discharge_reason=DischargeReason.RECOVERED if closed else "",
                province_code=facility.province_code,
                note="demo",
            )
        )
    return made


def _top_up(
    province: Area, facilities: list[Facility], on_date: dt.date, seed: int
) -> tuple[list[Case], list[Admission]]:
    """Confirmed moderate, severe and critical cases of demo people until tiers 2 and 3 hold the seed's figures."""
    open_now = dict(
        Admission.objects.filter(facility__in=facilities)
        .present_at(_moment(on_date, 23))
        .values("tier")
        .annotate(n=Count("pk"))
        .values_list("tier", "n")
    )
    missing = {t: max(0, n - open_now.get(t, 0)) for t, n in TARGET_OPEN.items()}
    if not any(missing.values()):
        return [], []
    rng = random.Random(seed)
    older = dt.date(on_date.year - 45, 1, 1)
    people = list(
        Person.objects.filter(
            residence__path__startswith=province.path + "/",
            residence__dataset=province.dataset,
            cases__isnull=True,
        )
        .filter(Q(date_of_birth__lte=older) | Q(birth_year__lte=older.year))
        .select_related("residence")
        .order_by("pk")[:5000]
    )
    if not people:
        return [], []
    rng.shuffle(people)
    beds = _Beds(facilities, on_date)
    cases, stays = [], []
    # a third critical, placed first so that they take the ventilators ("ventilators short")
    critical = missing[3] // 3
    wanted = [(3, Severity.CRITICAL)] * critical + [(3, Severity.SEVERE)] * (missing[3] - critical)
    wanted += [(2, Severity.MODERATE)] * missing[2]
    for (tier, severity), person in zip(wanted, people, strict=False):
        facility = beds.place(tier, rng.randrange(1000))
        if facility is None:
            continue
        # severe patients have been in a bed for a while: reported over the three weeks before the day
        reported = on_date - dt.timedelta(days=rng.randrange(1, 22))
        case = Case(
            person=person,
            classification=Classification.CONFIRMED,
            classification_rule=TOP_UP_RULE,
            detection_setting=DetectionSetting.COMMUNITY,
            report_date=reported,
            sample_date=reported - dt.timedelta(days=1),
            area=person.residence,
            province_code=province.code,
            severity=severity,
            care_setting=f"tier_{tier}",
        )
        cases.append(case)
        stays.append(
            Admission(
                case=case,
                facility=facility,
                tier=tier,
                support=beds.support(facility, severity, rng.randrange(3)),
                admitted_at=_moment(min(reported + dt.timedelta(days=1), on_date), 11),
                province_code=facility.province_code,
                note="demo",
            )
        )
    return cases, stays


def _store(stays: list[Admission]) -> None:
    Admission.objects.bulk_create(stays, batch_size=1000)
    audit.record_many(AuditAction.CREATE, stays)


def load(
    province_code: str = "95", on_date: dt.date = DEMO_DATE, top_up: bool = True, seed: int = SEED
) -> Summary:
    """Load the demo's treatment system into the province (its areas and organizations must be loaded)."""
    province = Area.objects.filter(dataset=DATASET, code=province_code, kind=AreaKind.PROVINCE).first()
    if province is None:
        raise LookupError(f"province {province_code} is not loaded: load the areas first")
    summary = Summary()
    with transaction.atomic(), audit.acting(via="command"):
        specs = list(SPECS) + _commune_specs(province)
        by_code, summary.facilities, summary.capacity_changes = _facilities(province, specs)
        treating = [f for f in by_code.values() if f.kind != FacilityKind.COMMUNE_STATION]
        stays = _admit_cases(province, treating, on_date)
        _store(stays)
        summary.admissions = len(stays)
        if top_up:
            cases, stays = _top_up(province, treating, on_date, seed)
            Case.objects.bulk_create(cases, batch_size=1000)
            audit.record_many(AuditAction.CREATE, cases)
            _store(stays)  # each stay's case has its primary key now
            summary.admissions += len(stays)
            summary.top_up_cases = len(cases)
        summary.open_by_tier = dict(
            Admission.objects.filter(facility__in=treating)
            .present_at(_moment(on_date, 23))
            .values("tier")
            .annotate(n=Count("pk"))
            .values_list("tier", "n")
        )
    return summary
