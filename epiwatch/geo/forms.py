from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.geo.models import VILLAGE_CODE_RE, Area, Population, VillageKind


class VillageCreateForm(forms.Form):
    """A new village under a commune: `save()` goes through `Area.add_village`, which owns the rules."""

    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("With its unit word, e.g. Khóm 3, Ấp Giồng Giữa")
    )
    village_kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *VillageKind.choices], required=False
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        required=False,
        help_text=_("Local code, e.g. 01; left empty, the next free number is used"),
    )

    def __init__(self, *args, commune: Area, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune = commune

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if code and not VILLAGE_CODE_RE.match(code):
            raise ValidationError(_("A village code may only contain letters, digits and dashes (e.g. 01)."))
        if (
            code
            and Area.objects.filter(
                dataset=self.commune.dataset, code=self.commune.village_code(code)
            ).exists()
        ):
            raise ValidationError(
                _("The code %(code)s is already used."), params={"code": self.commune.village_code(code)}
            )
        return code

    def save(self) -> Area | None:
        """The new village, or None with the reason added to the form's errors."""
        try:
            return self.commune.add_village(
                name=self.cleaned_data["name"],
                code=self.cleaned_data["code"],
                village_kind=self.cleaned_data["village_kind"],
            )
        except ValidationError as exc:  # e.g. another admin took the code a moment ago
            self.add_error(None, exc)
            return None


class VillageEditForm(forms.ModelForm):
    """Rename a village, change its kind, retire it (it stays on record for the people who lived there)."""

    retired = forms.BooleanField(
        label=_("Retired"),
        required=False,
        help_text=_(
            "A retired village is kept for the people recorded there but no longer offered for new ones"
        ),
    )

    class Meta:
        model = Area
        fields = ["name", "village_kind"]
        labels = {"name": _("Name"), "village_kind": _("Kind")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retired"].initial = self.instance.is_retired()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("A village needs a name."))
        return name

    def save(self, commit: bool = True) -> Area:
        village = super().save(commit=False)
        if self.cleaned_data["retired"] and not village.is_retired():
            village.valid_to = timezone.localdate()
        elif not self.cleaned_data["retired"]:
            village.valid_to = None
        if commit:
            village.save(update_fields=["name", "village_kind", "valid_to"])
        return village


class PopulationForm(forms.ModelForm):
    """The population of an area for one year; the model checks that the four bands add up to the total."""

    class Meta:
        model = Population
        fields = ["year", "total", *Population.BANDS, "source"]
        labels = {
            "year": _("Year"),
            "total": _("Total"),
            "age_0_4": _("Aged 0–4"),
            "age_5_17": _("Aged 5–17"),
            "age_18_64": _("Aged 18–64"),
            "age_65_plus": _("Aged 65 and over"),
            "source": _("Source"),
        }
        help_texts = {"source": _("e.g. Statistics office, 2021 estimate")}

    def clean_year(self):
        year = self.cleaned_data["year"]
        last = timezone.localdate().year + 1
        if not Population.FIRST_YEAR <= year <= last:
            raise ValidationError(
                _("The year must be between %(first)s and %(last)s."),
                params={"first": Population.FIRST_YEAR, "last": last},
            )
        return year
