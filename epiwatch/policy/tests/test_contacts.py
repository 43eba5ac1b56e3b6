"""F1: a close contact during the case's infectious period, from 2 days before onset or before the sample."""

import datetime as dt

import pytest

from epiwatch.policy import contacts

D = dt.date


def test_it_starts_the_infectious_period_2_days_before_onset():
    assert contacts.infectious_from(D(2021, 11, 4), D(2021, 11, 6)) == (D(2021, 11, 2), "onset")


def test_it_starts_it_2_days_before_the_positive_sample_without_symptoms():
    assert contacts.infectious_from(None, D(2021, 11, 6)) == (D(2021, 11, 4), "sample")


@pytest.mark.parametrize(
    ("last_contact", "is_f1"), [(D(2021, 11, 1), False), (D(2021, 11, 2), True), (D(2021, 11, 5), True)]
)
def test_it_makes_an_f1_of_a_contact_on_or_after_the_first_infectious_day(last_contact, is_f1):
    decision = contacts.assess(last_contact, onset_date=D(2021, 11, 4))
    assert decision.is_f1 is is_f1
    assert decision.infectious_from == D(2021, 11, 2)
    assert decision.rule_name == "BYT-F1:after-onset"


def test_it_explains_the_decision():
    decision = contacts.assess(D(2021, 11, 3), positive_sample_date=D(2021, 11, 6))
    assert not decision.is_f1
    assert decision.rule_name == "BYT-F1:after-sample"
    assert decision.reason.vi == (
        "tiếp xúc lần cuối ngày 03/11/2021, trước thời kỳ lây truyền từ ngày 04/11/2021 "
        "(tính từ lấy mẫu dương tính (không triệu chứng))"
    )
    assert decision.reason.en == (
        "last contact on 3 Nov 2021, before the infectious period from 4 Nov 2021 "
        "(counted from the positive sample (no symptoms))"
    )


def test_it_needs_a_date_to_count_from():
    with pytest.raises(ValueError, match="onset_date or positive_sample_date is required"):
        contacts.assess(D(2021, 11, 3))
    with pytest.raises(ValueError, match="last_contact_date must be a date"):
        contacts.assess("2021-11-03", onset_date=D(2021, 11, 4))
    with pytest.raises(ValueError, match="onset_date must be a date"):
        contacts.infectious_from("2021-11-04", None)
