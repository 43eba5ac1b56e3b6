"""The Area tree (province > district > commune > village), population per area and year, and the mapping
from the 2021 units to the 2025 ones."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")


class VillageKind(models.TextChoices):
    """What a village-level unit is called locally: the word depends on the region and on the commune's kind."""

    THON = "thon", _("Hamlet (thôn)")
    AP = "ap", _("Hamlet (ấp)")
    KHOM = "khom", _("Quarter (khóm)")
    KHU = "khu", _("Quarter (khu)")


def group_digits(number: int) -> str:
    """900000 -> '900.000' in Vietnamese, '900,000' in English: whole numbers of people, grouped by thousands
    with the active language's separator (Django's Vietnamese format does not group at all)."""
    return f"{number:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


# a village code as typed by a user: letters, digits and dashes ("01", "A3", "31813-01")
VILLAGE_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,19}$")


class AreaQuerySet(models.QuerySet):
    def in_dataset(self, dataset: str) -> AreaQuerySet:
        return self.filter(dataset=dataset)

    def subtree(self, area: Area) -> AreaQuerySet:
        """The area and everything below it: one indexed prefix query on `path`."""
        return self.filter(Q(path=area.path) | Q(path__startswith=area.path + "/"), dataset=area.dataset)

    def of_kind(self, kind: str) -> AreaQuerySet:
        return self.filter(kind=kind)

    def current(self, day: dt.date | None = None) -> AreaQuerySet:
        """Areas not retired on `day` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(Q(valid_to=None) | Q(valid_to__gt=day))


class Area(models.Model):
    """One administrative unit. `path` is the chain of codes from the province down, e.g. `95/954/31813`."""

    dataset = models.CharField(max_length=16, default="vn-2021")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=200)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    village_kind = models.CharField(max_length=8, choices=VillageKind.choices, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "code"], name="area_code_unique_in_dataset"),
            models.CheckConstraint(condition=Q(kind__in=AreaKind.values), name="area_kind_valid"),
            # only villages have a village kind
            models.CheckConstraint(
                condition=Q(village_kind="") | Q(kind=AreaKind.VILLAGE, village_kind__in=VillageKind.values),
                name="area_village_kind_valid",
            ),
        ]
        indexes = [
            # subtree queries: path = p OR path LIKE 'p/%'
            models.Index(fields=["dataset", "path"], name="area_path_idx"),
            # the same on PostgreSQL with a non-C collation needs the pattern operator class for LIKE 'p/%'
            models.Index(fields=["path"], name="area_path_like_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return self.path.split("/", 1)[0]

    def ancestors(self) -> list[Area]:
        """From the province down to the parent: one query."""
        codes = self.path.split("/")[:-1]
        by_code = {a.code: a for a in Area.objects.filter(dataset=self.dataset, code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: Area) -> bool:
        return self.dataset == other.dataset and (
            self.path == other.path or self.path.startswith(other.path + "/")
        )

    def is_retired(self, day: dt.date | None = None) -> bool:
        """Retired (a village merged or abolished): kept for the people recorded there, offered for no new one."""
        return self.valid_to is not None and self.valid_to <= (day or timezone.localdate())

    # --- villages: the province adds, renames and retires them below its communes -----------------------------

    @property
    def can_have_villages(self) -> bool:
        return self.kind == AreaKind.COMMUNE

    def village_code(self, code: str) -> str:
        """The dataset-wide code of a village of this commune from the code a user typed.

        GSO codes stop at the commune, so villages have local codes ("01", "3", "A"); they are stored prefixed
        with the commune code ("31813-01") to be unique in the dataset. A code already carrying the prefix is
        kept as it is, so a full code can be typed back.
        """
        code = code.strip()
        prefix = f"{self.code}-"
        return code if code.startswith(prefix) else prefix + code

    def next_village_code(self) -> str:
        """A free code for a new village of this commune: the next two-digit number (one query)."""
        taken = set(Area.objects.filter(parent=self).values_list("code", flat=True))
        n = len(taken) + 1
        while self.village_code(f"{n:02d}") in taken:
            n += 1
        return self.village_code(f"{n:02d}")

    def add_village(self, name: str, code: str = "", village_kind: str = "") -> Area:
        """Create a village below this commune. Raises ValidationError (by field) when it cannot."""
        if not self.can_have_villages:
            raise ValidationError(gettext("Villages can only be added under a commune."))
        name = " ".join(name.split())
        errors = {}
        if not name:
            errors["name"] = gettext("A village needs a name.")
        if code.strip() and not VILLAGE_CODE_RE.match(code.strip()):
            errors["code"] = gettext("A village code may only contain letters, digits and dashes (e.g. 01).")
        if village_kind and village_kind not in VillageKind.values:
            errors["village_kind"] = gettext("Unknown village kind %(kind)s.") % {"kind": village_kind}
        if errors:
            raise ValidationError(errors)
        full_code = self.village_code(code) if code.strip() else self.next_village_code()
        taken = ValidationError({"code": gettext("The code %(code)s is already used.") % {"code": full_code}})
        if Area.objects.filter(dataset=self.dataset, code=full_code).exists():
            raise taken
        try:
            with transaction.atomic():
                return Area.objects.create(
                    dataset=self.dataset,
                    code=full_code,
                    name=name,
                    kind=AreaKind.VILLAGE,
                    village_kind=village_kind,
                    parent=self,
                    path=f"{self.path}/{full_code}",
                )
        except IntegrityError:  # taken between the check and the insert
            raise taken from None

    # --- the 2021 -> 2025 reorganisation ------------------------------------------------------------------------

    def successors(self) -> list[Area]:
        """The units of the next dataset this area became (see `epiwatch.geo.loading.successors`)."""
        from epiwatch.geo.loading import successors

        return successors(self)

    def predecessors(self) -> list[Area]:
        """The units of the earlier dataset that became (part of) this area: one query."""
        return list(Area.objects.filter(successor_links__to_area=self).order_by("path"))


class AreaMapping(models.Model):
    """One link of the 2021 -> 2025 reorganisation: (part of) `from_area` became (part of) `to_area`.

    Commune to commune, as shipped in `data/vn-2021-to-2025.csv.gz`; a 2021 commune split between several 2025
    communes has one link per target. The five island districts without communes link from the district.
    """

    from_area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="successor_links")
    to_area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="predecessor_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_area", "to_area"], name="area_mapping_unique"),
            models.CheckConstraint(condition=~Q(from_area=models.F("to_area")), name="area_mapping_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_area} -> {self.to_area}"


class PopulationQuerySet(models.QuerySet):
    def in_subtree(self, area: Area) -> PopulationQuerySet:
        return self.filter(
            Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"), area__dataset=area.dataset
        )

    def latest_year(self) -> int | None:
        return self.aggregate(latest=models.Max("year"))["latest"]


class Population(models.Model):
    """Resident population of an area in a year, with the age bands that rates are computed over."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField()
    total = models.PositiveIntegerField()
    age_0_4 = models.PositiveIntegerField()
    age_5_17 = models.PositiveIntegerField()
    age_18_64 = models.PositiveIntegerField()
    age_65_plus = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)

    objects = PopulationQuerySet.as_manager()

    # True on the unsaved figures `loading.population_by_area` sums from the sub-areas of an area without its own
    summed = False

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="population_area_year_unique"),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("age_0_4")
                    + models.F("age_5_17")
                    + models.F("age_18_64")
                    + models.F("age_65_plus")
                ),
                name="population_bands_sum_to_total",
            ),
        ]

    BANDS = ("age_0_4", "age_5_17", "age_18_64", "age_65_plus")
    FIRST_YEAR = 1979  # the first census of reunified Vietnam

    def __str__(self) -> str:
        return f"{self.area} {self.year}: {self.total}"

    @property
    def adults(self) -> int:
        return self.age_18_64 + self.age_65_plus

    @property
    def bands_sum(self) -> int:
        return sum(getattr(self, band) or 0 for band in self.BANDS)

    def clean(self) -> None:
        if self.total is not None and all(getattr(self, b) is not None for b in self.BANDS):
            if self.bands_sum != self.total:
                raise ValidationError(
                    {
                        "total": gettext("The age bands add up to %(sum)s, not to the total %(total)s.")
                        % {
                            "sum": group_digits(self.bands_sum),
                            "total": group_digits(self.total),
                        }
                    }
                )
