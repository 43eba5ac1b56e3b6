"""Vietnamese national ID numbers: 12-digit CCCD (citizen identity card) and 9-digit CMND (old identity card).

CCCD layout (Circular 07/2016/TT-BCA, later 59/2021): digits 1-3 the province code of birth registration
(001-096, the GSO province code with a leading zero), digit 4 century and sex (0/1: 20th century male/female,
2/3: 21st, 4/5: 22nd, 6/7: 23rd, 8/9: 24th), digits 5-6 the last two digits of the birth year, digits 7-12 random.
"""

from __future__ import annotations

import datetime as dt
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


def clean(text: str | int | None) -> str:
    """Digits only; spreadsheets often turn IDs into numbers and drop the leading zero of a CCCD."""
    if text is None:
        return ""
    s = str(text).strip().replace(" ", "").replace(".", "").replace("-", "")
    if s.endswith(".0"):
        s = s[:-2]
    if len(s) == 11 and s.isdigit():  # a CCCD that lost its leading zero in a number cell
        s = "0" + s
    return s


def parse(text: str | int | None, today: dt.date | None = None) -> NationalId:
    number = clean(text)
    if not number:
        raise NationalIdError("national ID is empty")
    if not number.isdigit():
        raise NationalIdError(f"national ID {number!r} must contain digits only")
    if len(number) == 9:
        return NationalId(number=number, kind="cmnd")
    if len(number) != 12:
        raise NationalIdError(f"national ID {number!r} has {len(number)} digits; a CCCD has 12 and a CMND 9")
    prefix = number[:3]
    if prefix[0] != "0" or prefix[1:] not in PROVINCE_CODES:
        raise NationalIdError(f"CCCD {number} starts with {prefix}, which is not a province code (001-096)")
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


def is_valid(text: str | int | None) -> bool:
    try:
        parse(text)
    except NationalIdError:
        return False
    return True
