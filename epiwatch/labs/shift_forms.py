"""Forms of the shift-screening pages: a shift definition, a tick, a day, and the three uploads (roster, shifts,
results). The checks that matter (overlapping shifts, the screening window, the pipeline's) are the domain's,
in `labs.shifts`; their messages come back onto the fields."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from epiwatch.labs.shift_importers import parse_time
from epiwatch.labs.shifts import TICK_OUTCOMES
from epiwatch.lib import dates

TIME_ATTRS = {"placeholder": "06:00", "size": 6, "autocomplete": "off", "inputmode": "numeric"}


class TimeOfDayField(forms.CharField):
    """A time of day as people type it: 06:00, 6h30, 22:00."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("widget", forms.TextInput(attrs=TIME_ATTRS))
        super().__init__(**kwargs)

    def clean(self, value) -> dt.time | None:
        text = super().clean(value)
        try:
            return parse_time(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class DayField(forms.CharField):
    """A day as dd/mm/yyyy or ISO."""

    def clean(self, value) -> dt.date | None:
        text = super().clean(value)
        try:
            return dates.parse_date(text)
        except dates.DateError as exc:
            raise forms.ValidationError(str(exc)) from None


class ShiftForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("As on the roster, e.g. A, B, C"))
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    starts_at = TimeOfDayField(label=_("Starts at"))
    ends_at = TimeOfDayField(
        label=_("Ends at"),
        help_text=_("Earlier than the start: the next morning"),
        widget=forms.TextInput(attrs={**TIME_ATTRS, "placeholder": "14:00"}),
    )

    def add_problems(self, problems) -> None:
        for name, message in problems:
            self.add_error(name if name in self.fields else None, message)


class DayForm(forms.Form):
    day = DayField(label=_("Day"), required=False, widget=forms.TextInput(attrs={"type": "date"}))


class TickForm(forms.Form):
    worker = forms.UUIDField(widget=forms.HiddenInput)
    result = forms.ChoiceField(choices=[(o, o) for o in TICK_OUTCOMES])
    at = TimeOfDayField(label=_("Sample time"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"))
    dry_run = forms.BooleanField(label=_("Only check the file, store nothing"), required=False)
