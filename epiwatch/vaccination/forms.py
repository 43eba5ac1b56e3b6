"""Forms: a dose on the person page, a deferral, a spreadsheet upload, the dashboard's filters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.vaccination.models import MAX_DOSE_NUMBER, DeferralReason, Product

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _day_field(label, required=True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=DATE_FORMATS, widget=DayInput(), **kwargs
    )


class OrganizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class DoseForm(forms.Form):
    product = forms.ModelChoiceField(Product.objects.all(), label=_("Vaccine"), empty_label=None)
    dose_number = forms.IntegerField(label=_("Dose number"), min_value=1, max_value=MAX_DOSE_NUMBER)
    given_on = _day_field(_("Date given"))
    organization = OrganizationChoice(
        queryset=None,
        label=_("Vaccination site"),
        empty_label=None,
        help_text=_("Recorded for this organization"),
    )
    lot = forms.CharField(label=_("Lot number"), max_length=40, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class DeferralForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeferralReason.choices)
    permanent = forms.BooleanField(
        label=_("Cannot be vaccinated (permanent contraindication)"),
        required=False,
        help_text=_("Otherwise the person is deferred: not yet vaccinated, until the date below"),
    )
    until = _day_field(_("Until"), required=False)
    recorded_on = _day_field(_("Recorded on"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    organization = OrganizationChoice(queryset=None, label=_("Recorded by"), empty_label=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["recorded_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        reason, permanent, until = data.get("reason"), data.get("permanent"), data.get("until")
        recorded_on = data.get("recorded_on")
        if permanent and reason != DeferralReason.CONTRAINDICATION:
            self.add_error(
                "permanent", _("Only a contraindication makes a person unable to be vaccinated for ever.")
            )
        if permanent and until:
            self.add_error("until", _("A permanent contraindication has no end date."))
        if not permanent and reason in (DeferralReason.ACUTE_ILLNESS, DeferralReason.PREGNANCY) and not until:
            self.add_error("until", _("Say until when (the day the person may be vaccinated again)."))
        if until and recorded_on and until < recorded_on:
            self.add_error("until", _("The end date is before the day the deferral was recorded."))
        if recorded_on and recorded_on > timezone.localdate():
            self.add_error("recorded_on", _("This day is in the future."))
        return data


class UploadForm(forms.Form):
    KINDS = (("doses", _("Vaccine doses")), ("coverage_counts", _("Coverage counts (aggregate)")))

    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    organization = OrganizationChoice(queryset=None, label=_("For organization"), empty_label=None)
    file = forms.FileField(label=_("CSV or Excel file"))
    dry_run = forms.BooleanField(label=_("Only check the file, store nothing"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class CoverageFilterForm(forms.Form):
    day = _day_field(_("Day"), required=False)
    days = forms.IntegerField(label=_("Days shown"), min_value=7, max_value=366, required=False)

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data.get("day")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("This day is in the future."))
        return day
