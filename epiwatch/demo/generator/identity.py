"""Synthetic identity numbers: CCCD (12-digit citizen identity card) and Vietnamese mobile numbers.

A CCCD is built as `epiwatch.lib.natid` parses it: the birth province's code with a leading zero, the
century/sex digit, the last two digits of the birth year, six random digits. Numbers are unique within a run;
the caller also avoids numbers already in the registry.
"""

from __future__ import annotations

import random

from epiwatch.lib import natid

# Mobile prefixes in use in 2021 (after the 2018 renumbering): Viettel, Vinaphone, Mobifone, Vietnamobile,
# Gmobile, with rough market weights.
MOBILE_PREFIXES: tuple[tuple[str, int], ...] = (
    ("086", 5), ("096", 8), ("097", 9), ("098", 9), ("032", 4), ("033", 4), ("034", 4), ("035", 4),
    ("036", 4), ("037", 4), ("038", 4), ("039", 4),  # Viettel
    ("088", 3), ("091", 6), ("094", 5), ("081", 2), ("082", 2), ("083", 2), ("084", 2), ("085", 2),  # Vinaphone
    ("089", 2), ("090", 5), ("093", 4), ("070", 2), ("076", 2), ("077", 2), ("078", 2), ("079", 2),  # Mobifone
    ("092", 1), ("056", 1), ("058", 1),  # Vietnamobile
    ("099", 1), ("059", 1),  # Gmobile
)  # fmt: skip
_PREFIXES = [p for p, _w in MOBILE_PREFIXES]
_PREFIX_WEIGHTS = [w for _p, w in MOBILE_PREFIXES]


def cccd(rng: random.Random, province_code: str, birth_year: int, sex: str, taken: set[str]) -> str:
    """A CCCD for someone born in `province_code` in `birth_year`, not in `taken` (which it is added to)."""
    while True:
        number = natid.build(province_code, sex, birth_year, rng.randrange(1_000_000))
        if number not in taken:
            taken.add(number)
            return number


def mobile_phone(rng: random.Random, taken: set[str]) -> str:
    """A ten-digit mobile number with a prefix in use, not in `taken` (which it is added to)."""
    while True:
        prefix = rng.choices(_PREFIXES, weights=_PREFIX_WEIGHTS)[0]
        number = f"{prefix}{rng.randrange(10_000_000):07d}"
        if number not in taken:
            taken.add(number)
            return number
