"""Quarantine plans: F1 before and from 16 Dec 2021, returnees, the vaccination and recovery windows."""

import datetime as dt

import pytest

from epiwatch.policy import quarantine

D = dt.date


def days(*numbers, start):
    return tuple(start + dt.timedelta(days=n - 1) for n in numbers)


def test_it_quarantines_every_f1_14_days_before_16_december():
    start = D(2021, 11, 4)
    plan = quarantine.plan("f1", start, vaccinated_last_dose_date=D(2021, 10, 1))
    assert plan.days == 14
    assert plan.place_options == ("centralized", "home")
    assert plan.test_days == (D(2021, 11, 4), D(2021, 11, 10), D(2021, 11, 17))
    assert plan.quarantine_until == D(2021, 11, 17)
    assert plan.self_monitoring_days == 14
    assert plan.self_monitoring_until == D(2021, 12, 1)
    assert plan.rule_name == "BYT-MT-6386:f1.all"
    assert [r.code for r in plan.reasons] == ["same_for_all"]


def test_it_sends_a_vaccinated_f1_home_for_7_days_from_16_december():
    start = D(2021, 12, 16)
    plan = quarantine.plan("f1", start, vaccinated_last_dose_date=D(2021, 11, 1))
    assert plan.group == "vaccinated_or_recovered"
    assert plan.days == 7
    assert plan.place_options == ("home",)
    assert plan.test_days == days(1, 7, start=start)
    assert plan.quarantine_until == D(2021, 12, 22)
    assert plan.self_monitoring_days == 7
    assert plan.self_monitoring_until == D(2021, 12, 29)
    assert plan.rule_name == "BYT-MT-10696:f1.vaccinated_or_recovered"
    assert plan.reasons[0].code == "vaccinated"
    assert plan.reasons[0].vi == "đã tiêm đủ liều: liều cuối ngày 01/11/2021, 45 ngày trước khi bắt đầu"


def test_it_picks_the_version_by_the_day_the_plan_is_made():
    start = D(2021, 12, 14)
    assert quarantine.plan("f1", start, vaccinated_last_dose_date=D(2021, 11, 1)).days == 14
    again = quarantine.plan("f1", start, on_date=D(2021, 12, 16), vaccinated_last_dose_date=D(2021, 11, 1))
    assert again.days == 7
    assert again.quarantine_until == D(2021, 12, 20)


@pytest.mark.parametrize(
    ("last_dose", "group"),
    [
        (D(2021, 12, 6), "vaccinated_or_recovered"),  # 14 days before the start
        (D(2021, 12, 7), "others"),  # 13 days
        (D(2021, 6, 20), "vaccinated_or_recovered"),  # exactly 6 months
        (D(2021, 6, 19), "others"),  # 6 months and a day
        (D(2021, 12, 25), "others"),  # after the start
    ],
)
def test_it_counts_a_vaccination_from_14_days_to_6_months_before_the_start(last_dose, group):
    plan = quarantine.plan("f1", D(2021, 12, 20), vaccinated_last_dose_date=last_dose)
    assert plan.group == group


def test_it_says_why_a_vaccination_does_not_count():
    plan = quarantine.plan("f1", D(2021, 12, 20), vaccinated_last_dose_date=D(2021, 12, 7))
    assert plan.days == 14
    assert plan.reasons[0].code == "vaccination_outside_window"
    assert plan.reasons[0].en == (
        "vaccination does not count: last dose on 7 Dec 2021, 13 days before the start "
        "(needs 14 days to 6 months before the start)"
    )


def test_it_sends_a_recently_recovered_f1_home_for_7_days():
    plan = quarantine.plan("f1", D(2022, 1, 10), recovered_date=D(2021, 9, 1))
    assert (plan.group, plan.days) == ("vaccinated_or_recovered", 7)
    assert plan.reasons[0].code == "recovered"
    old = quarantine.plan("f1", D(2022, 1, 10), recovered_date=D(2021, 7, 9))
    assert (old.group, old.days) == ("others", 14)
    assert old.reasons[0].code == "recovery_outside_window"


def test_it_quarantines_an_unvaccinated_f1_14_days_after_16_december():
    plan = quarantine.plan("f1", D(2022, 1, 10))
    assert (plan.group, plan.days, plan.place_options) == ("others", 14, ("centralized", "home"))
    assert plan.test_days == days(1, 7, 14, start=D(2022, 1, 10))
    assert plan.reasons[0].code == "no_vaccination_or_recovery"


def test_it_lets_a_vaccinated_returnee_self_monitor_7_days():
    arrival = D(2021, 11, 4)
    plan = quarantine.plan("returnee", arrival, vaccinated_last_dose_date=D(2021, 3, 1))  # 8 months: counts
    assert plan.group == "vaccinated_or_recovered"
    assert plan.days == 0
    assert plan.place_options == ()
    assert plan.quarantine_until is None
    assert plan.test_days == (D(2021, 11, 4), D(2021, 11, 10))
    assert plan.self_monitoring_days == 7
    assert plan.self_monitoring_until == D(2021, 11, 10)
    assert plan.rule_name == "BYT-MT-6386:returnee.vaccinated_or_recovered"


def test_it_keeps_other_returnees_14_days_at_home():
    arrival = D(2021, 11, 4)
    plan = quarantine.plan("returnee", arrival, vaccinated_last_dose_date=D(2020, 10, 1))  # over 12 months
    assert (plan.group, plan.days, plan.place_options) == ("others", 14, ("home",))
    assert plan.test_days == days(1, 7, 14, start=arrival)
    assert plan.self_monitoring_until is None
    assert quarantine.plan("returnee", D(2022, 1, 5)).rule_name == "BYT-MT-10696:returnee.others"


def test_it_counts_months_on_the_calendar():
    assert quarantine.months_before(D(2021, 12, 20), 6) == D(2021, 6, 20)
    assert quarantine.months_before(D(2021, 8, 31), 6) == D(2021, 2, 28)
    assert quarantine.months_before(D(2022, 1, 15), 12) == D(2021, 1, 15)


def test_it_refuses_bad_inputs():
    with pytest.raises(ValueError, match="kind 'f2' is not one of: f1, returnee"):
        quarantine.plan("f2", D(2021, 12, 20))
    with pytest.raises(ValueError, match="start_date must be a date"):
        quarantine.plan("f1", "2021-12-20")
    with pytest.raises(ValueError, match="start_date is required"):
        quarantine.plan("f1", None)
    with pytest.raises(ValueError, match="vaccinated_last_dose_date must be a date"):
        quarantine.plan("f1", D(2021, 12, 20), vaccinated_last_dose_date="2021-11-01")


def test_it_switches_to_dispatch_10696_on_16_december():
    vaccinated = D(2021, 11, 1)
    on_15th = quarantine.plan("f1", D(2021, 12, 15), vaccinated_last_dose_date=vaccinated)
    on_16th = quarantine.plan("f1", D(2021, 12, 16), vaccinated_last_dose_date=vaccinated)
    assert (on_15th.rule_name, on_15th.days) == ("BYT-MT-6386:f1.all", 14)
    assert (on_16th.rule_name, on_16th.days) == ("BYT-MT-10696:f1.vaccinated_or_recovered", 7)
