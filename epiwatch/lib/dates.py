"""Dates as people type them into spreadsheets, and epi-weeks.

Accepted, for dates and datetimes alike:

- day first, the Vietnamese way: ``04/11/2021``, ``4/11/2021``, ``04-11-2021``, ``04.11.2021``, optionally followed
  by ``HH:MM`` or ``HH:MM:SS``;
- ISO 8601: ``2021-11-04``, ``20211104``, ``2021-11-04T07:30``, ``2021-11-04 07:30:00+07:00``, ``...Z``;
- Excel serial numbers (``44504``, ``44504.3125``: days since 1899-12-30, the 1900 date system) and the
  ``datetime``/``date`` objects openpyxl gives for date-formatted cells.

A datetime without a zone is local time in Asia/Ho_Chi_Minh (the zone the platform's users write in); results are
aware. Two-digit years and month-first dates are refused rather than guessed.

Epi-weeks: ISO weeks (Monday to Sunday) and the 7-day window ending on a date that the weekly epidemic level is
assessed over (Resolution 128: "the last 7 days").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Excel's day zero in the 1900 date system (it counts the non-existent 29 Feb 1900, hence the 30th).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Serials of 1 Jan 1900 and 31 Dec 9999: anything outside is not an Excel date.
EXCEL_MIN_SERIAL, EXCEL_MAX_SERIAL = 1, 2_958_465

_TIME = (
    r"(?:[ T]+(?P<hour>\d{1,2})[:hH](?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?)?"
)
_ZONE = r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
_DAY_FIRST = re.compile(
    r"^(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})" + _TIME + r"$", re.IGNORECASE
)
_ISO = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME + _ZONE + r"$", re.IGNORECASE
)
_ISO_BASIC = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
# As text only five digits count as a serial (1927 to 2173): a four-digit number is a year, not 1905.
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")


class DateError(ValueError):
    """The text is not a date (or not a date and time); the message quotes it."""


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _from_serial(serial: float, original) -> dt.datetime:
    if not EXCEL_MIN_SERIAL <= serial <= EXCEL_MAX_SERIAL:
        raise DateError(_("'%(value)s' is not a date") % {"value": original})
    # rounded to the second: a serial holds a fraction of a day, 1/86400 does not fall on a float exactly
    return EXCEL_EPOCH + dt.timedelta(seconds=round(serial * 86400))


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text.upper() == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset > dt.timedelta(hours=14):
        raise ValueError("offset out of range")
    return dt.timezone(sign * offset)


def _parse_text(text: str, original) -> tuple[dt.datetime, bool, dt.tzinfo | None]:
    """(naive datetime, whether a time was given, zone or None)."""
    match = _DAY_FIRST.match(text) or _ISO.match(text) or _ISO_BASIC.match(text)
    if match is None:
        if _SERIAL.match(text):
            serial = float(text.replace(",", "."))
            moment = _from_serial(serial, original)
            return moment, serial != int(serial), None
        raise DateError(_("'%(value)s' is not a date") % {"value": original})
    parts = match.groupdict()
    try:
        has_time = parts.get("hour") is not None
        fraction = (parts.get("fraction") or "").ljust(6, "0")
        moment = dt.datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0) if has_time else 0,
            int(parts["minute"] or 0) if has_time else 0,
            int(parts["second"] or 0) if has_time else 0,
            int(fraction) if has_time else 0,
        )
        zone = _zone(parts.get("zone"))
    except ValueError:
        raise DateError(_("'%(value)s' is not a date") % {"value": original}) from None
    return moment, has_time, zone


def _split(value) -> tuple[dt.datetime, bool, dt.tzinfo | None]:
    if isinstance(value, dt.datetime):
        has_time = value.time() != dt.time(0)
        return value.replace(tzinfo=None), has_time, value.tzinfo
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), False, None
    if isinstance(value, bool):
        raise DateError(_("'%(value)s' is not a date") % {"value": value})
    if isinstance(value, int | float):
        return _from_serial(float(value), value), value != int(value), None
    text = " ".join(str(value).split())
    return _parse_text(text, text)


def parse_date(value) -> dt.date | None:
    """A date from a cell; None when the cell is empty. A time of day, if any, is ignored (an aware datetime is
    first converted to local time, so 2021-11-03T20:00Z is 4 November in Vietnam).

    Raises DateError with the value quoted: "'31/02/2021' is not a date".
    """
    if _is_blank(value):
        return None
    moment, _has_time, zone = _split(value)
    if zone is not None:
        moment = moment.replace(tzinfo=zone).astimezone(LOCAL_TZ)
    return moment.date()


def parse_datetime(value, date_only: bool = True) -> dt.datetime | None:
    """An aware datetime from a cell; None when the cell is empty.

    Without a zone the time is local (Asia/Ho_Chi_Minh). A date alone is midnight local time, unless
    `date_only=False`, which requires a time of day.
    """
    if _is_blank(value):
        return None
    moment, has_time, zone = _split(value)
    if not has_time and not date_only:
        raise DateError(
            _("'%(value)s' has no time of day (expected e.g. 04/11/2021 07:30)") % {"value": value}
        )
    return moment.replace(tzinfo=zone or LOCAL_TZ)


def to_excel_serial(value: dt.date | dt.datetime) -> float:
    """The Excel serial of a date or naive (local) datetime: the inverse of reading one."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return (value - EXCEL_EPOCH) / dt.timedelta(days=1)


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day an aware datetime falls on in Vietnam."""
    return moment.astimezone(LOCAL_TZ).date()


# --- epi-weeks ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EpiWeek:
    """An ISO week: Monday to Sunday, week 1 holds the year's first Thursday."""

    year: int
    week: int

    @classmethod
    def of(cls, day: dt.date) -> EpiWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> EpiWeek:
        """'2021-W44' (or '2021W44', '2021-44')."""
        match = re.match(r"^\s*(\d{4})-?[Ww]?(\d{1,2})\s*$", text or "")
        if match is None:
            raise DateError(_("'%(value)s' is not a week (expected e.g. 2021-W44)") % {"value": text})
        year, week = int(match[1]), int(match[2])
        try:
            dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise DateError(
                _("'%(value)s' is not a week (expected e.g. 2021-W44)") % {"value": text}
            ) from None
        return cls(year, week)

    @property
    def start(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 7)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(7)]

    def next(self) -> EpiWeek:
        return EpiWeek.of(self.start + dt.timedelta(days=7))

    def previous(self) -> EpiWeek:
        return EpiWeek.of(self.start - dt.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def window_ending(day: dt.date, days: int = 7) -> tuple[dt.date, dt.date]:
    """The `days`-day window ending on (and including) `day`: (first day, day). 7 days by default."""
    if days < 1:
        raise ValueError("a window has at least one day")
    return day - dt.timedelta(days=days - 1), day


def in_window(day: dt.date, end: dt.date, days: int = 7) -> bool:
    first, last = window_ending(end, days)
    return first <= day <= last
