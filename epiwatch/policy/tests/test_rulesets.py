"""Rule sets: the shipped versions, which one is in force on a day, and the broken ones that are refused."""

import datetime as dt
import json

import pytest

from epiwatch.policy import rulesets
from epiwatch.policy.rulesets import History, NoRuleSetInForce, RuleSetError
from epiwatch.policy.tests.helpers import bands, data_of

D = dt.date


def refused(data, message):
    with pytest.raises(RuleSetError) as info:
        rulesets.load(data)
    assert message in str(info.value), str(info.value)
    return str(info.value)


# -------------------------------------------------------------------------------------------- shipped data


def test_it_ships_every_family_with_its_versions():
    names = {family: [r.name for r in rulesets.versions(family)] for family in rulesets.FAMILIES}
    assert names == {
        "levels": ["BYT-4800", "BYT-218"],
        "confirmation": ["BYT-2022", "BYT-DP-11042"],
        "quarantine": ["BYT-MT-6386", "BYT-MT-10696"],
        "homecare": ["BYT-4038"],
        "tiers": ["BYT-3TIER"],
        "contacts": ["BYT-F1"],
    }


def test_it_names_the_legal_source_of_each_version():
    assert "4800/QĐ-BYT" in rulesets.get("levels", "BYT-4800").source
    assert "128/NQ-CP" in rulesets.get("levels", "BYT-4800").source
    assert "218/QĐ-BYT" in rulesets.get("levels", "BYT-218").source
    assert "11042/BYT-DP" in rulesets.get("confirmation", "BYT-DP-11042").source
    assert "10696/BYT-MT" in rulesets.get("quarantine", "BYT-MT-10696").source
    assert "6386/BYT-MT" in rulesets.get("quarantine", "BYT-MT-10696").source
    assert "4038/QĐ-BYT" in rulesets.get("homecare", "BYT-4038").source
    for ruleset in rulesets.builtin().all():
        assert ruleset.title_en and ruleset.title_vi and ruleset.source


@pytest.mark.parametrize(
    ("family", "before", "switch_day", "after"),
    [
        ("levels", "BYT-4800", D(2022, 1, 27), "BYT-218"),
        ("confirmation", "BYT-2022", D(2021, 12, 29), "BYT-DP-11042"),
        ("quarantine", "BYT-MT-6386", D(2021, 12, 16), "BYT-MT-10696"),
    ],
)
def test_it_switches_version_on_the_first_day_of_the_new_one(family, before, switch_day, after):
    assert rulesets.in_force(family, switch_day - dt.timedelta(days=1)).name == before
    assert rulesets.in_force(family, switch_day).name == after
    assert rulesets.in_force(family, switch_day + dt.timedelta(days=400)).name == after


def test_it_starts_each_family_on_its_effective_date():
    assert rulesets.in_force("levels", D(2021, 10, 12)).name == "BYT-4800"
    assert rulesets.in_force("homecare", D(2021, 8, 21)).name == "BYT-4038"
    assert rulesets.in_force("quarantine", D(2021, 8, 6)).name == "BYT-MT-6386"
    with pytest.raises(NoRuleSetInForce, match="no levels rule set is in force on 2021-10-11"):
        rulesets.in_force("levels", D(2021, 10, 11))
    with pytest.raises(NoRuleSetInForce, match="no homecare rule set is in force on 2021-08-20"):
        rulesets.in_force("homecare", D(2021, 8, 20))


def test_it_assesses_a_history_spanning_218_with_the_right_version_each_week():
    mondays = [D(2022, 1, 10) + dt.timedelta(weeks=n) for n in range(4)]
    used = [rulesets.in_force("levels", day).name for day in mondays]
    assert used == ["BYT-4800", "BYT-4800", "BYT-4800", "BYT-218"]


def test_it_knows_the_last_day_each_version_is_in_force():
    history = rulesets.builtin()
    assert history.in_force_until(rulesets.get("levels", "BYT-4800")) == D(2022, 1, 26)
    assert history.in_force_until(rulesets.get("levels", "BYT-218")) is None
    assert history.in_force_until(rulesets.get("confirmation", "BYT-2022")) == D(2021, 12, 28)


def test_it_flags_every_value_that_rules_marks_unconfirmed():
    v4800 = rulesets.get("levels", "BYT-4800")
    # Middle cuts of criterion 1 are unconfirmed; the lowest band and the 150 cut are confirmed.
    assert v4800.is_unconfirmed("rules.criterion1.bands.B.below")
    assert v4800.is_unconfirmed("rules.criterion1.bands.C.from")
    assert not v4800.is_unconfirmed("rules.criterion1.bands.A.below")
    assert not v4800.is_unconfirmed("rules.criterion1.bands.C.below")
    assert not v4800.is_unconfirmed("rules.criterion1.bands.D.from")
    # Coverage cut-offs, the combined table and the 14-day rule.
    assert v4800.is_unconfirmed("rules.coverage.met_when_all.adults_1dose_pct.at_least")
    assert v4800.is_unconfirmed("rules.coverage.met_when_all.elderly_full_pct.at_least")
    assert v4800.is_unconfirmed("rules.matrix.C.not_met")  # a cell inherits the table's flag
    assert v4800.is_unconfirmed("rules.no_recent_case.days")
    assert not v4800.is_unconfirmed("rules.capacity.raise_by")
    assert v4800.note_for("rules.matrix")

    v218 = rulesets.get("levels", "BYT-218")
    assert not v218.is_unconfirmed("rules.criterion1.bands.D.above")  # > 600 is the confirmed cut
    assert v218.is_unconfirmed("rules.criterion1.bands.A.below")
    assert v218.is_unconfirmed("rules.criterion1.bands.B.below")
    assert v218.is_unconfirmed("rules.matrix")
    assert v218.is_unconfirmed("rules.raises.deaths_7d.rate_above")

    assert rulesets.get("homecare", "BYT-4038").is_unconfirmed("rules.comorbidities")
    assert not rulesets.get("confirmation", "BYT-DP-11042").unconfirmed


def test_it_keeps_the_canonical_document_and_its_digest():
    ruleset = rulesets.get("levels", "BYT-4800")
    again = rulesets.loads(ruleset.document)
    assert again == ruleset
    assert again.digest == ruleset.digest
    assert ruleset.as_dict()["rules"]["matrix"]["D"] == {"met": 4, "not_met": 4}


def test_its_versions_cannot_be_changed_in_place():
    ruleset = rulesets.get("levels", "BYT-4800")
    with pytest.raises(AttributeError):
        ruleset.name = "BYT-4801"
    with pytest.raises(AttributeError):
        ruleset.rules.bands[0].lower = 5


# ----------------------------------------------------------------------------------------- history


def test_it_adds_a_provincial_version_that_supersedes_from_its_date():
    data = data_of("levels", "BYT-4800")
    data.update(name="BL-2021-11", effective_from="2021-11-15")
    bands(data)[1]["below"] = 60
    bands(data)[2]["from"] = 60
    adjusted = rulesets.load(data)
    history = rulesets.builtin().with_version(adjusted)
    assert history.in_force("levels", D(2021, 11, 14)).name == "BYT-4800"
    assert history.in_force("levels", D(2021, 11, 15)).name == "BL-2021-11"
    assert history.in_force("levels", D(2022, 1, 27)).name == "BYT-218"
    assert rulesets.in_force("levels", D(2021, 11, 15)).name == "BYT-4800"  # the shipped history is unchanged


def test_it_refuses_a_changed_version_under_an_existing_name():
    data = data_of("levels", "BYT-4800")
    bands(data)[0]["below"] = 25
    bands(data)[1]["from"] = 25
    changed = rulesets.load(data)
    with pytest.raises(RuleSetError, match="levels rule set BYT-4800 already exists with different content"):
        rulesets.builtin().with_version(changed)
    same = rulesets.load(data_of("levels", "BYT-4800"))
    assert rulesets.builtin().with_version(same).versions("levels") == rulesets.versions("levels")


def test_it_refuses_two_versions_taking_effect_on_the_same_day():
    data = data_of("levels", "BYT-4800")
    data["name"] = "BYT-4800-bis"
    with pytest.raises(RuleSetError, match="BYT-4800 and BYT-4800-bis both take effect on 2021-10-12"):
        rulesets.builtin().with_version(rulesets.load(data))


def test_it_refuses_a_version_whose_own_end_runs_into_the_next():
    data = data_of("levels", "BYT-4800")
    data.update(name="TEMP", effective_from="2021-11-01", effective_until="2022-02-01")
    with pytest.raises(
        RuleSetError, match=r"TEMP \(until 2022-02-01\) and BYT-218 \(from 2022-01-27\) overlap"
    ):
        rulesets.builtin().with_version(rulesets.load(data))


def test_it_leaves_nothing_in_force_after_an_explicit_end():
    data = data_of("contacts", "BYT-F1")
    data.update(effective_from="2021-01-01", effective_until="2021-06-30")
    history = History([rulesets.load(data)])
    assert history.in_force("contacts", D(2021, 6, 30)).name == "BYT-F1"
    with pytest.raises(NoRuleSetInForce):
        history.in_force("contacts", D(2021, 7, 1))


def test_it_refuses_unknown_families_and_names_on_lookup():
    with pytest.raises(LookupError, match="rule set family 'vaccines' is not one of"):
        rulesets.in_force("vaccines", D(2021, 11, 4))
    with pytest.raises(LookupError, match="there is no levels rule set named BYT-9999"):
        rulesets.get("levels", "BYT-9999")
    with pytest.raises(TypeError, match="on_date must be a date"):
        rulesets.in_force("levels", "2021-11-04")


def test_it_reads_a_file_only_under_its_own_name(tmp_path):
    good = tmp_path / "levels-BYT-4800.json"
    good.write_text(rulesets.get("levels", "BYT-4800").document, encoding="utf-8")
    assert rulesets.read(good).name == "BYT-4800"
    wrong = tmp_path / "levels-4800.json"
    wrong.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RuleSetError, match="levels-4800.json: holds levels:BYT-4800, so it must be named"):
        rulesets.read(wrong)
    broken = tmp_path / "levels-X.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuleSetError, match="levels-X.json: not valid JSON"):
        rulesets.read(broken)


# ------------------------------------------------------------------------------------ header checks


def test_it_refuses_a_bad_header():
    data = data_of("levels", "BYT-4800")
    refused({**data, "family": "vaccines"}, "rule set family 'vaccines' is not one of")
    refused({**data, "name": "BYT 4800/2"}, "name 'BYT 4800/2' must be letters, digits")
    refused(
        {**data, "effective_from": "12/10/2021"},
        "'effective_from' of the rule set must be a date written YYYY-MM-DD",
    )
    refused({**data, "effective_until": "2021-01-01"}, "it ends on 2021-01-01 before it starts on 2021-10-12")
    without_source = {k: v for k, v in data.items() if k != "source"}
    refused(without_source, "levels rule set BYT-4800: 'source' of the rule set is missing")
    refused({**data, "sources": "x"}, "unknown field 'sources' in the rule set")
    refused({**data, "title": {"en": "Levels"}}, "'vi' of 'title' of the rule set is missing")


def test_it_refuses_a_flag_that_is_not_true_or_false():
    data = data_of("levels", "BYT-4800")
    data["rules"]["matrix"]["unconfirmed"] = "yes"
    refused(data, "'unconfirmed' of rules.matrix must be true or false")


# ------------------------------------------------------------------------------------- level checks


def test_it_refuses_bands_that_leave_a_gap():
    data = data_of("levels", "BYT-4800")
    bands(data)[2]["from"] = 60
    message = refused(data, "bands B and C leave a gap between 50 and 60")
    assert message.startswith("levels rule set BYT-4800: ")


def test_it_refuses_bands_that_overlap():
    data = data_of("levels", "BYT-4800")
    bands(data)[1]["below"] = 70
    refused(data, "bands B and C overlap between 50 and 70")


def test_it_refuses_two_bands_that_both_hold_the_cut_or_both_leave_it_out():
    data = data_of("levels", "BYT-218")
    bands(data)[3] = {"band": "D", "from": 600}  # C is "up_to 600"
    refused(data, "bands C and D both include 600")
    data = data_of("levels", "BYT-218")
    bands(data)[2] = {"band": "C", "from": 150, "below": 600}  # D is "above 600"
    refused(data, "bands C and D leave a gap at exactly 600: it falls in neither")


def test_it_refuses_bands_that_do_not_cover_every_rate():
    data = data_of("levels", "BYT-4800")
    bands(data)[0]["from"] = 5
    refused(data, "band A must start from 0")
    data = data_of("levels", "BYT-4800")
    bands(data)[3]["below"] = 300
    refused(data, "band D ends at 300: higher rates fall in no band; the last band must be open-ended")
    data = data_of("levels", "BYT-4800")
    del bands(data)[2]["below"]
    refused(data, "band C has no upper bound but band D follows it")


def test_it_refuses_a_band_with_bad_bounds():
    data = data_of("levels", "BYT-4800")
    bands(data)[1]["from"] = -20
    refused(data, "band B has a bound of -20; rates are never negative")
    data = data_of("levels", "BYT-4800")
    bands(data)[1]["below"] = 10
    refused(data, "band B runs from 20 to 10; its lower bound must be below its upper bound")
    data = data_of("levels", "BYT-4800")
    bands(data)[1]["above"] = 20
    refused(data, "band B has both 'from' and 'above'")
    data = data_of("levels", "BYT-4800")
    del bands(data)[1]["from"]
    refused(data, "band B has no lower bound")
    data = data_of("levels", "BYT-4800")
    bands(data)[1]["from"] = "twenty"
    refused(data, "'from' of band B must be a number, got 'twenty'")
    data = data_of("levels", "BYT-4800")
    bands(data).append({"band": "B", "from": 300})
    refused(data, "band B is defined twice")


def test_it_refuses_a_matrix_with_a_missing_cell():
    data = data_of("levels", "BYT-4800")
    del data["rules"]["matrix"]["C"]["not_met"]
    refused(data, "matrix has no level for band C when coverage is not met")
    data = data_of("levels", "BYT-4800")
    del data["rules"]["matrix"]["B"]
    refused(data, "matrix has no row for band B")
    data = data_of("levels", "BYT-4800")
    data["rules"]["matrix"]["E"] = {"met": 4, "not_met": 4}
    refused(data, "matrix has a row for band E, which is not one of the bands (A, B, C, D)")


def test_it_refuses_a_level_outside_1_to_4():
    data = data_of("levels", "BYT-4800")
    data["rules"]["matrix"]["D"]["met"] = 5
    refused(data, "matrix level for band D when coverage is met is 5; levels run from 1 to 4")
    data = data_of("levels", "BYT-4800")
    data["rules"]["matrix"]["A"]["met"] = 0
    refused(data, "matrix level for band A when coverage is met is 0; levels run from 1 to 4")
    data = data_of("levels", "BYT-4800")
    data["rules"]["no_recent_case"]["level"] = 7
    refused(data, "the level of a unit without recent cases is 7; levels run from 1 to 4")
    data = data_of("levels", "BYT-4800")
    data["rules"]["capacity"]["max_level"] = 5
    refused(data, "the highest level is 5; levels run from 1 to 4")
    data = data_of("levels", "BYT-4800")
    data["rules"]["levels"].pop()
    refused(data, "'levels' must name levels 1, 2, 3 and 4, each once")


def test_it_refuses_a_coverage_cut_off_below_0_or_above_100_percent():
    data = data_of("levels", "BYT-4800")
    data["rules"]["coverage"]["met_when_all"][0]["at_least"] = 120
    refused(data, "coverage cut-off for adults_1dose_pct is 120 %, outside 0–100 %")
    data = data_of("levels", "BYT-4800")
    data["rules"]["coverage"]["met_when_all"][1]["at_least"] = {"value": -5, "unconfirmed": True}
    refused(data, "coverage cut-off for elderly_full_pct is -5 %, outside 0–100 %")
    data = data_of("levels", "BYT-4800")
    data["rules"]["coverage"]["met_when_all"][1]["measure"] = "elderly_pct"
    refused(data, "coverage measure 'elderly_pct' is not a percentage input")


def test_it_refuses_unknown_fields_and_bad_raises():
    data = data_of("levels", "BYT-4800")
    data["rules"]["criterion1"]["bandz"] = []
    refused(data, "unknown field 'bandz' in criterion 1")
    data = data_of("levels", "BYT-218")
    data["rules"]["raises"][0]["measure"] = "icu_beds"
    refused(data, "raise by 'icu_beds' is not a count input")
    data = data_of("levels", "BYT-218")
    data["rules"]["raises"][0]["rate_above"] = -1
    refused(data, "'rate_above' of raise by deaths_7d is -1, below the minimum of 0")
    data = data_of("levels", "BYT-4800")
    data["rules"]["criterion1"]["counts"] = "hospital_cases_7d"
    refused(data, "'counts' of criterion 1 is 'hospital_cases_7d', not one of: community_cases_7d, cases_7d")


# ------------------------------------------------------------------------------ other family checks


def test_it_refuses_a_rule_that_would_confirm_a_case_from_a_pool():
    data = data_of("confirmation", "BYT-DP-11042")
    data["rules"]["rules"][0]["classification"] = "confirmed"
    refused(
        data,
        "rule pooled-positive-retest-members confirms a case from a pooled result; a positive pool confirms nobody",
    )


def test_it_refuses_confirmation_rules_with_unknown_words():
    data = data_of("confirmation", "BYT-DP-11042")
    data["rules"]["rules"][1]["test_types"] = ["rt_pcr", "lamp"]
    refused(data, "'test_types' of rule rt-pcr-positive names 'lamp', not one of")
    data = data_of("confirmation", "BYT-DP-11042")
    data["rules"]["rules"][1]["classification"] = "probable"
    refused(data, "'classification' of rule rt-pcr-positive is 'probable', not one of")
    data = data_of("confirmation", "BYT-DP-11042")
    data["rules"]["rules"][2]["when"] = ["is_f2"]
    refused(data, "'when' of rule antigen-positive-f1 names 'is_f2', not one of")


def test_it_refuses_quarantine_rules_that_cannot_plan_everyone():
    data = data_of("quarantine", "BYT-MT-10696")
    data["rules"]["f1"]["groups"][1]["when_any"] = ["vaccinated"]
    refused(data, "the last f1 group (others) must apply to everyone else")
    data = data_of("quarantine", "BYT-MT-10696")
    data["rules"]["f1"]["groups"].reverse()
    refused(data, "f1 group others applies to everyone, so the groups after it never apply")
    data = data_of("quarantine", "BYT-MT-10696")
    data["rules"]["f1"]["groups"][0]["test_days"] = [1, 15]
    refused(data, "test day 15 of f1 group vaccinated_or_recovered is outside its 14 days")
    data = data_of("quarantine", "BYT-MT-10696")
    data["rules"]["f1"]["groups"][0]["test_days"] = [7, 1]
    refused(data, "the test days of f1 group vaccinated_or_recovered must be in order, each once")
    data = data_of("quarantine", "BYT-MT-10696")
    del data["rules"]["f1"]["groups"][0]["places"]
    refused(data, "f1 group vaccinated_or_recovered quarantines for 7 days but names no place")
    data = data_of("quarantine", "BYT-MT-10696")
    del data["rules"]["f1"]["vaccinated"]
    refused(
        data, "f1 group vaccinated_or_recovered applies to vaccinated people, but 'vaccinated' is missing"
    )


def test_it_refuses_home_care_and_tier_rules_that_do_not_add_up():
    data = data_of("homecare", "BYT-4038")
    data["rules"]["spo2_min"] = 196
    refused(data, "the SpO₂ minimum is 196 %, outside 0–100 %")
    data = data_of("homecare", "BYT-4038")
    data["rules"]["unvaccinated"] = {"age_from": 50, "age_to": 1}
    refused(data, "the unvaccinated age range runs from 50 to 1")
    data = data_of("homecare", "BYT-4038")
    data["rules"]["comorbidities"]["value"].append({"code": "asthma", "en": "asthma", "vi": "hen"})
    refused(data, "a comorbidity code is listed twice")
    data = data_of("tiers", "BYT-3TIER")
    data["rules"]["tiers"][2]["severities"] = ["severe"]
    refused(data, "severity 'critical' has no tier")
    data = data_of("tiers", "BYT-3TIER")
    data["rules"]["tiers"][1]["severities"] = ["moderate", "severe"]
    refused(data, "severity 'severe' is in tiers 2 and 3")
    data = data_of("contacts", "BYT-F1")
    data["rules"]["infectious_period"]["days_before_onset"] = -2
    refused(data, "'days_before_onset' of the infectious period is -2, below the minimum of 0")


def test_every_shipped_file_round_trips_through_json():
    for path in sorted(rulesets.DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert rulesets.load(data) == rulesets.read(path)
