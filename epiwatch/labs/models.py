"""Test results, pools and import batches: one province-wide record of RT-PCR, pooled PCR and antigen tests."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.lib import dates
from epiwatch.people.models import Person


class TestType(models.TextChoices):
    RT_PCR = "rt_pcr", _("RT-PCR")
    POOLED_RT_PCR = "pooled_rt_pcr", _("Pooled RT-PCR")
    ANTIGEN = "antigen", _("Rapid antigen (professional)")
    ANTIGEN_SELF = "antigen_self", _("Rapid antigen (self-test)")


PCR_TYPES = frozenset({TestType.RT_PCR, TestType.POOLED_RT_PCR})
ANTIGEN_TYPES = frozenset({TestType.ANTIGEN, TestType.ANTIGEN_SELF})


class Outcome(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")
    INVALID = "invalid", _("Invalid")
    PENDING = "pending", _("Pending")


class Reason(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SHIFT_SCREENING = "shift_screening", _("Shift screening")
    CONTACT = "contact", _("Contact")
    SYMPTOMS = "symptoms", _("Symptoms")
    TRAVEL = "travel", _("Travel")
    HOSPITAL = "hospital", _("Hospital")


class ImportBatch(models.Model):
    """One uploaded file (or API batch) going through the pipeline; the background worker claims queued ones."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        PREVIEW = "preview", _("Ready to commit")
        COMMITTING = "committing", _("Committing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, default="results")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="import_batches")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, default="upload", help_text="upload, api, command, form")
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    # set by the user's "commit" on the preview page (or at upload for a batch that needs no preview): the
    # worker commits a batch in preview status once this is set
    commit_requested = models.BooleanField(default=False)
    # a sample of accepted and rejected rows for the preview page
    preview = models.JSONField(default=dict, blank=True)
    errors_file = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "queued",
                        "validating",
                        "preview",
                        "committing",
                        "done",
                        "failed",
                        "cancelled",
                    ]
                ),
                name="batch_status_valid",
            )
        ]
        # the worker's claim: the oldest queued batch
        indexes = [models.Index(fields=["status", "created_at"], name="batch_queue_idx")]

    @property
    def progress_pct(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    def request_commit(self) -> bool:
        """Ask the worker to store the previewed rows; False when the batch is past that point (one query)."""
        changed = ImportBatch.objects.filter(
            pk=self.pk, status__in=(self.Status.QUEUED, self.Status.VALIDATING, self.Status.PREVIEW)
        ).update(commit_requested=True)
        if changed:
            self.commit_requested = True
        return changed == 1

    def cancel(self) -> bool:
        """Drop a batch nobody has started committing; False when it is too late (one query)."""
        changed = ImportBatch.objects.filter(
            pk=self.pk, status__in=(self.Status.QUEUED, self.Status.PREVIEW)
        ).update(status=self.Status.CANCELLED, finished_at=timezone.now())
        if changed:
            self.status = self.Status.CANCELLED
        return changed == 1


class Pool(AuditedModel):
    """A pooled RT-PCR sample; its members are the TestResults that point at it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitter = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pools")
    code = models.CharField(max_length=64, help_text=_("The pool's sample code as written by the lab"))
    sampled_at = models.DateTimeField()
    resulted_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submitter", "code"], name="pool_code_unique_per_submitter"),
            models.CheckConstraint(condition=Q(result__in=Outcome.values), name="pool_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"Pool {self.code}"


class TestResultQuerySet(models.QuerySet):
    def positive(self) -> "TestResultQuerySet":
        return self.filter(result=Outcome.POSITIVE)

    def in_area(self, area: Area) -> "TestResultQuerySet":
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))

    def modified_after(self, when) -> "TestResultQuerySet":
        return self.filter(modified_at__gt=when)

    def needing_review(self) -> "TestResultQuerySet":
        return self.filter(needs_review=True)

    def sampled_between(self, first, last) -> "TestResultQuerySet":
        """Sampled on the local days first..last (inclusive; either may be None)."""
        from epiwatch.lib.dates import LOCAL_TZ

        qs = self
        if first is not None:
            qs = qs.filter(sampled_at__gte=dt.datetime.combine(first, dt.time(0), tzinfo=LOCAL_TZ))
        if last is not None:
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_TZ)
            qs = qs.filter(sampled_at__lt=end)
        return qs


class TestResult(AuditedModel):
    __test__ = False  # not a pytest test class

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # no index of its own: result_person_sample_idx starts with the person
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="test_results", db_index=False)
    test_type = models.CharField(max_length=16, choices=TestType.choices)
    sampled_at = models.DateTimeField()
    resulted_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Outcome.choices)
    ct_value = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.SCREENING)
    # no index of its own: result_submitter_day_idx (and the external id constraint) start with the submitter
    submitter = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="submitted_results", db_index=False
    )
    external_id = models.CharField(max_length=64, blank=True)
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    # residence of the person when the result arrived: area lists and counts use it (and the province code, so a
    # national deployment can shard by province)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True, db_index=True)
    needs_review = models.BooleanField(default=False)
    review_note = models.CharField(max_length=300, blank=True)
    amendment_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = TestResultQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "external_id"],
                condition=~Q(external_id=""),
                name="result_external_id_unique_per_submitter",
            ),
            models.CheckConstraint(condition=Q(test_type__in=TestType.values), name="result_type_valid"),
            models.CheckConstraint(condition=Q(result__in=Outcome.values), name="result_outcome_valid"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="result_reason_valid"),
            models.CheckConstraint(
                condition=Q(ct_value__isnull=True) | Q(ct_value__gte=0, ct_value__lte=45),
                name="result_ct_range",
            ),
        ]
        indexes = [
            # idempotency without an external id: same person, type, sample time
            models.Index(fields=["person", "test_type", "sampled_at"], name="result_person_sample_idx"),
            # incremental sync: GET /api/v1/results?modified_after=
            models.Index(fields=["modified_at", "id"], name="result_modified_idx"),
            # lists by area and day
            models.Index(fields=["province_code", "sampled_at"], name="result_province_day_idx"),
            models.Index(fields=["submitter", "sampled_at"], name="result_submitter_day_idx"),
        ]

    def __str__(self) -> str:
        # codes, not labels: the audit trail calls this for every stored row (labels cost a translation each)
        return f"{self.test_type} {self.result} {dates.local_date(self.sampled_at):%d/%m/%Y}"


from epiwatch.labs.shift_models import *  # noqa: E402,F401,F403
