"""Epidemic levels: adjusted rule set versions, weekly assessments per area, declarations, capacity, boundaries.

The system proposes (`assessing.assess_week` stores an `Assessment` per commune, district and province with every
input and the explanation), a province user declares (`Assessment.declare`, `AssessmentQuerySet.approve_all`),
and every declaration stays in `Declaration`: the history of a unit's declared levels.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epiwatch.geo.models import Area
from epiwatch.policy import levels as policy_levels

LEVELS = (1, 2, 3, 4)


class Level(models.IntegerChoices):
    LOW = 1, _("Level 1 · low risk (green)")
    MEDIUM = 2, _("Level 2 · medium risk (yellow)")
    HIGH = 3, _("Level 3 · high risk (orange)")
    VERY_HIGH = 4, _("Level 4 · very high risk (red)")


# The colour words of the counts line: "20 đỏ, 8 cam, 36 vàng" / "20 red, 8 orange, 36 yellow".
COLOUR_WORDS = {1: _("green"), 2: _("yellow"), 3: _("orange"), 4: _("red")}


def level_range_q(field: str, nullable: bool = False) -> Q:
    q = Q(**{f"{field}__gte": 1, f"{field}__lte": 4})
    return q | Q(**{f"{field}__isnull": True}) if nullable else q


# --- rule set versions ------------------------------------------------------------------------------------------


class RuleSetVersion(models.Model):
    """A province's adjusted version of the levels rules (Resolution 128 lets provinces adjust the criteria).

    The shipped versions (BYT-4800, BYT-218) are read from `epiwatch/policy/data`; a version here is the policy
    loader's JSON document, checked by it on every save (`levels.rules.check_version`). It is in force in its
    province from `effective_from` until the next version starts, and it is immutable once an assessment used it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    family = models.CharField(max_length=16, default="levels")
    name = models.CharField(max_length=64, unique=True)
    effective_from = models.DateField()
    based_on = models.CharField(max_length=64, blank=True)
    document = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["effective_from", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(family="levels"), name="levels_ruleset_family_valid")
        ]

    def __str__(self) -> str:
        return self.name

    def ruleset(self):
        from epiwatch.policy import rulesets

        return rulesets.load(self.document)

    @property
    def is_used(self) -> bool:
        """True once an assessment was made with it (one query): from then on it never changes."""
        return Assessment.objects.filter(ruleset=self.name).exists()

    def _stored_name(self) -> str | None:
        return (
            RuleSetVersion.objects.filter(pk=self.pk).values_list("name", flat=True).first()
            if self.pk
            else None
        )

    def save(self, *args, **kwargs):
        stored = self._stored_name()
        if stored is not None and Assessment.objects.filter(ruleset=stored).exists():
            raise PermissionError(f"Rule set {stored} was used by assessments: it never changes")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_used:
            raise PermissionError(f"Rule set {self.name} was used by assessments: it is kept")
        return super().delete(*args, **kwargs)


# --- assessments ------------------------------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet):
    def for_week(self, week_ending: dt.date) -> AssessmentQuerySet:
        return self.filter(week_ending=week_ending)

    def in_area(self, area: Area) -> AssessmentQuerySet:
        """The assessments of the area and of every unit below it: one indexed prefix condition on the path."""
        return self.filter(
            Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"), area__dataset=area.dataset
        )

    def of_kind(self, kind: str) -> AssessmentQuerySet:
        return self.filter(area__kind=kind)

    def declared(self) -> AssessmentQuerySet:
        return self.filter(declared_level__isnull=False)

    def awaiting_declaration(self) -> AssessmentQuerySet:
        return self.filter(declared_level=None)

    def weeks(self) -> list[dt.date]:
        """The weeks (their last days) these assessments cover, latest first (one query)."""
        return list(self.order_by("-week_ending").values_list("week_ending", flat=True).distinct())

    @transaction.atomic
    def approve_all(self, user) -> int:
        """Declare every proposal still awaiting declaration at its proposed level; returns how many.

        The rows are locked first, so two province users approving at once declare each assessment once.
        """
        rows = list(self.awaiting_declaration().select_for_update(of=("self",)).only("pk", "proposed_level"))
        now = timezone.now()
        declarations = []
        for level in LEVELS:
            ids = [a.pk for a in rows if a.proposed_level == level]
            if ids:
                Assessment.objects.filter(pk__in=ids, declared_level=None).update(
                    declared_level=level, declared_by=user, declared_at=now, override_reason=""
                )
        for assessment in rows:
            declarations.append(
                Declaration(
                    assessment_id=assessment.pk,
                    level=assessment.proposed_level,
                    proposed_level=assessment.proposed_level,
                    kind=Declaration.Kind.APPROVED,
                    declared_by=user,
                    declared_by_name=getattr(user, "username", ""),
                    declared_at=now,
                )
            )
        Declaration.objects.bulk_create(declarations, batch_size=2000)
        return len(rows)


class Assessment(models.Model):
    """One area's epidemic level for the 7 days ending on `week_ending`: inputs, decision, explanation, and the
    level a province user declared. Districts and provinces are assessed on their own totals."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    # the province's GSO code: every big table keeps it (partitioning and sharding by province, DESIGN §7)
    province_code = models.CharField(max_length=8)
    week_ending = models.DateField()

    # inputs, as counted from the records (`levels.inputs`)
    population = models.PositiveIntegerField()
    community_cases_7d = models.PositiveIntegerField()
    cases_7d = models.PositiveIntegerField()
    deaths_7d = models.PositiveIntegerField()
    severe_7d = models.PositiveIntegerField()
    adults_1dose_pct = models.FloatField(null=True, blank=True)
    elderly_full_pct = models.FloatField(null=True, blank=True)
    population_full_pct = models.FloatField(null=True, blank=True)
    high_risk_full_pct = models.FloatField(null=True, blank=True)
    coverage_source = models.CharField(max_length=32, blank=True)
    capacity_ok = models.BooleanField()
    # False: nobody set the capacity of this unit for the week, so it counts as met
    capacity_known = models.BooleanField(default=False)
    capacity_reason = models.CharField(max_length=300, blank=True)
    # days since the last case criterion 1 counts; None: no such case on record at all
    days_since_last_case = models.PositiveIntegerField(null=True, blank=True)

    # the decision
    ruleset = models.CharField(max_length=64)
    ruleset_digest = models.CharField(max_length=64)
    rate_per_100k = models.FloatField()
    band = models.CharField(max_length=16)
    coverage_met = models.BooleanField()
    matrix_level = models.PositiveSmallIntegerField()
    capacity_adjustment = models.PositiveSmallIntegerField(default=0)
    adjustments = models.JSONField(default=list, blank=True)  # [[code, by], ...]
    proposed_level = models.PositiveSmallIntegerField(choices=Level.choices)
    explanation_vi = models.TextField()
    explanation_en = models.TextField()
    unconfirmed = models.JSONField(default=list, blank=True)  # rule set paths the decision relied on
    computed_at = models.DateTimeField(default=timezone.now)

    # the declaration in force (its history is in Declaration)
    declared_level = models.PositiveSmallIntegerField(choices=Level.choices, null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["area__path"]
        constraints = [
            models.UniqueConstraint(fields=["area", "week_ending"], name="assessment_area_week_unique"),
            models.CheckConstraint(
                condition=level_range_q("proposed_level"), name="assessment_proposed_valid"
            ),
            models.CheckConstraint(condition=level_range_q("matrix_level"), name="assessment_matrix_valid"),
            models.CheckConstraint(
                condition=level_range_q("declared_level", nullable=True), name="assessment_declared_valid"
            ),
            models.CheckConstraint(condition=Q(population__gt=0), name="assessment_population_positive"),
        ]
        indexes = [
            # a province's week: the overview page, approve-all, the API and the nightly replacement
            models.Index(fields=["province_code", "week_ending"], name="assessment_province_week_idx"),
            # an area's trend and declaration history (the unique constraint leads with area too)
            models.Index(fields=["week_ending"], name="assessment_week_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.week_ending}: {self.level}"

    @property
    def level(self) -> int:
        """The declared level once declared, the proposed one until then."""
        return self.declared_level if self.declared_level is not None else self.proposed_level

    @property
    def is_declared(self) -> bool:
        return self.declared_level is not None

    @property
    def is_override(self) -> bool:
        return self.is_declared and self.declared_level != self.proposed_level

    @property
    def window_start(self) -> dt.date:
        return self.week_ending - dt.timedelta(days=6)

    def explanation(self, lang: str = "vi") -> str:
        return self.explanation_vi if lang.startswith("vi") else self.explanation_en

    def inputs(self) -> policy_levels.LevelInputs:
        """The inputs as the evaluator takes them: what the what-if page starts from."""
        return policy_levels.LevelInputs(
            population=self.population,
            capacity_ok=self.capacity_ok,
            community_cases_7d=self.community_cases_7d,
            cases_7d=self.cases_7d,
            deaths_7d=self.deaths_7d,
            severe_7d=self.severe_7d,
            adults_1dose_pct=self.adults_1dose_pct,
            elderly_full_pct=self.elderly_full_pct,
            population_full_pct=self.population_full_pct,
            high_risk_full_pct=self.high_risk_full_pct,
            days_since_last_case=self.days_since_last_case,
            area_name=self.area.name,
        )

    def unconfirmed_paths(self) -> list[str]:
        return list(self.unconfirmed or [])

    @transaction.atomic
    def declare(self, user, level: int, reason: str = "") -> Declaration:
        """Declare the level of this unit for the week. A level other than the proposed one is an override and
        needs a reason. Declaring again (a correction) adds to the history; the row is locked meanwhile."""
        reason = (reason or "").strip()
        if level not in LEVELS:
            raise ValidationError({"level": gettext("A level is 1, 2, 3 or 4.")})
        locked = Assessment.objects.select_for_update().get(pk=self.pk)
        if level != locked.proposed_level and not reason:
            raise ValidationError(
                {
                    "reason": gettext("Say why the declared level differs from the proposed level %(level)s.")
                    % {"level": locked.proposed_level}
                }
            )
        now = timezone.now()
        kind = Declaration.Kind.APPROVED if level == locked.proposed_level else Declaration.Kind.OVERRIDE
        Assessment.objects.filter(pk=self.pk).update(
            declared_level=level, declared_by=user, declared_at=now, override_reason=reason
        )
        self.declared_level, self.declared_by, self.declared_at, self.override_reason = (
            level,
            user,
            now,
            reason,
        )
        return Declaration.objects.create(
            assessment=self,
            level=level,
            proposed_level=locked.proposed_level,
            previous_level=locked.declared_level,
            kind=kind,
            reason=reason,
            declared_by=user,
            declared_by_name=getattr(user, "username", ""),
            declared_at=now,
        )


class Declaration(models.Model):
    """One declaration of an assessment's level: append-only, the history of a unit's declared levels."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Approved as proposed")
        OVERRIDE = "override", _("Overridden")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="declarations")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    proposed_level = models.PositiveSmallIntegerField(choices=Level.choices)
    previous_level = models.PositiveSmallIntegerField(choices=Level.choices, null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField(blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_by_name = models.CharField(max_length=150, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=level_range_q("level"), name="declaration_level_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["approved", "override"]), name="declaration_kind_valid"
            ),
            # an override always says why
            models.CheckConstraint(
                condition=Q(kind="approved") | ~Q(reason=""), name="declaration_override_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.area} {self.assessment.week_ending}: {self.level} ({self.kind})"


# --- capacity (criterion 3) -------------------------------------------------------------------------------------


class CapacityStatusQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date) -> CapacityStatusQuerySet:
        return self.filter(date__lte=day)


class CapacityStatus(models.Model):
    """Whether a unit meets its care requirements from a date on (criterion 3), set by hand with a reason.

    The treatment-capacity issue will compute it from facilities and beds; `levels.inputs.capacity` is the one
    place that reads it, so that source can change without the assessment noticing.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    ok = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    objects = CapacityStatusQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["area", "date"], name="capacity_area_date_unique"),
            # "not met" always says why: it raises the level
            models.CheckConstraint(condition=Q(ok=True) | ~Q(reason=""), name="capacity_not_met_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.area} from {self.date}: {'met' if self.ok else 'not met'}"


# --- boundaries for the map -------------------------------------------------------------------------------------


class Boundary(models.Model):
    """The outline of an area (a GeoJSON Polygon or MultiPolygon in longitude/latitude), uploaded by a province
    administrator keyed by GSO code: no public package ships Vietnamese commune boundaries."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="+")
    geometry = models.JSONField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area__path"]

    def __str__(self) -> str:
        return f"boundary of {self.area}"
