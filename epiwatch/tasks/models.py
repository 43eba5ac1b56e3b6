"""Tasks: something a person must do, assigned to an organization, about one record.

Re-test the members of a positive pool, investigate a new case, call a contact, take a quarantine test, chase a missed
check-in. An organization's open tasks are the daily to-do list of a commune station.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import audit
from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import AuditAction, Organization
from epiwatch.people.models import Person


class TaskKind(models.TextChoices):
    RETEST = "retest", _("Re-test individually (positive pool)")
    CONFIRM_PCR = "confirm_pcr", _("Confirm by RT-PCR (antigen positive)")
    INVESTIGATE_CASE = "investigate_case", _("Investigate a new case")
    CALL_CONTACT = "call_contact", _("Call a contact")
    QUARANTINE_TEST = "quarantine_test", _("Quarantine test")
    MISSED_CHECKIN = "missed_checkin", _("Chase a missed check-in")
    REVIEW_RESULT = "review_result", _("Review a submitted result")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskQuerySet(models.QuerySet):
    def open(self) -> "TaskQuerySet":
        return self.filter(status=TaskStatus.OPEN)

    def for_organization(self, organization: Organization) -> "TaskQuerySet":
        return self.filter(organization=organization)

    def overdue(self, today=None) -> "TaskQuerySet":
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Task(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=TaskKind.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tasks")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    # the record the task is about, e.g. ("labs.pool", "<uuid>"): generic so that any app can raise tasks
    about_model = models.CharField(max_length=64, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=300)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind_valid"),
            # raising the same task twice for the same record and person is a no-op (idempotent pipelines)
            models.UniqueConstraint(
                fields=["kind", "organization", "person", "about_model", "about_id"],
                condition=Q(status="open"),
                name="task_open_unique",
            ),
        ]
        indexes = [
            # an organization's open work list, by due date
            models.Index(fields=["organization", "status", "due_date"], name="task_worklist_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def complete(self, note: str = "") -> None:
        self.status = TaskStatus.DONE
        self.done_at = timezone.now()
        if note:
            self.note = note
        self.save()

    def cancel(self, note: str = "") -> None:
        self.status = TaskStatus.CANCELLED
        self.done_at = timezone.now()
        if note:
            self.note = note
        self.save()


def about_key(about) -> tuple[str, str]:
    """How a task names the record it is about: (model label, public id or pk)."""
    if about is None:
        return "", ""
    return about._meta.label_lower, str(getattr(about, "public_id", None) or getattr(about, "pk", ""))


def raise_task(
    kind: str, organization: Organization, title: str, due_date, person=None, about=None
) -> tuple[Task, bool]:
    """Create the task unless the same one is already open; returns (task, created)."""
    about_model, about_id = about_key(about)
    existing = Task.objects.open().filter(
        kind=kind, organization=organization, person=person, about_model=about_model, about_id=about_id
    )
    task = existing.first()
    if task is not None:
        return task, False
    task = Task.objects.create(
        kind=kind,
        organization=organization,
        person=person,
        about_model=about_model,
        about_id=about_id,
        title=title,
        due_date=due_date,
    )
    return task, True


@dataclass(frozen=True)
class TaskSpec:
    """A task to raise: what raise_many() takes."""

    kind: str
    organization: Organization
    title: str
    due_date: object
    person: Person | None = None
    about: object = None

    def key(self) -> tuple:
        return (self.kind, self.organization.pk, getattr(self.person, "pk", None), *about_key(self.about))


def raise_many(specs: Iterable[TaskSpec]) -> list[Task]:
    """raise_task() for a batch: the tasks not already open are created in one insert (and audited in one);
    returns the tasks created. Queries: one lookup of the open tasks, one insert, one insert of audit events."""
    wanted: dict[tuple, TaskSpec] = {}
    for spec in specs:
        wanted.setdefault(spec.key(), spec)
    if not wanted:
        return []
    open_now = set(
        Task.objects.open()
        .filter(
            kind__in={k[0] for k in wanted},
            organization_id__in={k[1] for k in wanted},
            about_id__in={k[4] for k in wanted},
        )
        .values_list("kind", "organization_id", "person_id", "about_model", "about_id")
    )
    new = []
    for key, spec in wanted.items():
        if key in open_now:
            continue
        about_model, about_id = about_key(spec.about)
        new.append(
            Task(
                kind=spec.kind,
                organization=spec.organization,
                person=spec.person,
                about_model=about_model,
                about_id=about_id,
                title=spec.title[:300],
                due_date=spec.due_date,
            )
        )
    Task.objects.bulk_create(new, batch_size=500)
    audit.record_many(AuditAction.CREATE, new)
    return new


def close_many(tasks: Iterable[Task], status: str = TaskStatus.DONE, note: str = "") -> int:
    """Mark open tasks done (or cancelled), audited; returns how many changed. One update, one audit insert."""
    tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    if not tasks:
        return 0
    now = timezone.now()
    Task.objects.filter(pk__in=[t.pk for t in tasks], status=TaskStatus.OPEN).update(
        status=status, done_at=now, note=note
    )
    for task in tasks:
        task.status, task.done_at, task.note = status, now, note
    audit.record_many(
        AuditAction.UPDATE,
        tasks,
        changes_of=lambda t: {"status": [TaskStatus.OPEN, status], "note": ["", note]},
    )
    return len(tasks)
