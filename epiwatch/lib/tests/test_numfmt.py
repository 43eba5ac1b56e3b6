"""Numbers, percentages and dates as Vietnamese and English readers expect them."""

import datetime as dt
from decimal import Decimal

import pytest

from epiwatch.lib import numfmt


def test_it_groups_thousands_with_dots_in_vietnamese_and_commas_in_english():
    assert numfmt.number(4480, "vi") == "4.480"
    assert numfmt.number(4480, "en") == "4,480"
    assert numfmt.number(490121, "vi") == "490.121"
    assert numfmt.number(1_234_567, "en") == "1,234,567"
    assert numfmt.number(900, "vi") == "900"
    assert numfmt.number(0, "vi") == "0"


def test_it_writes_the_decimal_separator_of_each_language():
    assert numfmt.number(45.24, "vi", decimals=1) == "45,2"
    assert numfmt.number(45.24, "en", decimals=1) == "45.2"
    assert numfmt.number(1234.5, "vi", decimals=2) == "1.234,50"
    assert numfmt.number(1234.5, "en", decimals=2) == "1,234.50"


def test_it_rounds_half_up_like_people_do():
    assert numfmt.number(45.25, "vi", decimals=1) == "45,3"
    assert numfmt.number(0.125, "en", decimals=2) == "0.13"
    assert numfmt.number(2.5, "en") == "3"
    assert numfmt.number(-2.5, "en") == "-3"


def test_it_trims_trailing_zeros_when_asked():
    assert numfmt.number(12.0, "vi", decimals=1, trim=True) == "12"
    assert numfmt.number(75.30, "vi", decimals=2, trim=True) == "75,3"
    assert numfmt.number(12.0, "vi", decimals=1) == "12,0"


def test_it_writes_negative_numbers_and_never_minus_zero():
    assert numfmt.number(-4480, "vi") == "-4.480"
    assert numfmt.number(-0.04, "vi", decimals=1) == "0,0"


def test_it_accepts_decimals():
    assert numfmt.number(Decimal("4480.55"), "vi", decimals=1) == "4.480,6"


def test_it_writes_percentages_with_a_space_before_the_sign():
    assert numfmt.percent(75.3, "vi") == "75,3 %"
    assert numfmt.percent(75.3, "en") == "75.3 %"
    assert numfmt.percent(16, "vi") == "16 %"
    assert numfmt.percent(12.04, "en") == "12 %"
    assert numfmt.percent(99.95, "vi") == "100 %"


def test_it_writes_dates_day_first_in_vietnamese_and_with_the_month_in_letters_in_english():
    day = dt.date(2021, 11, 4)
    assert numfmt.date(day, "vi") == "04/11/2021"
    assert numfmt.date(day, "en") == "4 Nov 2021"
    assert numfmt.date(dt.date(2022, 1, 27), "en") == "27 Jan 2022"


def test_it_writes_datetimes_to_the_minute():
    moment = dt.datetime(2021, 11, 4, 7, 5, 59)
    assert numfmt.datetime(moment, "vi") == "04/11/2021 07:05"
    assert numfmt.datetime(moment, "en") == "4 Nov 2021 07:05"


def test_it_accepts_regional_language_codes():
    assert numfmt.number(4480, "vi-VN") == "4.480"
    assert numfmt.number(4480, "en_US") == "4,480"


def test_it_refuses_what_it_cannot_format():
    with pytest.raises(ValueError, match="language 'fr' is not supported"):
        numfmt.number(1, "fr")
    with pytest.raises(TypeError, match="not a number"):
        numfmt.number("4480", "vi")
    with pytest.raises(TypeError, match="not a number"):
        numfmt.number(True, "vi")
    with pytest.raises(ValueError, match="not a finite number"):
        numfmt.number(float("nan"), "vi")
    with pytest.raises(ValueError, match="decimals must not be negative"):
        numfmt.number(1, "vi", decimals=-1)
    with pytest.raises(TypeError, match="not a date"):
        numfmt.date("2021-11-04", "vi")
    with pytest.raises(TypeError, match="not a datetime"):
        numfmt.datetime(dt.date(2021, 11, 4), "vi")
