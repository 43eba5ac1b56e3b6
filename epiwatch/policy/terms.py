"""The words the rules are written in: severities, test types, results, classifications, with their labels.

Codes are English and stable (they are stored on cases and results); labels are (English, Vietnamese) pairs used
in the evaluators' explanations. Pages translate the same codes through gettext in the apps that show them.
"""

from __future__ import annotations

SEVERITIES = ("asymptomatic", "mild", "moderate", "severe", "critical")
SEVERITY_LABELS = {
    "asymptomatic": ("asymptomatic", "không triệu chứng"),
    "mild": ("mild", "nhẹ"),
    "moderate": ("moderate", "trung bình"),
    "severe": ("severe", "nặng"),
    "critical": ("critical", "nguy kịch"),
}

TEST_TYPES = ("rt_pcr", "pooled_rt_pcr", "antigen_professional", "antigen_self")
POOLED_TEST_TYPES = ("pooled_rt_pcr",)
RESULTS = ("positive", "negative", "invalid", "pending")

CLASSIFICATIONS = ("suspected", "confirmed", "discarded", "none")

# What the caller knows about the person when a result arrives (see confirmation.Context).
CONFIRMATION_FLAGS = (
    "is_f1",
    "has_symptoms",
    "previous_antigen_positive_within_8h_with_link",
    "is_suspected",
)

QUARANTINE_KINDS = ("f1", "returnee")
QUARANTINE_PLACES = ("centralized", "home")
# Conditions a quarantine group can require (any of them).
QUARANTINE_CONDITIONS = ("vaccinated", "recovered")

# Inputs of a level assessment, by kind: counts over the assessment window and percentages of a population.
LEVEL_COUNT_INPUTS = ("community_cases_7d", "cases_7d", "deaths_7d", "severe_7d")
LEVEL_PERCENT_INPUTS = ("adults_1dose_pct", "elderly_full_pct", "population_full_pct", "high_risk_full_pct")


def severity_label(severity: str, lang: str) -> str:
    en, vi = SEVERITY_LABELS[severity]
    return vi if lang == "vi" else en
