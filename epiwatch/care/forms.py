"""Forms of the care pages: facility, capacity, admit / transfer / discharge, scenario, settings, upload."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.care.models import FIGURES, TIERS, CapacityChange, DischargeReason, Facility, Support
from epiwatch.care.planner import MAX_HORIZON, MIN_HORIZON, SEVERITIES
from epiwatch.geo.models import Area

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIER_CHOICES = [(t, gettext_lazy("Tier %(tier)s") % {"tier": t}) for t in TIERS]


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


class FacilityForm(forms.ModelForm):
    area_code = forms.CharField(
        label=gettext_lazy("Area code"),
        max_length=32,
        help_text=gettext_lazy("GSO code of the commune or district, e.g. 31825"),
    )

    class Meta:
        model = Facility
        fields = [
            "code",
            "name",
            "kind",
            "site",
            "organization",
            "serves_tier_1",
            "serves_tier_2",
            "serves_tier_3",
            "designated",
            "address",
            "is_active",
        ]

    def __init__(self, *args, organizations=None, scope=None, dataset: str = "vn-2021", **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.dataset = dataset
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        if self.instance.pk:
            self.fields["area_code"].initial = self.instance.area.code
            self.fields["code"].disabled = True
            if scope is not None and not scope.covers_area(self.instance.area, write=True):
                # the staff of the facility's organization edit it, but do not move it
                self.fields["area_code"].disabled = True

    def clean_code(self):
        return self.cleaned_data["code"].lower()

    def clean_area_code(self):
        code = self.cleaned_data["area_code"].strip()
        if self.fields["area_code"].disabled:
            return code
        area = Area.objects.filter(dataset=self.dataset, code=code).first()
        if area is None:
            raise forms.ValidationError(_("Unknown area code %(code)s.") % {"code": code})
        if self.scope is not None and not self.scope.covers_area(area, write=True):
            raise forms.ValidationError(
                _("%(name)s is outside the area you may write in.") % {"name": area.name}
            )
        self.instance.area = area
        return code


class CapacityForm(forms.ModelForm):
    class Meta:
        model = CapacityChange
        fields = ["effective_from", *FIGURES, "mobile_station", "home_care_plan", "note"]
        widgets = {"effective_from": DATE_INPUT}

    def __init__(self, *args, facility: Facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        self.instance.facility = facility
        for name in FIGURES:
            self.fields[name].widget.attrs["min"] = 0
        for tier in TIERS:
            if not facility.serves(tier):
                self.fields[f"beds_tier_{tier}"].disabled = True


class AdmitForm(forms.Form):
    facility = forms.ModelChoiceField(label=gettext_lazy("Facility"), queryset=Facility.objects.none())
    tier = forms.TypedChoiceField(label=gettext_lazy("Tier"), choices=TIER_CHOICES, coerce=int)
    support = forms.ChoiceField(label=gettext_lazy("Support"), choices=Support.choices, initial=Support.NONE)
    admitted_at = forms.DateTimeField(
        label=gettext_lazy("Admitted at"), widget=DATETIME_INPUT, initial=_now_local
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is not None:
            self.fields["facility"].queryset = facilities


class TransferForm(forms.Form):
    facility = forms.ModelChoiceField(label=gettext_lazy("To"), queryset=Facility.objects.none())
    tier = forms.TypedChoiceField(label=gettext_lazy("Tier"), choices=TIER_CHOICES, coerce=int)
    support = forms.ChoiceField(label=gettext_lazy("Support"), choices=Support.choices, initial=Support.NONE)
    at = forms.DateTimeField(label=gettext_lazy("Transferred at"), widget=DATETIME_INPUT, initial=_now_local)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is not None:
            self.fields["facility"].queryset = facilities


DISCHARGE_CHOICES = [
    (v, label) for v, label in DischargeReason.choices if v not in ("", DischargeReason.TRANSFERRED)
]


class DischargeForm(forms.Form):
    at = forms.DateTimeField(label=gettext_lazy("Discharged at"), widget=DATETIME_INPUT, initial=_now_local)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=DISCHARGE_CHOICES)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class SupportForm(forms.Form):
    support = forms.ChoiceField(label=gettext_lazy("Support"), choices=Support.choices)


class ScenarioForm(forms.Form):
    """The planner's inputs: the horizon of the projection and an optional manual scenario."""

    horizon = forms.IntegerField(
        label=gettext_lazy("Days ahead"),
        min_value=MIN_HORIZON,
        max_value=MAX_HORIZON,
        initial=14,
        required=False,
    )
    patients = forms.IntegerField(label=gettext_lazy("Cases under care at once"), min_value=0, required=False)
    severe = forms.IntegerField(label=gettext_lazy("Of them severe or critical"), min_value=0, required=False)
    share_asymptomatic = forms.FloatField(
        label=gettext_lazy("Asymptomatic (%)"), min_value=0, max_value=100, required=False
    )
    share_mild = forms.FloatField(label=gettext_lazy("Mild (%)"), min_value=0, max_value=100, required=False)
    share_moderate = forms.FloatField(
        label=gettext_lazy("Moderate (%)"), min_value=0, max_value=100, required=False
    )
    share_severe = forms.FloatField(
        label=gettext_lazy("Severe (%)"), min_value=0, max_value=100, required=False
    )
    share_critical = forms.FloatField(
        label=gettext_lazy("Critical (%)"), min_value=0, max_value=100, required=False
    )

    SHARE_FIELDS = tuple(f"share_{s}" for s in SEVERITIES)

    def clean(self):
        data = super().clean()
        given = [name for name in self.SHARE_FIELDS if data.get(name) is not None]
        if given and len(given) != len(self.SHARE_FIELDS):
            for name in self.SHARE_FIELDS:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give every share, or none to use the parameters'."))
        elif given:
            total = sum(data[name] for name in self.SHARE_FIELDS)
            if abs(total - 100) > 0.5:
                raise forms.ValidationError(
                    _("The shares add up to %(total)s %%, not 100 %%.")
                    % {"total": f"{total:.1f}".rstrip("0").rstrip(".")}
                )
        if data.get("patients") is None and (data.get("severe") is not None or given):
            self.add_error("patients", _("How many cases does the scenario have?"))
        if (
            data.get("patients") is not None
            and data.get("severe") is not None
            and data["severe"] > data["patients"]
        ):
            self.add_error("severe", _("More severe cases than cases in all."))
        return data

    @property
    def shares(self) -> dict[str, float] | None:
        data = self.cleaned_data
        if data.get("share_asymptomatic") is None:
            return None
        return {s: data[f"share_{s}"] / 100 for s in SEVERITIES}


class SettingsForm(forms.Form):
    occupancy_alert_percent = forms.IntegerField(
        label=gettext_lazy("Alert when a tier is fuller than (%)"), min_value=1, max_value=100
    )


class UploadForm(forms.Form):
    KINDS = [
        ("admissions", gettext_lazy("Admissions, transfers and discharges")),
        ("facilities", gettext_lazy("Facilities and capacity")),
    ]

    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=KINDS)
    organization = forms.ModelChoiceField(label=gettext_lazy("For"), queryset=None)
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=gettext_lazy("Check only, store nothing"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first()
