"""Vietnamese national ID numbers: 12-digit CCCD (citizen identity card) and 9-digit CMND (old identity card).

CCCD layout (Circular 07/2016/TT-BCA, later 59/2021): digits 1-3 the province code of birth registration
(001-096, the GSO province code with a leading zero), digit 4 century and sex (0/1: 20th century male/female,
2/3: 21st, 4/5: 22nd, 6/7: 23rd, 8/9: 24th), digits 5-6 the last two digits of the birth year, digits 7-12 random.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# GSO codes of the 63 provinces of 2021 (CCCD prefixes are these with a leading zero).
PROVINCE_CODES = frozenset(
    {
        "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25", "26", "27",
        "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49", "51", "52", "54",
        "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75", "77", "79", "80", "82", "83", "84",
        "86", "87", "89", "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip


class NationalIdError(ValueError):
    """The text is not a valid CCCD or CMND; the message says why."""


@dataclass(frozen=True)
class NationalId:
    number: str
    kind: str  # "cccd" or "cmnd"
    province_code: str | None = None
    sex: str | None = None  # "M" or "F"
    birth_year_suffix: int | None = None
    century: int | None = None

    def birth_year(self) -> int | None:
        if self.century is None or self.birth_year_suffix is None:
            return None
        return self.century + self.birth_year_suffix

    def agrees_with(self, sex: str | None = None, birth_year: int | None = None) -> bool:
        """False when the number contradicts the sex or birth year given with it."""
        if self.kind != "cccd":
            return True
        if sex in ("M", "F") and self.sex != sex:
            return False
        return not (birth_year and self.birth_year() != birth_year)


_SEPARATORS = re.compile(r"[\s.\-]")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def clean(text: str | int | float | None) -> str:
    """The number as digits, separators removed. Spreadsheets turn IDs into numbers ("1090001234.0") and drop the
    leading zeros: a CCCD keeps 10 or 11 digits (province codes 01-09 start with "00"), a CMND 8. A CCCD's zeros
    are put back when the result starts with a province code; a CMND's only from a number cell (8 typed digits are
    more likely a digit missing)."""
    if text is None:
        return ""
    from_number = isinstance(text, int | float) and not isinstance(text, bool)
    if isinstance(text, float):
        if not text.is_integer():
            return str(text)  # 1234.5 is no ID: parse() says it is not digits only
        text = int(text)
    s = str(text).strip()
    if s.endswith(".0") and s[:-2].isascii() and s[:-2].isdigit():  # a number cell read as text
        s, from_number = s[:-2], True
    s = _SEPARATORS.sub("", s)
    if _ASCII_DIGITS.fullmatch(s) and not s.startswith("0"):
        if len(s) in (10, 11) and s.zfill(12)[1:3] in PROVINCE_CODES:
            s = s.zfill(12)
        elif len(s) == 8 and from_number:
            s = s.zfill(9)
    return s


def parse(text: str | int | float | None, today: dt.date | None = None) -> NationalId:
    """The parsed number, or NationalIdError with a message naming the problem (for the user, in English)."""
    number = clean(text)
    if not number:
        raise NationalIdError("national ID is empty")
    if not _ASCII_DIGITS.fullmatch(number):
        raise NationalIdError(f"national ID {number!r} must contain digits only")
    if len(number) == 9:
        return NationalId(number=number, kind="cmnd")
    if len(number) != 12:
        raise NationalIdError(f"national ID {number!r} has {len(number)} digits; a CCCD has 12 and a CMND 9")
    prefix = number[:3]
    if prefix[0] != "0" or prefix[1:] not in PROVINCE_CODES:
        raise NationalIdError(
            f"CCCD {number} starts with {prefix}, which is not a province code (0 + one of the 63 GSO province codes)"
        )
    gender_century = int(number[3])
    century = 1900 + 100 * (gender_century // 2)
    suffix = int(number[4:6])
    today = today or dt.date.today()
    if century + suffix > today.year:
        raise NationalIdError(
            f"CCCD {number} gives a birth year of {century + suffix}, which is in the future"
        )
    return NationalId(
        number=number,
        kind="cccd",
        province_code=prefix[1:],
        sex="M" if gender_century % 2 == 0 else "F",
        birth_year_suffix=suffix,
        century=century,
    )


def is_valid(text: str | int | float | None, today: dt.date | None = None) -> bool:
    try:
        parse(text, today=today)
    except NationalIdError:
        return False
    return True


def build(province_code: str, sex: str, birth_year: int, serial: int) -> str:
    """The CCCD for a province code ("95"), sex ("M"/"F"), birth year (1900-2399) and a 6-digit serial:
    the inverse of parse(), used by generators and tests."""
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"{province_code!r} is not a province code")
    if sex not in ("M", "F"):
        raise ValueError("sex must be M or F")
    if not 1900 <= birth_year <= 2399 or not 0 <= serial <= 999_999:
        raise ValueError("birth year must be 1900-2399 and the serial 0-999999")
    century_digit = 2 * ((birth_year - 1900) // 100) + (sex == "F")
    return f"0{province_code}{century_digit}{birth_year % 100:02d}{serial:06d}"
