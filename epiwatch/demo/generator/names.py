"""Plausible Vietnamese names for synthetic people, as they occur in the Mekong Delta.

Family names follow their approximate national frequency (Nguyễn ~38 %, Trần ~11 %, Lê ~9.5 %, ...) with a few
Khmer and Hoa family names that Bạc Liêu has (Thạch, Danh, Lâm, Quách). Middle names depend on sex and
generation: "Văn" and "Thị" dominate among people born before about 1980 and are rarer after.
"""

from __future__ import annotations

import random
from itertools import accumulate

FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Huỳnh", 5.0), ("Võ", 4.0),
    ("Phan", 4.5), ("Trương", 2.0), ("Lý", 1.5), ("Đặng", 2.0), ("Bùi", 2.0), ("Đỗ", 1.4),
    ("Ngô", 1.3), ("Hồ", 1.3), ("Dương", 1.0), ("Lâm", 1.0), ("Tô", 0.6), ("Thạch", 1.2),
    ("Danh", 0.8), ("Châu", 0.6), ("Mai", 0.5), ("Đinh", 0.5), ("Quách", 0.4), ("Cao", 0.4),
    ("Lưu", 0.4), ("Hà", 0.3), ("Tạ", 0.3),
)  # fmt: skip

MIDDLE_OLD = {"M": (("Văn", 80), ("Minh", 5), ("Thanh", 5), ("Hữu", 4), ("Quốc", 3), ("Công", 3)),
              "F": (("Thị", 85), ("Ngọc", 5), ("Kim", 4), ("Thanh", 3), ("Hồng", 3))}  # fmt: skip
MIDDLE_YOUNG = {
    "M": (("Văn", 30), ("Minh", 14), ("Hoàng", 10), ("Quốc", 10), ("Thanh", 8), ("Gia", 8), ("Tấn", 6),
          ("Hữu", 5), ("Đức", 5), ("Chí", 4)),
    "F": (("Thị", 30), ("Ngọc", 14), ("Thanh", 8), ("Kim", 8), ("Mỹ", 8), ("Bảo", 7), ("Thảo", 6),
          ("Hồng", 5), ("Phương", 5), ("Yến", 4), ("Bích", 5)),
}  # fmt: skip

GIVEN = {
    "M": ("Hùng", "Dũng", "Tuấn", "Minh", "Phúc", "Tài", "Lộc", "Nam", "Hải", "Thành", "Tâm", "Khang",
          "Bảo", "Huy", "Long", "Sơn", "Toàn", "Trung", "Vinh", "Đức", "Hiếu", "Nghĩa", "Phong", "Quang",
          "Thắng", "Tín", "Tú", "Út", "Hậu", "Khoa", "Kiệt", "Lâm", "Luân", "Nhân", "Phát", "Quí", "Sang",
          "Tiến", "Trí", "Việt", "Vũ", "Đạt", "Cường", "Hòa", "Hoàng", "Thuận", "Thiện", "Danh", "Em", "Bình"),
    "F": ("Lan", "Hoa", "Hương", "Mai", "Linh", "Trang", "Ngọc", "Thảo", "Hạnh", "Nhung", "Yến", "Diễm",
          "Hằng", "Thủy", "Vy", "Nhi", "Anh", "My", "Tuyết", "Loan", "Phượng", "Xuân", "Thu", "Hồng",
          "Kiều", "Trinh", "Ngân", "Như", "Quỳnh", "Tiên", "Dung", "Hiền", "Lệ", "Liên", "Mơ", "Nga", "Oanh",
          "Phương", "Tâm", "Thúy", "Trúc", "Uyên", "Vân", "Út", "Em", "Giang", "Huyền", "Châu", "Cúc", "Bé"),
}  # fmt: skip


class _Weighted:
    """Draws from (value, weight) pairs with one bisect: much faster than random.choices per call."""

    def __init__(self, pairs):
        self.values = [v for v, _w in pairs]
        self.cumulative = list(accumulate(w for _v, w in pairs))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


_FAMILY = _Weighted(FAMILY_NAMES)
_MIDDLE = {
    (generation, sex): _Weighted(table[sex])
    for generation, table in (("old", MIDDLE_OLD), ("young", MIDDLE_YOUNG))
    for sex in ("M", "F")
}


def family_name(rng: random.Random) -> str:
    return _FAMILY.draw(rng)


def full_name(rng: random.Random, sex: str, birth_year: int, family: str | None = None) -> str:
    """ "Nguyễn Văn Hùng": family name (given, or drawn by frequency), middle name by sex and generation,
    given name by sex."""
    generation = "old" if birth_year < 1980 else "young"
    middle = _MIDDLE[(generation, sex)].draw(rng)
    given = rng.choice(GIVEN[sex])
    if given == middle:  # "Ngọc Ngọc", "Thanh Thanh": pick again once
        given = rng.choice(GIVEN[sex])
    return f"{family or family_name(rng)} {middle} {given}"
