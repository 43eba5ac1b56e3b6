"""Text normalisation for matching: Vietnamese names without accents, phone numbers in one form."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")


def unaccent(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'Nguyen Van Duc' (đ/Đ have no decomposition, so they are mapped by hand)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(name: str) -> str:
    """Unaccented, case-folded, single-spaced: the form names are matched on."""
    return _SPACES.sub(" ", unaccent(name or "").casefold()).strip()


def normalize_phone(phone: str) -> str:
    """A Vietnamese phone number as 10 national digits ('0912345678'); '' when it cannot be one.

    Accepts '+84 912 345 678', '84912345678', '0912.345.678', '912345678'.
    """
    digits = _NON_DIGITS.sub("", phone or "")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    if len(digits) == 10 and digits.startswith("0"):
        return digits
    return ""
