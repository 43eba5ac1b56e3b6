"""The words people write in result files, in Vietnamese and English, and the codes they mean.

Matched without accents, case, spaces or punctuation ("Dương tính", "DUONG TINH" and "duong-tinh" are one word),
except the signs "+" and "-", which have no letters to compare. A word not listed here is refused by validation
with the accepted ones named: a typo must not turn a positive into nothing.
"""

from __future__ import annotations

from epiwatch.labs.models import Outcome, Reason, TestType
from epiwatch.lib.tabular import header_key
from epiwatch.people.models import Sex

RESULT_WORDS: dict[str, tuple[str, ...]] = {
    Outcome.POSITIVE: ("positive", "pos", "dương tính", "dương", "DT", "+", "(+)", "dương tính (+)"),
    Outcome.NEGATIVE: ("negative", "neg", "âm tính", "âm", "AT", "-", "(-)", "âm tính (-)"),
    Outcome.INVALID: ("invalid", "không xác định", "KXĐ", "không hợp lệ", "lỗi", "inconclusive"),
    Outcome.PENDING: ("pending", "chờ", "chờ kết quả", "đang chờ", "đang xét nghiệm"),
}

TEST_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    TestType.RT_PCR: (
        "rt_pcr",
        "RT-PCR",
        "PCR",
        "RT PCR",
        "real-time PCR",
        "PCR đơn",
        "mẫu đơn",
        "xét nghiệm PCR",
    ),
    TestType.POOLED_RT_PCR: (
        "pooled_rt_pcr",
        "PCR gộp",
        "mẫu gộp",
        "gộp mẫu",
        "RT-PCR gộp",
        "pooled",
        "pooled PCR",
        "pooled RT-PCR",
        "xét nghiệm gộp",
    ),
    TestType.ANTIGEN: (
        "antigen",
        "test nhanh",
        "TNKN",
        "kháng nguyên",
        "test nhanh kháng nguyên",
        "xét nghiệm nhanh",
        "rapid antigen",
        "rapid test",
        "Ag",
        "RAT",
    ),
    TestType.ANTIGEN_SELF: (
        "antigen_self",
        "tự test",
        "tự test nhanh",
        "tự xét nghiệm",
        "self test",
        "self-test",
        "antigen self",
    ),
}

REASON_WORDS: dict[str, tuple[str, ...]] = {
    Reason.SCREENING: (
        "screening",
        "sàng lọc",
        "tầm soát",
        "xét nghiệm sàng lọc",
        "tổng sàng lọc",
        "diện rộng",
        "xét nghiệm diện rộng",
    ),
    Reason.SHIFT_SCREENING: (
        "shift_screening",
        "shift screening",
        "sàng lọc theo ca",
        "trước ca",
        "xét nghiệm trước ca",
        "sàng lọc ca",
        "theo ca",
    ),
    Reason.CONTACT: ("contact", "tiếp xúc", "tiếp xúc gần", "F1", "F2", "truy vết"),
    Reason.SYMPTOMS: ("symptoms", "triệu chứng", "có triệu chứng", "nghi ngờ"),
    Reason.TRAVEL: ("travel", "đi lại", "đi về", "về từ vùng dịch", "người về", "nhập cảnh", "xuất cảnh"),
    Reason.HOSPITAL: ("hospital", "bệnh viện", "nhập viện", "khám bệnh", "điều trị"),
}

SEX_WORDS: dict[str, tuple[str, ...]] = {
    Sex.MALE: ("M", "male", "nam"),
    Sex.FEMALE: ("F", "female", "nữ"),
    Sex.UNKNOWN: ("U", "unknown", "không rõ"),
}

# the words shown in an error message (the codes and the everyday Vietnamese words)
SHOWN = {
    "result": ("positive", "negative", "invalid", "pending", "dương tính", "âm tính", "DT", "AT", "+", "-"),
    "test_type": (
        "rt_pcr",
        "pooled_rt_pcr",
        "antigen",
        "antigen_self",
        "PCR",
        "PCR gộp",
        "test nhanh",
        "tự test",
    ),
    "reason": (*Reason.values, "sàng lọc", "tiếp xúc", "triệu chứng"),
    "sex": ("M", "F", "nam", "nữ"),
}

_SIGNS = {"+", "-", "(+)", "(-)"}


def _table(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, spellings in words.items():
        for spelling in spellings:
            key = spelling if spelling in _SIGNS else header_key(spelling)
            other = table.setdefault(key, str(code))
            if other != code:
                raise ValueError(f"{spelling!r} would mean both {other} and {code}")
    return table


_TABLES = {
    "result": _table(RESULT_WORDS),
    "test_type": _table(TEST_TYPE_WORDS),
    "reason": _table(REASON_WORDS),
    "sex": _table(SEX_WORDS),
}


def code_of(kind: str, text: str) -> str | None:
    """The code a word means ('DT' -> 'positive'), None when it means nothing we know; '' for an empty cell."""
    text = (text or "").strip()
    if not text:
        return ""
    table = _TABLES[kind]
    if text in _SIGNS:
        return table.get(text)
    return table.get(header_key(text))
