"""The demo's population of Bạc Liêu for 2021: per commune, with the four age bands rates are computed over.

Sources and what is invented:

- Province total 900,000: the figure the seed report gives ("900,000 people in 7 district units"); the 2019
  census counted 907,236.
- District totals: PLAUSIBLE figures, not the published census table. They keep the order of size of the 2019
  census as far as it is known to us (Thành phố Bạc Liêu, Giá Rai and Đông Hải the largest; Vĩnh Lợi the
  smallest) and are rounded to the thousand. Replace them with the GSO figures through the population import
  when the real table is at hand.
- Communes: each district total is split among its communes with seeded weights (a thị trấn a little larger
  than a xã or phường), so every commune figure is invented.
- Age structure: plausible for the Mekong Delta in 2021 (about 7 % aged 0-4, 20 % 5-17, 64 % 18-64, 9 % 65+),
  slightly older and with fewer children in the provincial city. It must fit the vaccination figure of the
  report: 490,121 people with at least one dose were 75 % of adults, so adults (18+) ≈ 653,500 —
  `test_population` checks it.

Everything is deterministic: the same figures on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

YEAR = 2021
SOURCE = "epiwatch demo: plausible figures for Bạc Liêu 2021 (not GSO data)"

# GSO district code -> total population (plausible, see the module docstring)
DISTRICT_TOTALS: dict[str, int] = {
    "954": 160_000,  # Thành phố Bạc Liêu
    "956": 112_000,  # Huyện Hồng Dân
    "957": 120_000,  # Huyện Phước Long
    "958": 100_000,  # Huyện Vĩnh Lợi
    "959": 150_000,  # Thị xã Giá Rai
    "960": 146_000,  # Huyện Đông Hải
    "961": 112_000,  # Huyện Hoà Bình
}

# shares of 0-4, 5-17, 18-64, 65+ (per mille)
URBAN_SHARES = (64, 186, 656, 94)
TOWN_SHARES = (69, 202, 639, 90)
RURAL_SHARES = (71, 208, 633, 88)
DISTRICT_SHARES: dict[str, tuple[int, int, int, int]] = {
    "954": URBAN_SHARES,
    "959": TOWN_SHARES,
}


@dataclass(frozen=True)
class CommuneFigures:
    code: str
    total: int
    age_0_4: int
    age_5_17: int
    age_18_64: int
    age_65_plus: int

    @property
    def bands(self) -> tuple[int, int, int, int]:
        return (self.age_0_4, self.age_5_17, self.age_18_64, self.age_65_plus)

    @property
    def adults(self) -> int:
        return self.age_18_64 + self.age_65_plus


def apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers proportional to `weights` that sum exactly to `total` (largest remainder)."""
    if total < 0:
        raise ValueError("cannot apportion a negative total")
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0:
        raise ValueError("apportion needs positive weights")
    exact = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


def _commune_weight(name: str, rng: random.Random) -> float:
    base = 1.15 if name.startswith("Thị trấn") else 1.0
    return base * rng.uniform(0.7, 1.3)


def commune_figures(communes: list[tuple[str, str, str]]) -> list[CommuneFigures]:
    """Figures for `communes` given as (code, name, district code), in the order given.

    Districts missing from DISTRICT_TOTALS raise KeyError: the demo only knows Bạc Liêu.
    """
    rng = random.Random("epiwatch-demo-population-bac-lieu-2021")
    by_district: dict[str, list[tuple[str, str]]] = {}
    for code, name, district in communes:
        by_district.setdefault(district, []).append((code, name))
    result: dict[str, CommuneFigures] = {}
    for district in sorted(by_district):
        members = sorted(by_district[district])
        totals = apportion(DISTRICT_TOTALS[district], [_commune_weight(n, rng) for _c, n in members])
        shares = DISTRICT_SHARES.get(district, RURAL_SHARES)
        for (code, _name), total in zip(members, totals, strict=True):
            jittered = [s * rng.uniform(0.94, 1.06) for s in shares]
            bands = apportion(total, jittered)
            result[code] = CommuneFigures(code, total, *bands)
    return [result[code] for code, _n, _d in communes]
