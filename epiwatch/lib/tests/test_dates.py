"""lib/dates: dates as typed into spreadsheets, Excel serials, aware datetimes, epi-weeks."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiwatch.lib.dates import (
    LOCAL_TZ,
    DateError,
    EpiWeek,
    in_window,
    local_date,
    parse_date,
    parse_datetime,
    to_excel_serial,
    window_ending,
)

dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2150, 12, 31))


@pytest.mark.parametrize(
    "text",
    ["04/11/2021", "4/11/2021", "04-11-2021", "4.11.2021", "2021-11-04", "20211104", " 04/11/2021 ", "44504"],
)
def test_it_reads_the_usual_spellings_of_a_date(text):
    assert parse_date(text) == dt.date(2021, 11, 4)


def test_it_reads_day_first_not_month_first():
    assert parse_date("03/04/2021") == dt.date(2021, 4, 3)


@pytest.mark.parametrize(
    "text", ["31/02/2021", "2021-13-01", "abc", "04/11/21", "11/2021", "2021", "0/1/2021"]
)
def test_it_refuses_what_is_not_a_date_quoting_it(text):
    with pytest.raises(DateError) as exc:
        parse_date(text)
    assert str(exc.value) == f"'{text}' is not a date"


def test_it_gives_none_for_an_empty_cell():
    assert parse_date("") is None
    assert parse_date("   ") is None
    assert parse_date(None) is None
    assert parse_datetime("") is None


def test_it_reads_excel_serials_and_openpyxl_cells():
    assert parse_date(44504) == dt.date(2021, 11, 4)
    assert parse_date(44504.75) == dt.date(2021, 11, 4)
    assert parse_date(dt.datetime(2021, 11, 4, 7, 30)) == dt.date(2021, 11, 4)
    assert parse_date(dt.date(2021, 11, 4)) == dt.date(2021, 11, 4)
    assert parse_datetime(44504.3125) == dt.datetime(2021, 11, 4, 7, 30, tzinfo=LOCAL_TZ)
    with pytest.raises(DateError):
        parse_date(-3)
    with pytest.raises(DateError):
        parse_date(True)


def test_it_makes_datetimes_aware_in_vietnam_when_no_zone_is_given():
    moment = parse_datetime("04/11/2021 07:30")
    assert moment == dt.datetime(2021, 11, 4, 7, 30, tzinfo=LOCAL_TZ)
    assert moment.utcoffset() == dt.timedelta(hours=7)
    assert parse_datetime("04/11/2021 7:30:15") == dt.datetime(2021, 11, 4, 7, 30, 15, tzinfo=LOCAL_TZ)
    assert parse_datetime("2021-11-04T07:30") == dt.datetime(2021, 11, 4, 7, 30, tzinfo=LOCAL_TZ)
    assert parse_datetime("04/11/2021") == dt.datetime(2021, 11, 4, tzinfo=LOCAL_TZ)


def test_it_keeps_a_zone_that_is_given():
    utc = parse_datetime("2021-11-04T00:30:00Z")
    assert utc == dt.datetime(2021, 11, 4, 7, 30, tzinfo=LOCAL_TZ)
    assert parse_datetime("2021-11-04 07:30:00+07:00") == utc
    # 20:00 UTC on the 3rd is already the 4th in Vietnam
    assert parse_date("2021-11-03T20:00:00Z") == dt.date(2021, 11, 4)


def test_it_can_require_a_time_of_day():
    with pytest.raises(DateError, match="has no time of day"):
        parse_datetime("04/11/2021", date_only=False)
    with pytest.raises(DateError, match="is not a date"):
        parse_datetime("04/11/2021 25:00")


@given(dates)
def test_any_date_reads_back_from_each_spelling(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day
    assert parse_date(day.strftime("%d-%m-%Y")) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(to_excel_serial(day)) == day


@given(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2150, 1, 1)))
def test_any_datetime_reads_back_to_the_second(moment):
    moment = moment.replace(microsecond=0)
    assert parse_datetime(moment.strftime("%d/%m/%Y %H:%M:%S")) == moment.replace(tzinfo=LOCAL_TZ)
    assert parse_datetime(to_excel_serial(moment)) == moment.replace(tzinfo=LOCAL_TZ)
    aware = moment.replace(tzinfo=dt.UTC)
    assert parse_datetime(aware.isoformat()) == aware
    assert local_date(parse_datetime(aware.isoformat())) == aware.astimezone(LOCAL_TZ).date()


@given(st.text(max_size=12))
def test_it_never_fails_other_than_with_a_date_error(text):
    try:
        parse_date(text)
        parse_datetime(text)
    except DateError:
        pass


def test_epi_weeks_are_iso_weeks():
    week = EpiWeek.of(dt.date(2021, 11, 4))
    assert (week.year, week.week) == (2021, 44)
    assert str(week) == "2021-W44"
    assert (week.start, week.end) == (dt.date(2021, 11, 1), dt.date(2021, 11, 7))
    assert EpiWeek.of(dt.date(2021, 1, 2)) == EpiWeek(2020, 53)  # the Saturday belongs to 2020's last week
    assert EpiWeek.parse("2021-W44") == week == EpiWeek.parse("2021W44")
    assert week.next() == EpiWeek(2021, 45) and week.previous() == EpiWeek(2021, 43)
    assert EpiWeek(2020, 53).next() == EpiWeek(2021, 1)
    with pytest.raises(DateError, match="is not a week"):
        EpiWeek.parse("2021-W54")


@given(dates)
def test_every_day_lies_in_its_week(day):
    week = EpiWeek.of(day)
    assert week.start <= day <= week.end
    assert week.start.weekday() == 0 and (week.end - week.start).days == 6
    assert day in week.days()
    assert EpiWeek.parse(str(week)) == week


@given(dates, st.integers(min_value=1, max_value=28))
def test_the_window_ends_on_the_day_and_holds_that_many_days(day, days):
    first, last = window_ending(day, days)
    assert last == day and (last - first).days == days - 1
    assert in_window(first, day, days) and in_window(day, day, days)
    assert not in_window(first - dt.timedelta(days=1), day, days)
    assert not in_window(day + dt.timedelta(days=1), day, days)


def test_the_default_window_is_the_last_seven_days():
    assert window_ending(dt.date(2021, 11, 4)) == (dt.date(2021, 10, 29), dt.date(2021, 11, 4))
    with pytest.raises(ValueError):
        window_ending(dt.date(2021, 11, 4), 0)
