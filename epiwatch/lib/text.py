"""Text normalisation for matching: Vietnamese names without accents, phone numbers in one form."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")
# đ/Đ have no Unicode decomposition; legacy Vietnamese encodings often type Đ as the Icelandic eth (U+00D0).
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D", "ð": "d"})

# Mobile prefixes renumbered in September 2018 (11 digits -> 10); older spreadsheets still carry the 01xx form.
OLD_MOBILE_PREFIXES = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",  # MobiFone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",  # VinaPhone
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",  # Viettel
    "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058",  # Vietnamobile
    "0199": "059",  # Gmobile
}  # fmt: skip


def unaccent(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'Nguyen Van Duc'."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS_WITHOUT_DECOMPOSITION))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(name: str) -> str:
    """Unaccented, case-folded, punctuation as spaces, single-spaced: the form names are matched on.

    'NGUYỄN  văn-Đức.' -> 'nguyen van duc'. Idempotent: normalize_name(normalize_name(x)) == normalize_name(x).
    """
    text = unaccent(unaccent(name or "").casefold())  # casefold may produce new combining marks (İ -> i̇)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def normalize_phone(phone: str) -> str:
    """A Vietnamese phone number in its national form; '' when it cannot be one.

    Mobiles become 10 digits ('0912345678') from '+84 912 345 678', '84912345678', '0084 912 345 678',
    '0912.345.678', '912345678' or the pre-2018 '0169 123 4567' (-> '0391234567'); landlines keep their 11
    digits ('0291 3822 123' -> '02913822123').
    """
    digits = _NON_DIGITS.sub("", phone or "")
    if not digits.isascii():  # \D lets other scripts' digits through
        return ""
    if digits.startswith("0084"):
        digits = digits[2:]
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) in (9, 10) and not digits.startswith("0"):
        digits = "0" + digits
    if len(digits) == 11 and digits[:4] in OLD_MOBILE_PREFIXES:
        digits = OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
    if len(digits) == 10 and digits.startswith("0") and digits[1] in "35789":
        return digits
    if len(digits) == 11 and digits.startswith("02"):
        return digits
    return ""
