"""Forms of the accounts pages: onboarding, members, audit search."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.contrib.auth.models import User
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.models import AuditAction, Organization, OrgKind, Role
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib.text import normalize_name, normalize_phone

# Which kind of area each kind of organization sits in on the onboarding page (others: a district or a commune).
AREA_KIND_OF_ORG = {
    OrgKind.COMMUNE_STATION: {AreaKind.COMMUNE},
    OrgKind.DISTRICT_CENTRE: {AreaKind.DISTRICT},
}
ONBOARDING_KINDS = [
    OrgKind.COMMUNE_STATION,
    OrgKind.SCHOOL,
    OrgKind.ENTERPRISE,
    OrgKind.PUBLIC_UNIT,
    OrgKind.DISTRICT_CENTRE,
    OrgKind.HOSPITAL,
    OrgKind.LAB,
    OrgKind.QUARANTINE_FACILITY,
]


def area_label(area: Area) -> str:
    """What the searchable area box shows and accepts back: 'code · name'."""
    return f"{area.code} · {area.name}"


class AreaField(forms.CharField):
    """A district or commune typed or picked (HTML datalist) by code or name, among `areas` (a queryset)."""

    def __init__(self, *args, areas=None, **kwargs):
        self.areas = areas if areas is not None else Area.objects.none()
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return None
        code = text.split("·", 1)[0].strip()
        found = list(self.areas.filter(code=code)[:2])
        if not found:
            # a name typed in full, with or without accents
            wanted = normalize_name(text.split("·", 1)[-1])
            found = [
                a for a in self.areas.only("code", "name", "kind", "path") if normalize_name(a.name) == wanted
            ][:2]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise forms.ValidationError(
                gettext("Several areas are called %(name)s: pick one from the list (it adds the code).")
                % {"name": text}
            )
        raise forms.ValidationError(
            gettext("%(text)s is not a district or commune of your province: pick one from the list.")
            % {"text": text}
        )


class OrganizationForm(forms.ModelForm):
    area = AreaField(label=_("Area"), help_text=_("Type a code or a name, then pick from the list."))

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "area"]
        labels = {"code": _("Code"), "name": _("Name"), "kind": _("Kind")}

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].areas = areas if areas is not None else Area.objects.none()
        self.fields["kind"].choices = [(k.value, k.label) for k in ONBOARDING_KINDS]
        self.fields["code"].widget.attrs.update({"autofocus": True, "placeholder": "bl-thpt-chuyen"})

    def clean_code(self):
        code = self.cleaned_data["code"].strip().lower()
        if Organization.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError(gettext("The code %(code)s is already used.") % {"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        kind, area = cleaned.get("kind"), cleaned.get("area")
        wanted = AREA_KIND_OF_ORG.get(kind)
        if area is not None and wanted and area.kind not in wanted:
            kinds = ", ".join(str(AreaKind(k).label) for k in sorted(wanted))
            self.add_error(
                "area",
                gettext("A %(org_kind)s sits in a %(area_kind)s; %(area)s is not one.")
                % {"org_kind": OrgKind(kind).label, "area_kind": kinds, "area": area.name},
            )
        return cleaned


class NewUserForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Letters, digits and . @ + - _ only, no spaces.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False, widget=forms.EmailInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.ADMIN)
    hand_over_password = forms.BooleanField(
        label=_("Give me an initial password to hand over (instead of a set-password link)"), required=False
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(
                gettext("The username %(username)s is taken.") % {"username": username}
            )
        return username

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if not phone:
            raise forms.ValidationError(
                gettext("%(phone)s is not a Vietnamese phone number (10 digits, e.g. 0912345678).")
                % {"phone": raw}
            )
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email:
            validate_email(email)
        return email

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("email") and not self.has_error("phone"):
            if not self.has_error("email"):
                self.add_error("phone", gettext("Give a phone number or an email address to reach the user."))
        return cleaned

    def user_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.fields}


class AddMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.DATA_ENTRY)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise forms.ValidationError(
                gettext("There is no user %(username)s: create them below instead.") % {"username": username}
            )
        return user


class ChangeRoleForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices)


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    organization = forms.CharField(label=_("Organization code"), required=False, max_length=40)
    model = forms.ChoiceField(label=_("Record type"), required=False)
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("any"))] + list(AuditAction.choices)
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, models=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("any"))] + [(m, m) for m in models]

    def clean_object_id(self):
        raw = self.cleaned_data["object_id"].strip()
        if not raw:
            return ""
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise forms.ValidationError(
                gettext("%(value)s is not a record id (a UUID such as 3f2b…-…).") % {"value": raw}
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return cleaned

    def filter(self, events):
        """The events matching the filled-in fields (the form must be valid)."""
        data = self.cleaned_data
        if data.get("username"):
            events = events.filter(username__iexact=data["username"].strip())
        if data.get("organization"):
            events = events.filter(organization__code__iexact=data["organization"].strip())
        if data.get("model"):
            events = events.filter(model=data["model"])
        if data.get("object_id"):
            events = events.filter(object_id=data["object_id"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        # whole local days, as aware datetimes: the index on `at` serves the range
        if data.get("date_from"):
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
        return events


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
