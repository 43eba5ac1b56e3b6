"""The care norms as data (`data/norms.json`): alert threshold, staff per bed, criterion 3 thresholds and the
planner's parameters. Read with the policy reader, so flagged values ("unconfirmed": true) are known by path and
shown as such, and an unknown key or a bad value fails loudly with its place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from epiwatch.care.planner import SEVERITIES, TIERS, Parameters, ScenarioError, StaffRatio, check_shares
from epiwatch.policy.reader import Flags, Node, RuleSetError

NORMS_FILE = Path(__file__).resolve().parent / "data" / "norms.json"


@dataclass(frozen=True)
class Criterion3Norms:
    commune_mobile_station: bool
    commune_home_care_plan: bool
    district_beds_per_10000: float
    district_max_occupancy_percent: float
    province_icu_beds_per_100000: float


@dataclass(frozen=True)
class Norms:
    name: str
    title_en: str
    title_vi: str
    source: str
    note: str
    occupancy_alert_percent: float
    staff_per_bed: dict[int, StaffRatio]
    criterion3: Criterion3Norms
    planner: Parameters
    unconfirmed: frozenset[str]
    notes: dict[str, str]

    def is_unconfirmed(self, path: str) -> bool:
        return any(path == p or path.startswith(p + ".") for p in self.unconfirmed)

    def note_for(self, path: str) -> str:
        """The note of the value at path or of the nearest table holding it."""
        while path:
            if path in self.notes:
                return self.notes[path]
            path = path.rpartition(".")[0]
        return self.note


def _by_tier(node: Node, read) -> dict[int, object]:
    result = {t: read(node, f"tier_{t}") for t in TIERS}
    node.done()
    return result


def parse(data: dict) -> Norms:
    flags = Flags()
    root = Node(data, "", flags, "the care norms")
    name = root.text("name")
    title_en, title_vi = root.bilingual("title")
    source = root.text("source")
    note = root.text("note", required=False) or ""

    alerts = root.node("alerts")
    occupancy = alerts.number("occupancy_percent", minimum=1, maximum=100)
    alerts.done()

    def staff(parent: Node, key: str) -> StaffRatio:
        node = parent.node(key)
        ratio = StaffRatio(
            doctors=node.number("doctors", minimum=0),
            icu_doctors=node.number("icu_doctors", minimum=0),
            nurses=node.number("nurses", minimum=0),
        )
        node.done()
        if ratio.icu_doctors > ratio.doctors:
            raise RuleSetError(f"the intensive-care doctors of {node.what} exceed its doctors")
        return ratio

    staff_per_bed = _by_tier(root.node("staff_per_bed"), staff)

    c3 = root.node("criterion3")
    commune = c3.node("commune")
    district = c3.node("district")
    province = c3.node("province")
    criterion3 = Criterion3Norms(
        commune_mobile_station=commune.boolean("mobile_station"),
        commune_home_care_plan=commune.boolean("home_care_plan"),
        district_beds_per_10000=district.number("treatment_beds_per_10000", minimum=0),
        district_max_occupancy_percent=district.number("max_occupancy_percent", minimum=1, maximum=1000),
        province_icu_beds_per_100000=province.number("icu_beds_per_100000", minimum=0),
    )
    for node in (commune, district, province, c3):
        node.done()

    p = root.node("planner")
    shares_node = p.node("severity_shares")
    shares = {s: shares_node.number(s, minimum=0, maximum=1) for s in SEVERITIES}
    shares_node.done()
    try:
        shares = check_shares(shares)
    except ScenarioError as exc:
        raise RuleSetError(f"planner.severity_shares: {exc}") from None
    stay = _by_tier(p.node("length_of_stay_days"), lambda n, k: n.number(k, minimum=1, maximum=120))
    delay = _by_tier(p.node("admission_delay_days"), lambda n, k: n.integer(k, minimum=0, maximum=14))
    oxygen = _by_tier(p.node("oxygen_share"), lambda n, k: n.number(k, minimum=0, maximum=1))
    interval = p.node("generation_interval")
    params = Parameters(
        severity_shares=shares,
        home_care_share=p.number("home_care_share", minimum=0, maximum=1),
        length_of_stay=stay,
        admission_delay=delay,
        icu_share_of_tier_3=p.number("icu_share_of_tier_3", minimum=0, maximum=1),
        ventilator_share_of_icu=p.number("ventilator_share_of_icu", minimum=0, maximum=1),
        oxygen_share=oxygen,
        staff_per_bed=staff_per_bed,
        growth_window_days=p.integer("growth_window_days", minimum=7, maximum=28),
        generation_mean=interval.number("mean_days", minimum=1, maximum=20),
        generation_sd=interval.number("sd_days", minimum=0, maximum=20),
        band_z=p.number("band_z", minimum=0, maximum=4),
    )
    interval.done()
    p.done()
    root.done()
    return Norms(
        name=name,
        title_en=title_en,
        title_vi=title_vi,
        source=source,
        note=note,
        occupancy_alert_percent=occupancy,
        staff_per_bed=staff_per_bed,
        criterion3=criterion3,
        planner=params,
        unconfirmed=frozenset(flags.unconfirmed),
        notes=dict(flags.notes),
    )


@lru_cache(maxsize=1)
def load() -> Norms:
    """The shipped norms (read once per process)."""
    with NORMS_FILE.open(encoding="utf-8") as f:
        return parse(json.load(f))
