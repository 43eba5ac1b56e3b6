"""National ID checks: property-based (hypothesis) over the whole space of CCCD numbers, plus the known cases."""

import datetime as dt

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from epiwatch.lib import natid

TODAY = dt.date(2021, 11, 4)
provinces = st.sampled_from(sorted(natid.PROVINCE_CODES))
sexes = st.sampled_from(["M", "F"])
past_years = st.integers(min_value=1900, max_value=TODAY.year)
serials = st.integers(min_value=0, max_value=999_999)
not_provinces = (
    st.integers(min_value=0, max_value=999)
    .map(lambda n: f"{n:03d}")
    .filter(lambda p: not (p[0] == "0" and p[1:] in natid.PROVINCE_CODES))
)


def test_the_province_codes_are_the_63_of_2021():
    assert len(natid.PROVINCE_CODES) == 63
    assert {"01", "22", "79", "95", "96"} <= natid.PROVINCE_CODES
    assert not {"00", "03", "97", "99"} & natid.PROVINCE_CODES


@given(provinces, sexes, past_years, serials)
@example("95", "M", 1990, 1234)
@example("01", "F", 2000, 0)
@example("96", "F", 1900, 999_999)
def test_every_valid_cccd_parses_and_round_trips(province, sex, year, serial):
    number = natid.build(province, sex, year, serial)
    parsed = natid.parse(number, today=TODAY)
    assert parsed.kind == "cccd"
    assert parsed.number == number
    assert parsed.province_code == province
    assert parsed.sex == sex
    assert parsed.birth_year() == year
    assert parsed.agrees_with(sex=sex, birth_year=year)
    assert not parsed.agrees_with(birth_year=year + 1)
    assert not parsed.agrees_with(sex="F" if sex == "M" else "M")


@given(provinces, sexes, past_years, serials)
def test_a_cccd_survives_spreadsheet_damage(province, sex, year, serial):
    number = natid.build(province, sex, year, serial)
    as_number = int(number)  # a number cell: the leading zero is gone
    assert natid.parse(as_number, today=TODAY).number == number
    assert natid.parse(float(as_number), today=TODAY).number == number
    assert natid.parse(f"{as_number}.0", today=TODAY).number == number
    assert natid.parse(str(as_number), today=TODAY).number == number  # a CSV saved by Excel
    spaced = f" {number[:3]} {number[3:6]}.{number[6:9]}-{number[9:]} "
    assert natid.parse(spaced, today=TODAY).number == number


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_nine_digit_number_is_a_cmnd(n):
    parsed = natid.parse(f"{n:09d}", today=TODAY)
    assert parsed.kind == "cmnd"
    assert parsed.birth_year() is None
    assert parsed.agrees_with(sex="F", birth_year=1950)


def test_a_cmnd_in_a_number_cell_gets_its_leading_zero_back():
    assert natid.parse(12345678).number == "012345678"
    with pytest.raises(natid.NationalIdError, match="has 8 digits"):
        natid.parse("12345678")  # typed text: a digit is missing, not a zero


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_a_wrong_length_is_refused_with_the_count(digits):
    cleaned = natid.clean(digits)
    assume(len(cleaned) not in (9, 12))
    with pytest.raises(natid.NationalIdError, match=f"has {len(cleaned)} digits; a CCCD has 12 and a CMND 9"):
        natid.parse(digits, today=TODAY)


@given(
    st.text(min_size=1, max_size=14).filter(
        lambda s: any(not (c.isascii() and c.isdigit()) for c in natid.clean(s))
    )
)
@example("0951990011AB")
@example("٠٩٥١٩٩٠٠١١١١")  # Arabic-Indic digits: str.isdigit() says yes, a CCCD says no
@example("０９５１９９００１１１１")  # full-width digits
def test_non_digits_are_refused(text):
    assume(natid.clean(text))
    with pytest.raises(natid.NationalIdError, match="must contain digits only"):
        natid.parse(text, today=TODAY)


@given(not_provinces, st.integers(min_value=0, max_value=999_999_999))
@example("099", 190001234)
@example("000", 190001234)
@example("195", 90001234)
def test_a_prefix_that_is_no_province_is_refused(prefix, rest):
    number = f"{prefix}{rest:09d}"
    assume(not number.startswith("0") or len(number) == 12)
    with pytest.raises(natid.NationalIdError, match=f"starts with {prefix}, which is not a province code"):
        natid.parse(number, today=TODAY)


@given(provinces, sexes, st.integers(min_value=TODAY.year + 1, max_value=2399), serials)
def test_a_birth_year_in_the_future_is_refused(province, sex, year, serial):
    number = natid.build(province, sex, year, serial)
    with pytest.raises(natid.NationalIdError, match=f"birth year of {year}, which is in the future"):
        natid.parse(number, today=TODAY)


def test_an_empty_number_is_refused():
    for empty in (None, "", "   "):
        with pytest.raises(natid.NationalIdError, match="national ID is empty"):
            natid.parse(empty)


def test_is_valid_says_yes_or_no():
    assert natid.is_valid("095090001234", today=TODAY)
    assert natid.is_valid("123456789")
    assert not natid.is_valid("095099001234", today=dt.date(1998, 1, 1))
    assert not natid.is_valid("12")


def test_build_refuses_what_cannot_be_a_cccd():
    for args in [("99", "M", 1990, 1), ("95", "X", 1990, 1), ("95", "M", 1899, 1), ("95", "M", 1990, 10**6)]:
        with pytest.raises(ValueError):
            natid.build(*args)
