"""A hand-made province for the level tests: the shared users and areas, population per commune, cases and
doses made here (no demo data)."""

from __future__ import annotations

import datetime as dt
import itertools

from epiwatch.cases.models import Case, CaseOutcome, Classification, DetectionSetting, Severity
from epiwatch.geo.models import Population
from epiwatch.people.models import Person
from epiwatch.testing import BaseTestCase

WEEK = dt.date(2021, 11, 4)  # a Thursday: the window runs from 29 Oct to 4 Nov
_serial = itertools.count(1)


def population(area, total: int, elderly: int | None = None, year: int = 2021) -> Population:
    """Figures whose bands add up: 5 % aged 0-4, 20 % aged 5-17, the given 65+ (10 % by default), the rest 18-64."""
    elderly = total // 10 if elderly is None else elderly
    young, school = total * 5 // 100, total * 20 // 100
    return Population.objects.create(
        area=area,
        year=year,
        total=total,
        age_0_4=young,
        age_5_17=school,
        age_18_64=total - young - school - elderly,
        age_65_plus=elderly,
    )


def person(area, born: dt.date = dt.date(1980, 1, 1)) -> Person:
    n = next(_serial)
    return Person.objects.create(full_name=f"Người Thử {n}", date_of_birth=born, residence=area)


def cases(
    area,
    n: int,
    report_date: dt.date = WEEK,
    setting: str = DetectionSetting.COMMUNITY,
    classification: str = Classification.CONFIRMED,
    severity: str = Severity.MILD,
    died_on: dt.date | None = None,
) -> list[Case]:
    """n cases residing in `area` (a commune or a village), reported on the day."""
    made = []
    for _ in range(n):
        made.append(
            Case.objects.create(
                person=person(area),
                classification=classification,
                detection_setting=setting,
                report_date=report_date,
                area=area,
                province_code=area.path.split("/")[0],
                severity=severity,
                outcome=CaseOutcome.DIED if died_on else CaseOutcome.ACTIVE,
                outcome_date=died_on,
            )
        )
    return made


class LevelsTestCase(BaseTestCase):
    """The shared province (95: districts 954 and 956, communes 31813, 31816 and 31840) with population:
    31813 has 10,000 people, 31816 20,000 and 31840 5,000, 10 % of them aged 65+. Pages are read in English."""

    def setUp(self):
        super().setUp()
        # the assertions read the English texts; without this the pages come in the default language, Vietnamese
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        population(cls.commune_a1, 10_000)
        population(cls.commune_a2, 20_000)
        population(cls.commune_b1, 5_000)
        population(cls.other_commune, 8_000)


def make_assessment(
    area,
    week_ending: dt.date = WEEK,
    ruleset: str = "BYT-4800",
    community_cases_7d: int = 0,
    adults_1dose_pct: float = 80.0,
    elderly_full_pct: float = 85.0,
    capacity_ok: bool = True,
    last_case: dt.date | None = None,
    population_total: int | None = None,
):
    """A stored proposal made by the evaluator from the given inputs (for pages that need assessments, not for
    testing where the inputs come from: test_assessment does that)."""
    from epiwatch.geo.loading import population_total as lookup
    from epiwatch.levels import assessing, inputs, rules

    pop = lookup(area, 2021)
    if population_total is not None:
        pop = Population(area=area, year=2021, total=population_total)
    counts = inputs.CaseCounts(
        community_cases_7d=community_cases_7d,
        cases_7d=community_cases_7d,
        last_community_case=last_case or (week_ending if community_cases_7d else None),
        last_case=last_case or (week_ending if community_cases_7d else None),
    )
    assessment = assessing.decide(
        area,
        rules.get(ruleset),
        week_ending,
        counts,
        pop,
        inputs.Coverage(adults_1dose_pct, elderly_full_pct, source="test"),
        inputs.Capacity(ok=capacity_ok, reason="" if capacity_ok else "no beds", known=True),
    )
    assessment.save()
    return assessment


def propose_week(case: BaseTestCase, week_ending: dt.date = WEEK, a2_cases: int = 10) -> dict:
    """Stored proposals for the shared province: the province and district A at level 3, district B at 1,
    Phường 7 at 3 (band B, capacity not met), Phường 8 at 4 (band C, coverage not met), Ngan Dừa at 1."""
    return {
        "province": make_assessment(case.province, week_ending, community_cases_7d=13, elderly_full_pct=44),
        "district_a": make_assessment(
            case.district_a_area, week_ending, community_cases_7d=13, elderly_full_pct=36
        ),
        "district_b": make_assessment(case.district_b_area, week_ending),
        "a1": make_assessment(case.commune_a1, week_ending, community_cases_7d=3, capacity_ok=False),
        "a2": make_assessment(case.commune_a2, week_ending, community_cases_7d=a2_cases, elderly_full_pct=12),
        "b1": make_assessment(case.commune_b1, week_ending),
    }
