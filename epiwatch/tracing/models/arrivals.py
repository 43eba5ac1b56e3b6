"""Returnees: arrivals from other provinces, with what is known of their vaccination."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.people.models import Person


class ArrivalQuerySet(models.QuerySet):
    def in_area(self, area: Area) -> ArrivalQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class Arrival(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="arrivals")
    # the GSO code (2021 list of 63 provinces) and name of where the person comes from, and its epidemic level
    origin_province_code = models.CharField(_("origin province code"), max_length=3)
    origin_province_name = models.CharField(_("origin province"), max_length=100)
    origin_level = models.PositiveSmallIntegerField(_("epidemic level of the origin"), null=True, blank=True)
    arrival_date = models.DateField(_("arrival date"))
    # as declared on arrival (a vaccination card, PC-COVID)
    doses = models.PositiveSmallIntegerField(_("doses received"), default=0)
    fully_vaccinated_on = models.DateField(_("fully vaccinated on"), null=True, blank=True)
    recovered_on = models.DateField(_("recovered from COVID-19 on"), null=True, blank=True)
    # where the person will stay: the commune that monitors them
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    submitter = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ArrivalQuerySet.as_manager()

    class Meta:
        ordering = ["-arrival_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "arrival_date"], name="arrival_person_day_unique"),
            models.UniqueConstraint(
                fields=["submitter", "external_id"],
                condition=~Q(external_id=""),
                name="arrival_external_id_unique_per_submitter",
            ),
            models.CheckConstraint(
                condition=Q(origin_level=None) | Q(origin_level__gte=1, origin_level__lte=4),
                name="arrival_origin_level_range",
            ),
        ]
        indexes = [
            # the arrivals list of an area, newest first
            models.Index(fields=["province_code", "arrival_date"], name="arrival_province_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} from {self.origin_province_name} on {self.arrival_date:%d/%m/%Y}"
