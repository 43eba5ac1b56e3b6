"""Forms of the levels pages: declaring, what-if, capacity, boundaries and the rule editor."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from epiwatch.geo.models import Area
from epiwatch.levels import rules
from epiwatch.levels.models import Level
from epiwatch.policy import rulesets
from epiwatch.policy.reader import RuleSetError
from epiwatch.policy.rulesets import RuleSet

YES_NO = [("yes", gettext_lazy("met")), ("no", gettext_lazy("not met"))]


def _percent_field(label, required=True):
    return forms.FloatField(
        label=label,
        required=required,
        validators=[
            MinValueValidator(0, gettext_lazy("A percentage cannot be negative.")),
            MaxValueValidator(100, gettext_lazy("A percentage cannot be above 100.")),
        ],
    )


def _count_field(label, required=True, minimum=0):
    return forms.IntegerField(
        label=label,
        required=required,
        validators=[MinValueValidator(minimum, gettext_lazy("Must not be negative."))],
    )


class OverrideForm(forms.Form):
    level = forms.TypedChoiceField(label=gettext_lazy("Declared level"), choices=Level.choices, coerce=int)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when the declared level differs from the proposed one."),
    )


class WhatIfForm(forms.Form):
    """The inputs of one unit, edited: nothing is stored."""

    ruleset = forms.ChoiceField(label=gettext_lazy("Rule set"))
    population = forms.IntegerField(
        label=gettext_lazy("Population"),
        validators=[MinValueValidator(1, gettext_lazy("The population must be more than 0."))],
    )
    community_cases_7d = _count_field(gettext_lazy("Community cases in 7 days"))
    cases_7d = _count_field(gettext_lazy("All new cases in 7 days"), required=False)
    deaths_7d = _count_field(gettext_lazy("Deaths in 7 days"), required=False)
    adults_1dose_pct = _percent_field(gettext_lazy("18+ with ≥1 dose (%)"))
    elderly_full_pct = _percent_field(gettext_lazy("65+ fully vaccinated (%)"))
    population_full_pct = _percent_field(gettext_lazy("Population fully vaccinated (%)"), required=False)
    high_risk_full_pct = _percent_field(gettext_lazy("High-risk groups fully vaccinated (%)"), required=False)
    capacity_ok = forms.ChoiceField(label=gettext_lazy("Care capacity"), choices=YES_NO)
    days_since_last_case = _count_field(gettext_lazy("Days since the last case"), required=False)

    INPUTS = (
        "population",
        "community_cases_7d",
        "cases_7d",
        "deaths_7d",
        "adults_1dose_pct",
        "elderly_full_pct",
        "population_full_pct",
        "high_risk_full_pct",
        "days_since_last_case",
    )

    def __init__(self, *args, ruleset_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ruleset"].choices = [(n, n) for n in ruleset_names]

    def level_inputs(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.INPUTS}
        data["capacity_ok"] = self.cleaned_data["capacity_ok"] == "yes"
        return data


class CapacityForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("From"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    ok = forms.ChoiceField(label=gettext_lazy("Care capacity"), choices=YES_NO)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("ok") == "no" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the capacity is not met: it raises the level."))
        return data


class BoundaryForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("GeoJSON file"),
        help_text=gettext_lazy(
            "A FeatureCollection; each feature's properties give the GSO code (code, gso_code, ma or ma_xa)."
        ),
    )


# --- the rule editor ---------------------------------------------------------------------------------------------

LOWER_OPS = [("from", "≥"), ("above", ">")]
UPPER_OPS = [("below", "<"), ("up_to", "≤")]


class RuleSetForm(forms.Form):
    """A new version of a levels rule set, copied from `base`: bands, coverage cut-offs, matrix, the
    no-recent-case rule and the capacity rule, with its name and the date it takes effect. The policy loader
    checks the result; its message is shown when the version cannot be used."""

    name = forms.RegexField(
        label=gettext_lazy("Name"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        error_messages={"invalid": gettext_lazy("Letters, digits, '.', '_' or '-' only, e.g. BL-2021-11.")},
    )
    effective_from = forms.DateField(
        label=gettext_lazy("In force from"), input_formats=["%Y-%m-%d", "%d/%m/%Y"]
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=300,
        help_text=gettext_lazy("The decision that adopts it, e.g. Quyết định 1234/QĐ-UBND."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    no_recent_case_days = forms.IntegerField(
        label=gettext_lazy("No case in this many days gives level"), required=False
    )
    no_recent_case_level = forms.IntegerField(
        label=gettext_lazy("Level without recent cases"), required=False
    )
    capacity_raise = forms.IntegerField(label=gettext_lazy("Capacity not met raises the level by"))
    max_level = forms.IntegerField(label=gettext_lazy("Highest level"))

    def __init__(self, *args, base: RuleSet, province: Area, replacing: str | None = None, **kwargs):
        self.base = base
        self.province = province
        self.replacing = replacing
        values = rules.editor_values(base)
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("no_recent_case_days", values.no_recent_case_days)
        initial.setdefault("no_recent_case_level", values.no_recent_case_level)
        initial.setdefault("capacity_raise", values.capacity_raise)
        initial.setdefault("max_level", values.max_level)
        super().__init__(*args, **kwargs)
        self.targets = list(base.rules.coverage)
        for target in self.targets:
            self.fields[f"coverage_{target.measure}"] = forms.FloatField(
                label=target.label_vi if (get_language() or "vi").startswith("vi") else target.label_en,
                initial=values.coverage[target.measure],
            )
        self.band_count = len(values.bands) + 1  # one empty row to add a band
        for i in range(self.band_count):
            band = values.bands[i] if i < len(values.bands) else None
            self.fields[f"band_{i}_name"] = forms.CharField(
                required=False, max_length=8, initial=band.name if band else ""
            )
            self.fields[f"band_{i}_lower_op"] = forms.ChoiceField(
                choices=LOWER_OPS, initial="from" if band is None or band.lower_inclusive else "above"
            )
            self.fields[f"band_{i}_lower"] = forms.FloatField(
                required=False, initial=band.lower if band else None
            )
            self.fields[f"band_{i}_upper_op"] = forms.ChoiceField(
                choices=UPPER_OPS, initial="up_to" if band and band.upper_inclusive else "below"
            )
            self.fields[f"band_{i}_upper"] = forms.FloatField(
                required=False, initial=band.upper if band else None
            )
            self.fields[f"band_{i}_met"] = forms.IntegerField(
                required=False, initial=band.met if band else None
            )
            self.fields[f"band_{i}_not_met"] = forms.IntegerField(
                required=False, initial=band.not_met if band else None
            )
        self.ruleset: RuleSet | None = None
        self.document: dict | None = None

    def band_rows(self):
        keys = ("name", "lower_op", "lower", "upper_op", "upper", "met", "not_met")
        return [[self[f"band_{i}_{k}"] for k in keys] for i in range(self.band_count)]

    def coverage_fields(self):
        return [self[f"coverage_{t.measure}"] for t in self.targets]

    def _bands(self, data) -> list[rules.BandValues]:
        bands = []
        for i in range(self.band_count):
            name = (data.get(f"band_{i}_name") or "").strip()
            numbers = [data.get(f"band_{i}_{k}") for k in ("lower", "upper", "met", "not_met")]
            if not name and all(n is None for n in numbers):
                continue  # an empty row
            if not name:
                self.add_error(f"band_{i}_name", _("A band needs a name, e.g. A."))
                continue
            if data.get(f"band_{i}_lower") is None:
                self.add_error(f"band_{i}_lower", _("Band %(band)s needs a lower bound.") % {"band": name})
                continue
            bands.append(
                rules.BandValues(
                    name=name,
                    lower=data[f"band_{i}_lower"],
                    lower_inclusive=data.get(f"band_{i}_lower_op") != "above",
                    upper=data.get(f"band_{i}_upper"),
                    upper_inclusive=data.get(f"band_{i}_upper_op") == "up_to",
                    met=data.get(f"band_{i}_met"),
                    not_met=data.get(f"band_{i}_not_met"),
                )
            )
        return bands

    def clean(self):
        data = super().clean()
        bands = self._bands(data)
        if self.errors:
            return data
        if not bands:
            raise forms.ValidationError(_("Give at least one band."))
        if data.get("no_recent_case_days") is not None and data.get("no_recent_case_level") is None:
            self.add_error("no_recent_case_level", _("Give the level of a unit without recent cases."))
            return data
        values = rules.EditorValues(
            bands=bands,
            coverage={t.measure: data[f"coverage_{t.measure}"] for t in self.targets},
            no_recent_case_days=data.get("no_recent_case_days"),
            no_recent_case_level=data.get("no_recent_case_level") or 1,
            capacity_raise=data["capacity_raise"],
            max_level=data["max_level"],
        )
        document = rules.build_document(
            self.base,
            name=data["name"],
            effective_from=data["effective_from"],
            source=data["source"],
            note=data.get("note", ""),
            values=values,
            province=self.province,
        )
        try:
            ruleset = rulesets.load(document)
            rules.check_version(self.province, ruleset, replacing=self.replacing)
        except RuleSetError as error:
            raise forms.ValidationError(
                _("This version cannot be used: %(reason)s") % {"reason": error}, code="ruleset"
            ) from None
        self.ruleset, self.document = ruleset, document
        return data
