"""Forms of the tracing pages. Validation that needs the database or the rules lives in the domain modules; these
check the shape of what was typed and translate it to the domain's arguments."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people.models import Sex
from epiwatch.tracing.models import ClusterKind, ContactStatus, Place, Setting, Symptom
from epiwatch.tracing.models.followup import BREATHING_MAX, BREATHING_MIN, SPO2_MAX, SPO2_MIN


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_future(day: dt.date | None, label) -> dt.date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(_("%(label)s cannot be in the future.") % {"label": label})
    return day


class FacilityField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Organization.objects.filter(kind=OrgKind.QUARANTINE_FACILITY, is_active=True).order_by(
                "name"
            ),
            required=False,
            label=_("Quarantine facility"),
            **kwargs,
        )


class QuarantineChoiceMixin(forms.Form):
    """Where the new F1s go: the rule in force decides the length and the places allowed."""

    place = forms.ChoiceField(
        label=_("Quarantine"),
        choices=[
            ("", _("As the rule allows (home when allowed)")),
            (Place.HOME, Place.HOME.label),
            (Place.CENTRALIZED, Place.CENTRALIZED.label),
        ],
        required=False,
    )
    facility = FacilityField()
    quarantine_start = forms.DateField(
        label=_("Quarantine starts"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the last contact date"),
    )

    def clean(self):
        data = super().clean()
        if data.get("place") == Place.CENTRALIZED and not data.get("facility"):
            self.add_error("facility", _("Choose the facility of a centralized quarantine."))
        return data


class HouseholdForm(QuarantineChoiceMixin):
    last_contact_date = forms.DateField(label=_("Last contact"), widget=DateInput())

    def clean_last_contact_date(self):
        return _not_future(self.cleaned_data["last_contact_date"], _("The last contact"))


class RosterForm(QuarantineChoiceMixin):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Enterprise or school")
    )
    on_date = forms.DateField(
        label=_("Date"), widget=DateInput(), help_text=_("Who was on the roster that day")
    )
    shift = forms.CharField(label=_("Shift"), max_length=30, required=False)
    group = forms.CharField(label=_("Class or team"), max_length=60, required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            organizations if organizations is not None else Organization.objects.none()
        )

    def clean_on_date(self):
        return _not_future(self.cleaned_data["on_date"], _("The date"))


class PersonContactForm(QuarantineChoiceMixin):
    """One contact: a person already registered (by public id, from the search) or a new one."""

    person = forms.UUIDField(required=False, widget=forms.HiddenInput())
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    national_id = forms.CharField(label=_("National ID"), max_length=20, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    birth_year = forms.IntegerField(
        label=_("or year of birth"), required=False, min_value=1900, max_value=2100
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    residence = forms.ModelChoiceField(
        queryset=Area.objects.none(), label=_("Commune of residence"), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    last_contact_date = forms.DateField(label=_("Last contact"), widget=DateInput())
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices, initial=Setting.COMMUNITY)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["residence"].queryset = areas

    def clean_last_contact_date(self):
        return _not_future(self.cleaned_data["last_contact_date"], _("The last contact"))

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("full_name") or "").strip():
            self.add_error("full_name", _("Pick a registered person or give the new contact's name."))
        if not data.get("person") and not (
            data.get("date_of_birth") or data.get("birth_year") or data.get("national_id")
        ):
            self.add_error("birth_year", _("A new person needs a date or year of birth (or a national ID)."))
        return data

    def matching_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "national_id": data.get("national_id") or None,
            "full_name": data.get("full_name"),
            "date_of_birth": data.get("date_of_birth"),
            "birth_year": data.get("birth_year"),
            "sex": data.get("sex"),
            "phone": data.get("phone"),
            "residence": data.get("residence"),
            "address": data.get("address") or "",
        }


class ContactStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label) for s in (ContactStatus.FOLLOW_UP, ContactStatus.COMPLETED, ContactStatus.LOST)
        ]
    )


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Setting"), choices=ClusterKind.choices)
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Area"))
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Enterprise, school or market"), required=False
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    quiet_days = forms.IntegerField(
        label=_("Close after this many days without a new case"), required=False, min_value=1, max_value=90
    )

    def __init__(self, *args, areas=None, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()
        self.fields["organization"].queryset = (
            organizations if organizations is not None else Organization.objects.none()
        )

    def clean_opened_on(self):
        return _not_future(self.cleaned_data["opened_on"], _("The opening date"))


class ClusterMemberForm(forms.Form):
    case = forms.UUIDField(label=_("Case id"))


class QuarantineChangeForm(forms.Form):
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    quarantine_until = forms.DateField(label=_("Last day of quarantine"), widget=DateInput(), required=False)
    place = forms.ChoiceField(label=_("Place"), choices=Place.choices)
    facility = FacilityField()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("quarantine_until")
        if start and end and end < start:
            self.add_error(
                "quarantine_until",
                _("The end (%(end)s) is before the start (%(start)s).")
                % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
            )
        return data


class CapacityForm(forms.Form):
    places = forms.IntegerField(label=_("Places"), min_value=0, max_value=100000)


class CheckInForm(forms.Form):
    """The check-in: the same form for staff and for the person's own link."""

    spo2 = forms.IntegerField(label=_("SpO₂ (%)"), required=False, help_text=_("On room air, at rest"))
    breathing_rate = forms.IntegerField(label=_("Breaths per minute"), required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), required=False, max_digits=3, decimal_places=1
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms today"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Anything else"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_spo2(self):
        value = self.cleaned_data["spo2"]
        if value is not None and not SPO2_MIN <= value <= SPO2_MAX:
            raise forms.ValidationError(
                _("SpO₂ must be between %(min)s and %(max)s %%; %(value)s was entered.")
                % {"min": SPO2_MIN, "max": SPO2_MAX, "value": value}
            )
        return value

    def clean_breathing_rate(self):
        value = self.cleaned_data["breathing_rate"]
        if value is not None and not BREATHING_MIN <= value <= BREATHING_MAX:
            raise forms.ValidationError(
                _("The breathing rate must be between %(min)s and %(max)s per minute; %(value)s was entered.")
                % {"min": BREATHING_MIN, "max": BREATHING_MAX, "value": value}
            )
        return value

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "spo2": data.get("spo2"),
            "breathing_rate": data.get("breathing_rate"),
            "temperature": data.get("temperature"),
            "symptoms": data.get("symptoms") or [],
            "note": data.get("note") or "",
        }


class StaffCheckInForm(CheckInForm):
    day = forms.DateField(label=_("Day"), widget=DateInput())

    def clean_day(self):
        return _not_future(self.cleaned_data["day"], _("The day"))


class ArrivalForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    national_id = forms.CharField(label=_("National ID"), max_length=20, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    birth_year = forms.IntegerField(
        label=_("or year of birth"), required=False, min_value=1900, max_value=2100
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    residence = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Commune where they stay"))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    origin_province = forms.ChoiceField(label=_("Coming from (province)"))
    origin_level = forms.TypedChoiceField(
        label=_("Epidemic level there"),
        choices=[("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DateInput())
    doses = forms.IntegerField(label=_("Doses received"), min_value=0, max_value=9, initial=0)
    fully_vaccinated_on = forms.DateField(label=_("Fully vaccinated on"), required=False, widget=DateInput())
    recovered_on = forms.DateField(label=_("Recovered from COVID-19 on"), required=False, widget=DateInput())
    place = forms.ChoiceField(
        label=_("Quarantine"),
        choices=[
            ("", _("As the rule allows (home when allowed)")),
            (Place.HOME, Place.HOME.label),
            (Place.CENTRALIZED, Place.CENTRALIZED.label),
        ],
        required=False,
    )
    facility = FacilityField()

    def __init__(self, *args, areas=None, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["residence"].queryset = areas.filter(kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE))
        self.fields["origin_province"].choices = [("", "—"), *provinces]

    def clean_arrival_date(self):
        return _not_future(self.cleaned_data["arrival_date"], _("The arrival date"))

    def clean(self):
        data = super().clean()
        if not (data.get("date_of_birth") or data.get("birth_year") or data.get("national_id")):
            self.add_error("birth_year", _("A date or year of birth (or a national ID) is needed."))
        if data.get("place") == Place.CENTRALIZED and not data.get("facility"):
            self.add_error("facility", _("Choose the facility of a centralized quarantine."))
        return data
