"""Numbers, percentages and dates written the Vietnamese way (4.480; 75,3 %; 04/11/2021) or the English way.

Model-free on purpose: the policy evaluators write their explanations in both languages without Django's
localisation machinery (which needs settings and an active language). Rounding is half-up on the decimal value,
as people do it by hand, not Python's round-half-to-even on the binary float (45.25 -> "45,3", not "45,2").
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES = ("vi", "en")

# (thousands separator, decimal separator)
_SEPARATORS = {"vi": (".", ","), "en": (",", ".")}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language(lang: str) -> str:
    """'vi', 'vi-VN', 'en-us' -> 'vi' or 'en'; anything else is refused rather than guessed."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported (use one of: {', '.join(LANGUAGES)})")
    return code


def _decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"{value!r} is not a number")
    # str() first: Decimal(0.1) would carry the binary float's long tail into the rounding.
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def number(value: int | float | Decimal, lang: str = "vi", decimals: int = 0, trim: bool = False) -> str:
    """4480 -> '4.480' (vi) / '4,480' (en); 45.24 with decimals=1 -> '45,2' / '45.2'.

    trim=True drops trailing zeros after the decimal separator (12.0 -> '12', 75.30 -> '75,3').
    """
    thousands, point = _SEPARATORS[language(lang)]
    if decimals < 0:
        raise ValueError("decimals must not be negative")
    quantum = Decimal(1).scaleb(-decimals)
    rounded = _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):f}"
    whole, _, fraction = text.partition(".")
    if trim:
        fraction = fraction.rstrip("0")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    result = thousands.join(groups)
    if fraction:
        result += point + fraction
    if sign and set(result) <= set("0" + thousands + point):
        sign = ""  # -0.04 rounded to one decimal is "0,0", not "-0,0"
    return sign + result


def percent(value: int | float | Decimal, lang: str = "vi", decimals: int = 1, trim: bool = True) -> str:
    """75.3 -> '75,3 %' (vi) / '75.3 %' (en); 12.0 -> '12 %'. The value is already a percentage (0-100)."""
    return number(value, lang, decimals=decimals, trim=trim) + " %"


def date(value: dt.date, lang: str = "vi") -> str:
    """2021-11-04 -> '04/11/2021' (vi) / '4 Nov 2021' (en: the month in letters, so nobody reads it as 11 April)."""
    if not isinstance(value, dt.date):
        raise TypeError(f"{value!r} is not a date")
    if language(lang) == "vi":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year:04d}"


def datetime(value: dt.datetime, lang: str = "vi") -> str:
    """A datetime as shown to people: '04/11/2021 07:30' (vi) / '4 Nov 2021 07:30' (en).

    Converting to local time is the caller's job (Django's `timezone.localtime`); this only writes it down.
    """
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{value!r} is not a datetime")
    return f"{date(value.date(), lang)} {value.hour:02d}:{value.minute:02d}"
