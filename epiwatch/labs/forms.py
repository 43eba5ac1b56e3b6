"""Forms of the results pages: quick entry, upload, list filters, amendment.

The quick-entry form gathers text only: every check of a result is the pipeline's (the same for a form, a file
and the API); the pipeline's errors come back onto the form's fields by column name (`add_pipeline_errors`).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area, AreaKind
from epiwatch.labs import words
from epiwatch.labs.importers import ResultImporter
from epiwatch.labs.models import Outcome, Reason, TestType
from epiwatch.lib import dates
from epiwatch.lib.tabular import TableError, open_table
from epiwatch.people.forms import residence_choices

SEX_CHOICES = [("", "—"), ("M", _("Male")), ("F", _("Female"))]


class OrganizationField(forms.ModelChoiceField):
    """An organization, by its code (integer ids never reach a page)."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, org: Organization) -> str:
        return org.name


class AreaField(forms.ModelChoiceField):
    """An area, by its code; `tree` indents each area under its parent (the lists' province > district > commune)."""

    def __init__(self, queryset, tree: bool = False, **kwargs):
        self.tree = tree
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, area: Area) -> str:
        indent = "· " * area.path.count("/") if self.tree else ""
        return f"{indent}{area.name} ({area.code})"


def writing_organizations(user):
    """The organizations the user enters data for (a writing membership)."""
    scope = access.scope_for(user)
    return Organization.objects.filter(pk__in=scope.write_org_ids, is_active=True).order_by("name")


def now_text() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


# --- quick entry -----------------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("National ID or phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 16}),
    )


class QuickEntryForm(forms.Form):
    """One result; the person is either picked (`person`) or typed in (the registration fields)."""

    organization = OrganizationField(Organization.objects.none(), label=_("Entering for"))
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # registration of a person the lookup did not find
    national_id = forms.CharField(label=_("National ID"), required=False, max_length=20)
    full_name = forms.CharField(label=_("Full name"), required=False, max_length=200)
    date_of_birth = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=20,
        help_text=_("dd/mm/yyyy, or the year"),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    commune_code = AreaField(Area.objects.none(), label=_("Commune"), required=False)
    # the result
    test_type = forms.ChoiceField(label=_("Test"), choices=TestType.choices)
    result = forms.CharField(
        label=_("Result"),
        max_length=30,
        help_text=_("+ positive, - negative; or the word"),
        widget=forms.TextInput(attrs={"list": "result-words", "autocomplete": "off", "size": 12}),
    )
    ct_value = forms.CharField(label=_("Ct value"), required=False, max_length=10)
    sampled_at = forms.CharField(label=_("Sample time"), max_length=30, help_text=_("dd/mm/yyyy hh:mm"))
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    external_id = forms.CharField(label=_("Sample code"), required=False, max_length=64)

    RESULT_COLUMNS = ("test_type", "result", "ct_value", "sampled_at", "reason", "external_id")
    PERSON_COLUMNS = ("national_id", "full_name", "date_of_birth", "sex", "phone", "commune_code")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = writing_organizations(user)
        self.fields["commune_code"].queryset = residence_choices(user)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("full_name") or "").strip():
            self.add_error(
                "full_name", gettext("Find the person above, or type their name to register them.")
            )
        return data

    def item(self) -> dict[str, str]:
        """The entry as the pipeline's columns (text)."""
        data = self.cleaned_data
        item = {name: str(data.get(name) or "") for name in self.RESULT_COLUMNS}
        if not data.get("person"):
            for name in self.PERSON_COLUMNS:
                item[name] = str(data.get(name) or "")
            commune = data.get("commune_code")
            item["commune_code"] = commune.code if commune is not None else ""
        return item

    def add_pipeline_errors(self, errors) -> None:
        """The pipeline's RowErrors on the fields they name (the form as a whole when there is none)."""
        for error in errors:
            name = error.column if error.column in self.fields else None
            self.add_error(name, error.message)


# --- upload ----------------------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    organization = OrganizationField(Organization.objects.none(), label=_("Results of"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, UTF-16 or Windows-1258) or Excel .xlsx, with the template's columns"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = writing_organizations(user)

    def clean_file(self):
        """Refuse at once what the worker would refuse at its first step: too large, empty, no data rows, not a
        spreadsheet, a header without the required columns. The rows are checked in the background."""
        uploaded = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_MB
        if uploaded.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                gettext(
                    "The file is %(size)s MB; the largest accepted is %(limit)s MB. Split it into smaller files."
                )
                % {"size": f"{uploaded.size / 1024 / 1024:.0f}", "limit": limit}
            )
        try:
            table = open_table(uploaded, ResultImporter.columns, max_mb=limit)
        except TableError as exc:
            raise forms.ValidationError(str(exc)) from None
        else:
            table.close()
            # the table's row reader holds the upload's file: end it while the file is open (Table.close()
            # leaves it to the garbage collector, which may come after Django closed the upload)
            records = getattr(table, "_records", None)
            if records is not None:
                records.source.close()
        finally:
            uploaded.seek(0)
        return uploaded


# --- lists -----------------------------------------------------------------------------------------------------


class DayField(forms.CharField):
    """A day as people type it (dd/mm/yyyy or ISO)."""

    def to_python(self, value) -> dt.date | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return dates.parse_date(text)
        except dates.DateError as exc:
            raise forms.ValidationError(str(exc)) from None


class ResultFilterForm(forms.Form):
    area = AreaField(Area.objects.none(), tree=True, label=_("Area"), required=False)
    submitter = OrganizationField(Organization.objects.none(), label=_("Submitted by"), required=False)
    date_from = DayField(label=_("Sampled from"), required=False, widget=forms.TextInput(attrs={"size": 10}))
    date_to = DayField(label=_("to"), required=False, widget=forms.TextInput(attrs={"size": 10}))
    test_type = forms.ChoiceField(label=_("Test"), choices=[("", "—"), *TestType.choices], required=False)
    result = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *Outcome.choices], required=False)
    needs_review = forms.BooleanField(label=_("To review only"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = (AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)
        self.fields["area"].queryset = access.visible(Area, scope).filter(kind__in=kinds).order_by("path")
        self.fields["submitter"].queryset = access.visible(Organization, scope).order_by("name")

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", gettext("The last day is before the first."))
        return data


class PositivityForm(forms.Form):
    area = AreaField(Area.objects.none(), tree=True, label=_("Area"), required=False)
    date_from = DayField(label=_("Sampled from"), required=False, widget=forms.TextInput(attrs={"size": 10}))
    date_to = DayField(label=_("to"), required=False, widget=forms.TextInput(attrs={"size": 10}))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = (AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)
        self.fields["area"].queryset = access.visible(Area, scope).filter(kind__in=kinds).order_by("path")


class DayForm(forms.Form):
    day = DayField(label=_("Day"), required=False, widget=forms.TextInput(attrs={"size": 10}))


# --- amendment -------------------------------------------------------------------------------------------------


class AmendForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", _("unchanged")), *Outcome.choices], required=False
    )
    ct_value = forms.CharField(label=_("Ct value"), required=False, max_length=10)
    clear_ct = forms.BooleanField(label=_("Remove the Ct value"), required=False)
    resulted_at = forms.CharField(label=_("Result time"), required=False, max_length=30)
    reason_text = forms.CharField(label=_("Why"), max_length=300, widget=forms.TextInput(attrs={"size": 50}))

    def clean_resulted_at(self):
        raw = self.cleaned_data.get("resulted_at") or ""
        try:
            return dates.parse_datetime(raw)
        except dates.DateError as exc:
            raise forms.ValidationError(str(exc)) from None

    def changes(self) -> dict:
        """The keyword arguments of `amendments.amend` this form asks for."""
        data = self.cleaned_data
        changes: dict = {"reason_text": data["reason_text"]}
        if data.get("result"):
            changes["result"] = data["result"]
        if data.get("clear_ct"):
            changes["ct_value"] = None
        elif data.get("ct_value"):
            changes["ct_value"] = data["ct_value"]
        if data.get("resulted_at"):
            changes["resulted_at"] = data["resulted_at"]
        return changes


RESULT_WORDS = [w for code in Outcome.values for w in words.RESULT_WORDS.get(code, ())[:4]]
