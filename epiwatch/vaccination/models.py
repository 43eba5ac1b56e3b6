"""Vaccine products and their schedules (data), doses, deferrals, aggregate coverage counts, coverage targets, and
each vaccinated person's derived status (what coverage is counted from)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.lib.tabular import header_key
from epiwatch.people.models import Person

MAX_DOSE_NUMBER = 9

# words around a product's name in registers ("Vắc xin AstraZeneca (Covishield)", "COVID-19 Vaccine Moderna")
_NOISE = re.compile(r"\(.*?\)|\bv[aă]c ?xin\b|\bvaccine\b|\bcovid ?-? ?19\b", re.IGNORECASE)


class ProductQuerySet(models.QuerySet):
    def lookup(self) -> ProductLookup:
        """Every product, findable by its name as people write it (one query)."""
        return ProductLookup(list(self.order_by("code")))


class Product(models.Model):
    """A vaccine and its schedule, as loaded from `data/products.json` (`epiwatch load_products`).

    `unconfirmed` names the fields whose value is the commonly cited one, not checked against the source: pages
    label them.
    """

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    manufacturer = models.CharField(max_length=200, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    primary_doses = models.PositiveSmallIntegerField(help_text=_("Doses of a full primary series"))
    min_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Shortest interval between primary doses")
    )
    recommended_interval_min = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_interval_max = models.PositiveSmallIntegerField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True, help_text=_("Approved for use in the country"))
    booster_min_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Shortest interval from the primary series; empty: not a booster")
    )
    unconfirmed = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(primary_doses__gte=1, primary_doses__lte=5), name="product_primary_doses_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        return self.name.split(" (")[0]

    @property
    def is_booster(self) -> bool:
        return self.booster_min_interval_days is not None

    def is_unconfirmed(self, field: str) -> bool:
        return field in (self.unconfirmed or [])

    def keys(self) -> set[str]:
        return {header_key(t) for t in (self.code, self.name, self.short_name, *(self.aliases or []))} - {""}


class ProductLookup:
    """Product names as people write them -> Product: 'AZ', 'Astra Zeneca', 'Vero Cell', 'Phai-zơ',
    'Vắc xin Pfizer (Comirnaty)'. Accents, case, spaces and punctuation do not matter."""

    def __init__(self, products: list[Product]):
        self.products = products
        self.by_key: dict[str, Product] = {}
        for product in products:
            for key in product.keys():
                self.by_key.setdefault(key, product)

    def find(self, text: str) -> Product | None:
        key = header_key(text)
        if not key:
            return None
        if key in self.by_key:
            return self.by_key[key]
        key = header_key(_NOISE.sub(" ", text or ""))
        if key in self.by_key:
            return self.by_key[key]
        # a longer spelling that contains exactly one product's name ("astrazenecacovishield")
        hits = {p.pk: p for k, p in self.by_key.items() if len(k) >= 4 and k in key}
        return next(iter(hits.values())) if len(hits) == 1 else None

    def names(self) -> str:
        return ", ".join(p.short_name for p in self.products)


class Indicator(models.TextChoices):
    ADULTS_1DOSE = "adults_1dose", _("Adults (18+) with at least one dose")
    ADULTS_FULL = "adults_full", _("Adults (18+) fully vaccinated")
    ELDERLY_FULL = "elderly_full", _("People aged 65+ fully vaccinated")
    TEENS_1DOSE = "teens_1dose", _("Children aged 12-17 with at least one dose")
    CHILDREN_1DOSE = "children_1dose", _("Children aged 5-11 with at least one dose")


class CoverageTarget(models.Model):
    """ "90 % of adults with one dose by 10/11/2021": for an area and what lies below it (no area: everywhere)."""

    dataset = models.CharField(max_length=16, default="vn-2021")
    area_code = models.CharField(max_length=32, blank=True, help_text=_("Empty: every area"))
    indicator = models.CharField(max_length=20, choices=Indicator.choices)
    target_pct = models.DecimalField(max_digits=5, decimal_places=2)
    due = models.DateField()
    source = models.CharField(max_length=300, blank=True)
    unconfirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["due", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "area_code", "indicator", "due"], name="coverage_target_unique"
            ),
            models.CheckConstraint(condition=Q(indicator__in=Indicator.values), name="coverage_target_valid"),
            models.CheckConstraint(
                condition=Q(target_pct__gt=0, target_pct__lte=100), name="coverage_target_pct_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.target_pct} % by {self.due:%d/%m/%Y}"


class DoseQuerySet(models.QuerySet):
    def of(self, person: Person) -> DoseQuerySet:
        return self.filter(person=person).order_by("given_on", "dose_number")

    def in_area(self, area: Area) -> DoseQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))

    def flagged(self) -> DoseQuerySet:
        return self.filter(needs_review=True)

    def modified_after(self, when) -> DoseQuerySet:
        return self.filter(modified_at__gt=when)


class Dose(AuditedModel):
    """One dose given to one person. A dose that breaks the schedule (too early, a missing earlier dose) is kept
    and flagged for review (`needs_review`, `review_flags`, read as `review_note`): the flags are recomputed from the person's whole
    history whenever their doses change (`epiwatch.vaccination.status.refresh`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="doses")
    dose_number = models.PositiveSmallIntegerField(_("dose number"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="doses", verbose_name=_("vaccine")
    )
    given_on = models.DateField(_("date given"))
    site = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vaccination site"),
    )
    lot = models.CharField(_("lot number"), max_length=40, blank=True)
    submitter = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="submitted_doses")
    external_id = models.CharField(max_length=64, blank=True)
    # residence of the person when the dose was recorded (and its province, for a national deployment's shards)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    needs_review = models.BooleanField(default=False)
    # [{"code": "interval", "days": 14, "product": "Pfizer-BioNTech", "min": 21}]: see schedule.FLAG_TEXTS
    review_flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = DoseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "external_id"],
                condition=~Q(external_id=""),
                name="dose_external_id_unique_per_submitter",
            ),
            # "dose 2" twice for one person is a mistake somewhere: the second is refused
            models.UniqueConstraint(fields=["person", "dose_number"], name="dose_number_unique_per_person"),
            models.CheckConstraint(
                condition=Q(dose_number__gte=1, dose_number__lte=MAX_DOSE_NUMBER), name="dose_number_range"
            ),
        ]
        indexes = [
            # doses by province and day (stats, the demo's and the benchmark's baseline GROUP BY)
            models.Index(fields=["province_code", "given_on"], name="dose_province_day_idx"),
            # what an organization recorded, by day (its access rule and its lists)
            models.Index(fields=["submitter", "given_on"], name="dose_submitter_day_idx"),
            # incremental sync
            models.Index(fields=["modified_at", "id"], name="dose_modified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product.short_name} #{self.dose_number} {self.given_on:%d/%m/%Y}"

    @property
    def review_note(self) -> str:
        """What is wrong with the dose, in the reader's language ('' when nothing)."""
        from epiwatch.vaccination.schedule import describe

        return describe(self.review_flags or [])


class DeferralReason(models.TextChoices):
    CONTRAINDICATION = "contraindication", _("Contraindication")
    ACUTE_ILLNESS = "acute_illness", _("Acute illness")
    PREGNANCY = "pregnancy", _("Pregnancy (under the rules of the time)")
    REFUSED = "refused", _("Refused")
    AWAY = "away", _("Away")


# reasons that make a person one who cannot be vaccinated (now, or ever); the others leave them "not yet"
MEDICAL_REASONS = frozenset(
    {DeferralReason.CONTRAINDICATION, DeferralReason.ACUTE_ILLNESS, DeferralReason.PREGNANCY}
)


class DeferralQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> DeferralQuerySet:
        """Deferrals in force on `day`: recorded by then, and permanent or not yet over."""
        return self.filter(Q(permanent=True) | Q(until=None) | Q(until__gte=day), recorded_on__lte=day)


class Deferral(AuditedModel):
    """Why a person is not vaccinated: "cannot be vaccinated" (a permanent contraindication) or "not yet" (until
    a date, or open-ended for a refusal)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="deferrals")
    reason = models.CharField(_("reason"), max_length=20, choices=DeferralReason.choices)
    permanent = models.BooleanField(_("cannot be vaccinated"), default=False)
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = DeferralQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=DeferralReason.values), name="deferral_reason_valid"
            ),
            # only a contraindication is for ever, and what is for ever has no end date
            models.CheckConstraint(
                condition=Q(permanent=False) | Q(reason=DeferralReason.CONTRAINDICATION, until=None),
                name="deferral_permanent_contraindication",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.recorded_on:%d/%m/%Y}"

    @property
    def cannot(self) -> bool:
        """A medical reason: the person cannot be vaccinated (for now, or ever)."""
        return self.reason in MEDICAL_REASONS

    def is_active(self, day: dt.date) -> bool:
        return self.recorded_on <= day and (self.permanent or self.until is None or self.until >= day)


class AgeBand(models.TextChoices):
    """Disjoint bands coverage is counted in; "adults" are the last two."""

    CHILDREN = "5_11", _("5-11")
    TEENS = "12_17", _("12-17")
    ADULTS_18_64 = "18_64", _("18-64")
    ELDERLY = "65_plus", _("65+")


class DoseLevel(models.TextChoices):
    ONE_DOSE = "1dose", _("At least one dose")
    FULL = "full", _("Fully vaccinated")
    BOOSTER = "booster", _("Booster")


class CoverageCountQuerySet(models.QuerySet):
    def in_area(self, area: Area) -> CoverageCountQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class CoverageCount(AuditedModel):
    """An aggregate count where a commune has no individual records: people of an age band at a dose level, in
    the area, as of a day (cumulative). Shown as "aggregate" wherever it is used."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("as of"))
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    level = models.CharField(_("dose level"), max_length=8, choices=DoseLevel.choices)
    count = models.PositiveIntegerField(_("people"))
    submitter = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = CoverageCountQuerySet.as_manager()

    class Meta:
        ordering = ["area", "on", "age_band", "level"]
        constraints = [
            models.UniqueConstraint(fields=["area", "on", "age_band", "level"], name="coverage_count_unique"),
            models.CheckConstraint(
                condition=Q(age_band__in=AgeBand.values), name="coverage_count_band_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=DoseLevel.values), name="coverage_count_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.on:%d/%m/%Y} {self.age_band} {self.level}: {self.count}"


class VaccinationStatus(models.Model):
    """A vaccinated person's milestones, derived from their doses by `status.refresh()` (never typed in): the
    table coverage is counted from, one row per person with at least one dose.

    `area` and `born_on` are copied from the person when the doses change, so that coverage for every area is
    one grouped scan of this table, without a join (`born_on` is 1 January of the birth year when only the year is
    known, as `Person.age_on` counts).
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    born_on = models.DateField(null=True, blank=True)
    doses = models.PositiveSmallIntegerField(default=0)
    first_on = models.DateField()
    full_on = models.DateField(null=True, blank=True)
    booster_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # coverage: every area of a province in one grouped scan of this index alone (it holds every column
            # the query reads: on SQLite a third faster than visiting the rows)
            models.Index(
                fields=["province_code", "area", "born_on", "first_on", "full_on", "booster_on"],
                name="vaccination_status_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"status of person {self.person_id}"
