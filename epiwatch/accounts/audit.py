"""The audit trail: every create, change and delete of person-level data, with who, for whom, when and what.

Models that hold person-level data inherit `AuditedModel`; its save() and delete() write the event with the
field-level differences. Bulk paths that bypass save() call `record_many()` themselves. Who is acting comes from
a context variable that the web middleware, the API authentication and the management commands set.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, router, transaction

from epiwatch.accounts.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class Actor:
    user: Any = None
    organization: Any = None
    via: str = "system"


_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("epiwatch_actor", default=Actor())  # noqa: B039 - Actor is frozen


def current_actor() -> Actor:
    return _actor.get()


@contextlib.contextmanager
def acting(user=None, organization=None, via: str = "system") -> Iterator[Actor]:
    actor = Actor(user=user, organization=organization, via=via)
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, only: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, foreign keys as their raw ids. Deferred fields are left out (reading
    them would cost a query each); `only` limits to the named fields (names or attnames)."""
    deferred = obj.get_deferred_fields()
    wanted = None if only is None else set(only)
    return {
        f.attname: _jsonable(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in deferred and (wanted is None or f.name in wanted or f.attname in wanted)
    }


def diff(old: dict[str, Any], new: dict[str, Any], skip: Iterable[str] = ()) -> dict[str, list[Any]]:
    skip = set(skip)
    return {k: [old.get(k), v] for k, v in new.items() if k not in skip and old.get(k) != v}


def _event(action: str, obj: models.Model, changes: dict) -> AuditEvent:
    actor = current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    return AuditEvent(
        user=user,
        username=getattr(user, "username", "") if user else "",
        organization=actor.organization,
        via=actor.via,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
    )


def record(action: str, obj: models.Model, changes: dict | None = None) -> AuditEvent:
    event = _event(action, obj, changes or {})
    event.save()
    return event


def record_many(action: str, objs: Iterable[models.Model], changes_of=None) -> int:
    """One event per object, written in batches: the bulk paths' counterpart of AuditedModel.save()."""
    events = [_event(action, o, changes_of(o) if changes_of else diff({}, snapshot(o))) for o in objs]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


class AuditedModel(models.Model):
    """Base for models holding person-level data: every save and delete leaves an audit event."""

    AUDIT_SKIP_FIELDS: tuple[str, ...] = ("modified_at",)

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # a JSON-able copy: a list or dict field changed in place must still differ from what was loaded
        instance._audit_loaded = {name: _jsonable(v) for name, v in zip(field_names, values, strict=False)}
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # what was just read is the new "loaded" state of those fields
        self._audit_loaded = {**getattr(self, "_audit_loaded", {}), **snapshot(self, only=fields)}

    def _loaded_snapshot(self) -> dict[str, Any]:
        loaded = getattr(self, "_audit_loaded", None)
        if loaded is None:
            # built by hand or by bulk_create: read what the database holds now (one query)
            attnames = [f.attname for f in self._meta.concrete_fields]
            loaded = type(self)._base_manager.filter(pk=self.pk).values(*attnames).first() or {}
        return {
            f.attname: _jsonable(loaded[f.attname]) for f in self._meta.concrete_fields if f.attname in loaded
        }

    def save(self, *args, **kwargs):
        creating = self._state.adding
        old = {} if creating else self._loaded_snapshot()
        update_fields = kwargs.get("update_fields")
        # the change and its event commit together or not at all
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            super().save(*args, **kwargs)
            new = snapshot(self, only=update_fields)
            if not creating:
                # fields that were not loaded (only(), defer()) are unknown, not changed
                new = {k: v for k, v in new.items() if k in old}
            changes = diff(old, new, skip=self.AUDIT_SKIP_FIELDS)
            if creating or changes:
                record(AuditAction.CREATE if creating else AuditAction.UPDATE, self, changes)
        self._audit_loaded = {**old, **new}

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            record(AuditAction.DELETE, self, {k: [v, None] for k, v in snapshot(self).items()})
            return super().delete(*args, **kwargs)
