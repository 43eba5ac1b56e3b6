"""Name and phone normalisation: what matching compares."""

from hypothesis import example, given
from hypothesis import strategies as st

from epiwatch.lib.text import OLD_MOBILE_PREFIXES, normalize_name, normalize_phone, unaccent

VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
vietnamese_words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " -.'", min_size=0, max_size=40)


def test_unaccent_removes_every_vietnamese_mark():
    assert unaccent("Nguyễn Văn Đức") == "Nguyen Van Duc"
    assert unaccent("Phạm Thị Ánh Tuyết") == "Pham Thi Anh Tuyet"
    assert unaccent("ĐẶNG ỨNG") == "DANG UNG"
    assert unaccent("Ðoàn") == "Doan"  # the Icelandic eth that legacy encodings use for Đ
    assert unaccent("") == ""


def test_normalize_name_ignores_case_accents_spacing_and_punctuation():
    expected = "nguyen van duc"
    for spelling in [
        "Nguyễn Văn Đức",
        "nguyễn văn đức",
        "NGUYEN VAN DUC",
        "  Nguyễn   Văn\tĐức ",
        "Nguyễn Văn-Đức.",
    ]:
        assert normalize_name(spelling) == expected, spelling
    # composed and decomposed Unicode (NFC and NFD, as different keyboards produce) are the same name
    assert normalize_name("Nguy\u1ec5n") == normalize_name("Nguye\u0302\u0303n") == "nguyen"


@given(vietnamese_words)
@example("İstanbul")
def test_normalize_name_is_idempotent_and_plain_ascii(name):
    once = normalize_name(name)
    assert normalize_name(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert once.isascii()


@given(vietnamese_words)
def test_normalize_name_does_not_depend_on_case_or_accents(name):
    assert normalize_name(name.upper()) == normalize_name(unaccent(name).lower())


def test_normalize_phone_accepts_the_usual_spellings():
    for spelling in [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "+84 912 345 678",
        "84912345678",
        "0084912345678",
        "912345678",
        "(+84) 912-345-678",
    ]:
        assert normalize_phone(spelling) == "0912345678", spelling


def test_normalize_phone_renumbers_pre_2018_mobiles():
    assert normalize_phone("0169 123 4567") == "0391234567"
    assert normalize_phone("01201234567") == "0701234567"
    assert normalize_phone("+84 1699 123 456") == "0399123456"


def test_normalize_phone_keeps_landlines():
    assert normalize_phone("0291 3822 123") == "02913822123"
    assert normalize_phone("+84 24 3826 1234") == "02438261234"


def test_normalize_phone_refuses_what_is_no_phone_number():
    for text in ["", "12345", "0112345678", "09123456789", "abc", "091234567", "٠٩١٢٣٤٥٦٧٨"]:
        assert normalize_phone(text) == "", text


@given(st.sampled_from("35789"), st.integers(min_value=0, max_value=99_999_999))
def test_every_mobile_number_round_trips_in_international_form(network, subscriber):
    national = f"0{network}{subscriber:08d}"
    assert normalize_phone(national) == national
    assert normalize_phone(f"+84 {national[1:4]} {national[4:7]} {national[7:]}") == national
    assert normalize_phone(normalize_phone(national)) == national


def test_old_prefixes_map_to_ten_digit_numbers():
    assert len(OLD_MOBILE_PREFIXES) == 21
    for old, new in OLD_MOBILE_PREFIXES.items():
        assert normalize_phone(old + "1234567") == new + "1234567"
