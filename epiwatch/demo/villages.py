"""The demo's villages: 3 to 8 per commune, "khóm" in wards and towns (phường, thị trấn), "ấp" in rural communes.

Wards and towns of Bạc Liêu number their khóm ("Khóm 1", "Khóm 2", ...); rural communes name their ấp after a
canal, a sand ridge or a landmark ("Ấp Giồng Giữa", "Ấp Kinh Xáng"). The ấp names below are typical of the
province; which commune gets which is drawn (seeded), so they are not the real lists of each commune.
Codes are `<commune code>-<two digits>`, e.g. `31813-01`, as `Area.village_code` makes them. A demo village the
province renamed or retired is put back by the next `load_demo`; villages it added (other codes) are left alone.
"""

from __future__ import annotations

import random

from epiwatch.geo.models import Area, AreaKind, VillageKind

AP_NAMES = (
    "Giồng Giữa", "Giồng Bướm", "Giồng Me", "Nọc Nạng", "Cái Tràm", "Cái Keo", "Cái Cùng", "Cây Dương",
    "Cây Gừa", "Cây Me", "Bà Chăng", "Bà Ai", "Năm Căn", "Nhà Thờ", "Biển Tây", "Biển Đông", "Kinh Tư",
    "Kinh Xáng", "Kinh Tế", "Rạch Rắn", "Xẻo Chích", "Xẻo Lá", "Chòm Cao", "Vĩnh Hòa", "Vĩnh Mới",
    "Vĩnh Thạnh", "Vĩnh Lạc", "Phước Thạnh", "Phước Hòa", "Tân Long", "Tân Hiệp", "Tân Tạo", "Hòa Thạnh",
    "Thạnh Hưng", "Thạnh Trị", "Long Hà", "Long Thành", "Long Hòa", "Bình Điền", "Bình Minh", "Đầu Lộ",
    "Công Điền", "Trà Khứa", "Trà Co", "Sóc Đồn", "Sóc Lá", "Ninh Lợi", "Ninh Thạnh", "Huy Điền",
    "Diêm Điền", "Lung Lá", "Lung Chim", "Mỹ Tường", "Mỹ Trinh", "Thào Lạng", "Ba Mến", "Hiệp Vinh",
    "Phú Tân", "Phú Hưng", "Đông Hưng", "Tây Hưng", "Cỏ Thum", "Bờ Xáng", "Thống Nhất", "Đầu Sấu",
    "Vàm Xáng", "Kinh Mới", "Gò Cát", "Cây Thẻ", "Bào Sen",
)  # fmt: skip


def is_urban(commune_name: str) -> bool:
    return commune_name.startswith(("Phường", "Thị trấn"))


def village_names(commune_code: str, commune_name: str) -> tuple[str, list[str]]:
    """The village kind and the names of a commune's villages (deterministic for the commune)."""
    rng = random.Random(f"epiwatch-demo-villages-{commune_code}")
    count = rng.randint(3, 8)
    if is_urban(commune_name):
        return VillageKind.KHOM, [f"Khóm {i}" for i in range(1, count + 1)]
    return VillageKind.AP, [f"Ấp {name}" for name in rng.sample(AP_NAMES, count)]


def load_villages(communes: list[Area]) -> tuple[int, int]:
    """Create (or rename back) the demo villages under `communes`. Returns (created, updated).

    Villages the province added itself (other codes) are left alone.
    """
    wanted: dict[str, tuple[str, str, Area]] = {}
    for commune in communes:
        kind, names = village_names(commune.code, commune.name)
        for number, name in enumerate(names, start=1):
            wanted[f"{commune.code}-{number:02d}"] = (name, kind, commune)
    existing = (
        {a.code: a for a in Area.objects.filter(dataset=communes[0].dataset, code__in=list(wanted))}
        if communes
        else {}
    )
    to_create, to_update = [], []
    fields = ["name", "kind", "village_kind", "parent", "path", "valid_to"]
    for code, (name, village_kind, commune) in wanted.items():
        values = {
            "name": name,
            "kind": AreaKind.VILLAGE,
            "village_kind": village_kind,
            "parent": commune,
            "path": f"{commune.path}/{code}",
            "valid_to": None,
        }
        area = existing.get(code)
        if area is None:
            to_create.append(Area(dataset=commune.dataset, code=code, **values))
        elif any(getattr(area, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(area, f, v)
            to_update.append(area)
    Area.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Area.objects.bulk_update(to_update, fields, batch_size=500)
    return len(to_create), len(to_update)
