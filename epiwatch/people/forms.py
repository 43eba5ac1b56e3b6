"""Forms of the person registry: a person's identity (with national ID checks), a roster entry, the search box."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.access import scope_for
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import natid
from epiwatch.lib.text import normalize_phone
from epiwatch.people.models import Person, RosterEntry

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]


def residence_choices(user) -> models.QuerySet:
    """Communes and villages of the provinces the user's organizations sit in: people move and work across
    communes, so a commune station may register a resident of the next commune."""
    provinces = {
        (m.organization.area.dataset, m.organization.area.province_code) for m in scope_for(user).memberships
    }
    q = Q(pk__in=[])
    for dataset, code in provinces:
        q |= Q(dataset=dataset, path__startswith=code + "/")
    return Area.objects.filter(q, kind__in=[AreaKind.COMMUNE, AreaKind.VILLAGE]).order_by("path")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area: Area) -> str:
        return f"{area.name} ({area.code})"


class PersonForm(forms.ModelForm):
    """A person's identity. Validates the national ID (and that it agrees with the sex and birth year given)."""

    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    comorbidities = forms.CharField(
        label=_("Comorbidities"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. diabetes, hypertension"),
    )
    residence = AreaChoiceField(
        label=_("Residence (commune or village)"), queryset=Area.objects.none(), required=False
    )

    class Meta:
        model = Person
        fields = [
            "national_id",
            "full_name",
            "date_of_birth",
            "birth_year",
            "sex",
            "phone",
            "residence",
            "address",
            "comorbidities",
            "pregnant",
        ]
        labels = {
            "national_id": _("National ID (CCCD 12 digits or CMND 9 digits)"),
            "full_name": _("Full name"),
            "birth_year": _("Year of birth (when the date is unknown)"),
            "sex": _("Sex"),
            "phone": _("Phone"),
            "address": _("Address"),
            "pregnant": _("Pregnant"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = residence_choices(user)
        if self.instance.pk and not self.is_bound:
            self.initial["comorbidities"] = ", ".join(self.instance.comorbidities or [])

    def clean_comorbidities(self) -> list[str]:
        text = self.cleaned_data.get("comorbidities") or ""
        return [item for item in (" ".join(part.split()) for part in text.split(",")) if item]

    def clean_national_id(self) -> str | None:
        raw = self.cleaned_data.get("national_id")
        if not raw or not str(raw).strip():
            return None
        try:
            self.parsed_id = natid.parse(raw)
        except natid.NationalIdError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.parsed_id.number

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(gettext("Enter the person's full name."))
        return name

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise forms.ValidationError(
                gettext("The year of birth must be between 1900 and %(year)s.")
                % {"year": timezone.localdate().year}
            )
        return year

    def clean_date_of_birth(self) -> dt.date | None:
        day = self.cleaned_data.get("date_of_birth")
        if day and day > timezone.localdate():
            raise forms.ValidationError(gettext("The date of birth is in the future."))
        if day and day.year < 1900:
            raise forms.ValidationError(gettext("The date of birth is before 1900."))
        return day

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if not phone:
            raise forms.ValidationError(
                gettext("%(value)s is not a Vietnamese phone number (10-digit mobile or 11-digit landline).")
                % {"value": raw}
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        day, year = cleaned.get("date_of_birth"), cleaned.get("birth_year")
        if day and year and day.year != year:
            self.add_error("birth_year", gettext("The year of birth differs from the date of birth."))
        number = getattr(self, "parsed_id", None)
        if number is not None and cleaned.get("national_id") and number.kind == "cccd":
            sex = cleaned.get("sex")
            if sex in ("M", "F") and number.sex != sex:
                self.add_error(
                    "sex",
                    (
                        gettext("The national ID %(id)s belongs to a man.")
                        if number.sex == "M"
                        else gettext("The national ID %(id)s belongs to a woman.")
                    )
                    % {"id": number.number},
                )
            born = day.year if day else year
            if born and number.birth_year() != born:
                self.add_error(
                    "date_of_birth" if day else "birth_year",
                    gettext("The national ID %(id)s gives a year of birth of %(year)s.")
                    % {"id": number.number, "year": number.birth_year()},
                )
        return cleaned

    def matching_fields(self) -> dict:
        """The fields matching.match() reads."""
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in (
                "national_id",
                "full_name",
                "date_of_birth",
                "birth_year",
                "sex",
                "phone",
                "residence",
                "address",
            )
        }


class RosterEntryForm(PersonForm):
    """Adding a person to a roster: who (matched against the registry) and their place in the organization."""

    role = forms.ChoiceField(
        label=_("Role"), choices=RosterEntry.Role.choices, initial=RosterEntry.Role.WORKER
    )
    group = forms.CharField(label=_("Class, team or workshop"), max_length=60, required=False)
    shift = forms.CharField(label=_("Shift"), max_length=30, required=False)
    employee_code = forms.CharField(label=_("Employee or student code"), max_length=40, required=False)

    ENTRY_FIELDS = ("role", "group", "shift", "employee_code")

    def entry_values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.ENTRY_FIELDS}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("National ID, phone or name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": _("e.g. 095090001234, 0912345678, nguyễn văn đức")}
        ),
    )
