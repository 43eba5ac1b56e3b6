"""The Area tree (province > district > commune > village) and population per area and year."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")


class AreaQuerySet(models.QuerySet):
    def in_dataset(self, dataset: str) -> "AreaQuerySet":
        return self.filter(dataset=dataset)

    def subtree(self, area: "Area") -> "AreaQuerySet":
        """The area and everything below it: one indexed prefix query on `path`."""
        return self.filter(Q(path=area.path) | Q(path__startswith=area.path + "/"), dataset=area.dataset)

    def of_kind(self, kind: str) -> "AreaQuerySet":
        return self.filter(kind=kind)


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

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "code"], name="area_code_unique_in_dataset"),
            models.CheckConstraint(condition=Q(kind__in=AreaKind.values), name="area_kind_valid"),
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

    def ancestors(self) -> list["Area"]:
        """From the province down to the parent: one query."""
        codes = self.path.split("/")[:-1]
        by_code = {a.code: a for a in Area.objects.filter(dataset=self.dataset, code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: "Area") -> bool:
        return self.dataset == other.dataset and (
            self.path == other.path or self.path.startswith(other.path + "/")
        )


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

    @property
    def adults(self) -> int:
        return self.age_18_64 + self.age_65_plus
