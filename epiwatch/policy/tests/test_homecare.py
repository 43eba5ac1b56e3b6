"""Home care eligibility (Decision 4038/QĐ-BYT): every criterion, its boundary, and the reasons given."""

import datetime as dt

import pytest

from epiwatch.policy import homecare

TODAY = dt.date(2021, 11, 4)

VACCINATED_MILD = {
    "severity": "mild",
    "breathing_rate": 18,
    "spo2": 97,
    "age": 62,
    "doses": 2,
    "last_dose_date": dt.date(2021, 10, 1),
    "comorbidities": ["hypertension"],
    "pregnant": False,
    "can_self_care_or_carer": True,
    "on_date": TODAY,
}
UNVACCINATED_YOUNG = {**VACCINATED_MILD, "age": 30, "doses": 0, "last_dose_date": None, "comorbidities": []}


def check(**changes):
    return homecare.eligibility(**{**VACCINATED_MILD, **changes})


def codes(result):
    return [reason.code for reason in result.reasons]


def test_it_accepts_a_vaccinated_mild_case_even_with_a_comorbidity():
    assert check() == (True, ())


def test_it_accepts_an_unvaccinated_case_aged_1_to_50_without_comorbidity():
    assert homecare.eligibility(**{**UNVACCINATED_YOUNG, "age": 1}).eligible
    assert homecare.eligibility(**{**UNVACCINATED_YOUNG, "age": 50}).eligible


@pytest.mark.parametrize("age", [0, 51, 80])
def test_it_refuses_an_unvaccinated_case_outside_1_to_50(age):
    result = homecare.eligibility(**{**UNVACCINATED_YOUNG, "age": age})
    assert not result.eligible
    assert codes(result) == ["not_vaccinated", "age"]
    assert result.reasons[1].en == f"aged {age}: without vaccination only people aged 1 to 50 qualify"
    assert result.reasons[1].vi == f"{age} tuổi: người chưa tiêm chỉ đủ điều kiện khi từ 1 đến 50 tuổi"


@pytest.mark.parametrize(("days_ago", "eligible"), [(14, False), (15, True)])
def test_it_counts_one_dose_only_more_than_14_days_ago(days_ago, eligible):
    last = TODAY - dt.timedelta(days=days_ago)
    result = check(age=62, doses=1, last_dose_date=last)
    assert result.eligible is eligible
    if not eligible:
        assert (
            result.reasons[0].vi
            == "chưa tiêm đủ: 1 liều cách đây 14 ngày (cần 2 liều, hoặc 1 liều đã quá 14 ngày)"
        )
        assert result.reasons[0].en == (
            "not vaccinated: 1 dose 14 days ago (needs 2 doses, or 1 dose more than 14 days ago)"
        )


def test_it_does_not_count_one_dose_without_a_date():
    result = check(doses=1, last_dose_date=None)
    assert codes(result) == ["not_vaccinated", "age", "comorbidity"]
    assert result.reasons[0].en.startswith("not vaccinated: 1 dose, date unknown")


def test_it_refuses_an_unvaccinated_case_with_a_listed_comorbidity_by_code_or_label():
    for given in (["diabetes"], ["Đái tháo đường"], ["dai thao duong"], ["DIABETES "]):
        result = homecare.eligibility(**{**UNVACCINATED_YOUNG, "comorbidities": given})
        assert codes(result) == ["not_vaccinated", "comorbidity"], given
        assert result.reasons[1].vi == "có bệnh nền: đái tháo đường"
    unlisted = homecare.eligibility(**{**UNVACCINATED_YOUNG, "comorbidities": ["myopia"]})
    assert unlisted.eligible


def test_it_refuses_an_unvaccinated_pregnant_case():
    result = homecare.eligibility(**{**UNVACCINATED_YOUNG, "pregnant": True})
    assert codes(result) == ["not_vaccinated", "pregnant"]
    assert result.reasons[1].vi == "đang mang thai"


@pytest.mark.parametrize(
    ("severity", "eligible"),
    [("asymptomatic", True), ("mild", True), ("moderate", False), ("critical", False)],
)
def test_it_takes_only_asymptomatic_and_mild_cases(severity, eligible):
    result = check(severity=severity)
    assert result.eligible is eligible
    if not eligible:
        assert result.reasons[0].code == "severity"
        assert "home care is for asymptomatic or mild cases" in result.reasons[0].en


@pytest.mark.parametrize(("rate", "eligible"), [(20, True), (21, False)])
def test_it_needs_breathing_at_most_20_a_minute(rate, eligible):
    result = check(breathing_rate=rate)
    assert result.eligible is eligible
    if not eligible:
        assert result.reasons[0].vi == "nhịp thở 21 lần/phút > 20 lần/phút"
        assert result.reasons[0].en == "breathing rate 21/min > 20/min"


@pytest.mark.parametrize(("spo2", "eligible"), [(96, True), (95.9, False)])
def test_it_needs_spo2_of_at_least_96_percent(spo2, eligible):
    result = check(spo2=spo2)
    assert result.eligible is eligible
    if not eligible:
        assert result.reasons[0].vi == "SpO₂ 95,9 % < 96 %"
        assert result.reasons[0].en == "SpO₂ 95.9 % < 96 %"


def test_it_does_not_pass_what_was_not_measured():
    result = check(breathing_rate=None, spo2=None)
    assert codes(result) == ["breathing_rate_unknown", "spo2_unknown"]
    unknown_age = homecare.eligibility(**{**UNVACCINATED_YOUNG, "age": None})
    assert codes(unknown_age) == ["not_vaccinated", "age_unknown"]


def test_it_needs_self_care_or_a_carer():
    result = check(can_self_care_or_carer=False)
    assert codes(result) == ["no_carer"]
    assert result.reasons[0].vi == "không tự chăm sóc được và không có người chăm sóc"


def test_it_gives_every_reason_at_once():
    result = homecare.eligibility(
        **{
            **UNVACCINATED_YOUNG,
            "severity": "moderate",
            "spo2": 94,
            "age": 70,
            "comorbidities": ["hypertension", "diabetes"],
            "can_self_care_or_carer": False,
        }
    )
    assert codes(result) == ["severity", "spo2", "not_vaccinated", "age", "comorbidity", "no_carer"]
    assert result.reasons[4].en == "listed comorbidity: diabetes, hypertension"
    assert result.reasons[4].text("vi") == "có bệnh nền: đái tháo đường, tăng huyết áp"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"severity": "grave"}, "severity 'grave' is not one of"),
        ({"breathing_rate": -5}, "breathing_rate must be breaths per minute"),
        ({"spo2": 101}, "spo2 must be a percentage between 0 and 100, got 101"),
        ({"age": -1}, "age must be whole years between 0 and 130, got -1"),
        ({"age": 30.5}, "age must be whole years"),
        ({"doses": -1}, "doses must be a whole number, 0 or more, got -1"),
        ({"pregnant": None}, "pregnant must be true or false, got None"),
        ({"comorbidities": "diabetes"}, "comorbidities must be a list of codes"),
        ({"last_dose_date": dt.date(2021, 12, 1)}, "last_dose_date 2021-12-01 is after on_date 2021-11-04"),
        ({"doses": 0}, "last_dose_date is given but doses is 0"),
        ({"on_date": "2021-11-04"}, "on_date must be a date"),
    ],
)
def test_it_refuses_bad_inputs_naming_the_field(changes, message):
    with pytest.raises(ValueError) as info:
        check(**changes)
    assert message in str(info.value)


def test_it_has_no_rule_before_4038():
    from epiwatch.policy.rulesets import NoRuleSetInForce

    with pytest.raises(NoRuleSetInForce, match="no homecare rule set is in force on 2021-08-20"):
        check(on_date=dt.date(2021, 8, 20), last_dose_date=dt.date(2021, 7, 1))
