"""Clusters (ổ dịch): an outbreak in one setting, its member cases, and whether it is still active."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area


class ClusterKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    SCHOOL = "school", _("School")
    MARKET = "market", _("Market")
    RESIDENTIAL_GROUP = "residential_group", _("Residential group")


class ClusterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class ClusterQuerySet(models.QuerySet):
    def active(self) -> ClusterQuerySet:
        return self.filter(status=ClusterStatus.ACTIVE)

    def in_area(self, area: Area) -> ClusterQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class Cluster(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("setting"), max_length=20, choices=ClusterKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clusters",
        help_text=_("The enterprise, school or market; its roster is the attack rate's denominator"),
    )
    status = models.CharField(max_length=8, choices=ClusterStatus.choices, default=ClusterStatus.ACTIVE)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_automatically = models.BooleanField(default=False)
    # days without a new case after which the cluster closes by itself; empty: the province default
    quiet_days = models.PositiveSmallIntegerField(
        _("days without a new case before closing"), null=True, blank=True
    )
    # the newest member case's date (kept by add_member): auto-close reads it without touching the members
    last_case_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ClusterKind.values), name="cluster_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ClusterStatus.values), name="cluster_status_valid"),
            models.CheckConstraint(
                condition=Q(closed_on=None) | Q(closed_on__gte=F("opened_on")),
                name="cluster_closes_after_opening",
            ),
        ]
        indexes = [
            # close_clusters: the active clusters, by their last case
            models.Index(fields=["status", "last_case_on"], name="cluster_quiet_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ClusterStatus.ACTIVE


class MemberLink(models.TextChoices):
    EXPOSURE = "exposure", _("Linked by exposure")
    ROSTER = "roster", _("On the roster")
    MANUAL = "manual", _("Added by hand")


class ClusterMember(AuditedModel):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="cluster_memberships")
    link = models.CharField(max_length=10, choices=MemberLink.choices, default=MemberLink.MANUAL)
    # the date the case counts on in the cluster's curve: onset, else sample, else report
    day = models.DateField()
    added_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "case"], name="cluster_member_unique"),
            models.CheckConstraint(condition=Q(link__in=MemberLink.values), name="cluster_member_link_valid"),
        ]
        indexes = [
            # the epidemic curve: members per day
            models.Index(fields=["cluster", "day"], name="cluster_member_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.cluster_id}"
