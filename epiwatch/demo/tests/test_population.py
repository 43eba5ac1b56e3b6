"""The demo's population figures for Bạc Liêu 2021 (no database)."""

from epiwatch.demo import population
from epiwatch.demo.population import apportion, commune_figures
from epiwatch.geo.datasets import read_areas

FIRST_DOSE_2021_11 = 490_121  # people with at least one dose, "75 % of adults" (seed report)


def bac_lieu_figures():
    rows = [
        (r.code, r.name, r.parent_code) for r in read_areas("vn-2021", province="95") if r.kind == "commune"
    ]
    return rows, commune_figures(rows)


def test_it_gives_every_commune_figures_whose_bands_sum_to_the_total():
    rows, figures = bac_lieu_figures()
    assert len(figures) == 64
    assert [f.code for f in figures] == [code for code, _n, _d in rows]
    for f in figures:
        assert sum(f.bands) == f.total
        assert min(f.bands) > 0
        assert 5_000 < f.total < 30_000, f


def test_it_sums_to_about_900000_for_the_province():
    _rows, figures = bac_lieu_figures()
    total = sum(f.total for f in figures)
    assert abs(total - 900_000) <= 9_000


def test_its_adults_fit_the_first_dose_coverage_of_the_report():
    _rows, figures = bac_lieu_figures()
    adults = sum(f.adults for f in figures)
    assert 646_000 <= adults <= 661_000
    assert 0.74 <= FIRST_DOSE_2021_11 / adults <= 0.76


def test_its_age_structure_is_plausible_for_the_mekong_delta():
    _rows, figures = bac_lieu_figures()
    total = sum(f.total for f in figures)
    shares = [sum(f.bands[i] for f in figures) / total for i in range(4)]
    assert 0.06 <= shares[0] <= 0.08  # 0-4
    assert 0.18 <= shares[1] <= 0.22  # 5-17
    assert 0.61 <= shares[2] <= 0.67  # 18-64
    assert 0.08 <= shares[3] <= 0.10  # 65+


def test_its_largest_districts_are_the_city_gia_rai_and_dong_hai():
    rows, figures = bac_lieu_figures()
    by_district: dict[str, int] = {}
    for (_code, _name, district), f in zip(rows, figures, strict=True):
        by_district[district] = by_district.get(district, 0) + f.total
    assert by_district == population.DISTRICT_TOTALS
    largest = sorted(by_district, key=by_district.get, reverse=True)[:3]
    assert set(largest) == {"954", "959", "960"}


def test_it_is_deterministic():
    _rows, first = bac_lieu_figures()
    _rows, second = bac_lieu_figures()
    assert first == second


def test_apportion_sums_exactly_and_follows_the_weights():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(900_000, [0.3, 0.2, 0.5])) == 900_000
    assert apportion(7, [0, 1]) == [0, 7]
    assert apportion(0, [1, 2]) == [0, 0]
