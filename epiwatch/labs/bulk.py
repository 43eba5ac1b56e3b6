"""The fast insert of the pipeline's hot path: a batch of new rows and their audit events, without the ORM's
per-value machinery.

`bulk_create` spends most of a mass-screening import preparing values field by field (several µs per value: a
result has 20 fields, its audit event 11). Here the ids are taken from the table's sequence in one query
(PostgreSQL) or follow the table's highest id under the write lock the transaction holds (SQLite: every
transaction is IMMEDIATE, see settings), and the rows go in with COPY (PostgreSQL) or executemany (SQLite).
Values are converted the way Django's backends store them (aware datetimes as naive UTC text and UUIDs as hex on
SQLite, JSON as jsonb on PostgreSQL), so what is stored is what `bulk_create` would have stored; the tests read
the rows back through the ORM to prove it.

`insert_audited` also writes the audit events `audit.record_many(AuditAction.CREATE, objs)` would write (same
actor, model, object id, repr and `{field: [None, value]}` changes), built from the values already at hand
instead of a snapshot of each object.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, AuditEvent


def _to_json(field: models.Field) -> Callable[[Any], Any] | None:
    """How a field's value appears in an audit event's changes (as `audit.snapshot` writes it); None: as is."""
    if isinstance(field, models.DateTimeField | models.DateField):
        return lambda value: value.isoformat()
    if isinstance(field, models.UUIDField | models.DecimalField):
        return str
    return None


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:  # aware: stored as naive UTC, as Django's SQLite backend does
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _converter(field: models.Field, vendor: str) -> Callable[[Any], Any] | None:
    """How a Python value becomes what the backend stores; None: as it is."""
    if vendor == "postgresql":
        if isinstance(field, models.JSONField):
            from psycopg.types.json import Jsonb

            return Jsonb
        return None  # psycopg adapts datetimes, dates, UUIDs and decimals itself
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(field, models.DateField):
        return dt.date.isoformat
    if isinstance(field, models.UUIDField):
        return lambda value: value.hex
    if isinstance(field, models.JSONField):
        return json.dumps
    return None  # decimals: the backend registers an adapter


class _Table:
    """A model's concrete fields, columns and converters for one connection."""

    def __init__(self, model: type[models.Model], connection):
        self.model = model
        self.connection = connection
        self.fields = list(model._meta.concrete_fields)
        self.converters = [_converter(f, connection.vendor) for f in self.fields]
        self.auto_now = {
            i
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }
        self.foreign_keys = [f for f in self.fields if f.is_relation]

    def next_ids(self, count: int) -> list[int]:
        table, column = self.model._meta.db_table, self.model._meta.pk.column
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            quote = self.connection.ops.quote_name
            cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))

    def write(self, rows: list[tuple]) -> None:
        quote = self.connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        converted = [
            tuple(
                value if convert is None or value is None else convert(value)
                for value, convert in zip(row, self.converters, strict=True)
            )
            for row in rows
        ]
        with self.connection.cursor() as django_cursor:
            raw = django_cursor.cursor  # the DB-API cursor under Django's
            if self.connection.vendor == "postgresql":
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in converted:
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * len(self.fields))  # the sqlite3 module's placeholder
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", converted)  # noqa: S608


def insert(objs: Sequence[models.Model], using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """Insert new instances of one model and give them their pks; returns each row's Python values in field
    order. Foreign keys are taken from related objects saved since they were assigned; auto_now(_add) fields
    are set as save() sets them."""
    if not objs:
        return []
    connection = connections[using]
    table = _Table(type(objs[0]), connection)
    ids = table.next_ids(len(objs))
    now = timezone.now()
    attnames = [f.attname for f in table.fields]
    rows = []
    for obj, pk in zip(objs, ids, strict=True):
        for fk in table.foreign_keys:
            if getattr(obj, fk.attname) is None:
                related = fk.get_cached_value(obj, None)
                if related is not None:
                    setattr(obj, fk.attname, related.pk)
        obj.pk = pk
        for i in table.auto_now:
            setattr(obj, attnames[i], now)
        rows.append(tuple(getattr(obj, name) for name in attnames))
        obj._state.adding = False
        obj._state.db = using
    table.write(rows)
    return rows


def insert_audited(objs: Sequence[models.Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """insert() plus one create event per object, as `audit.record_many(AuditAction.CREATE, objs)` writes it."""
    if not objs:
        return
    rows = insert(objs, using)
    model = type(objs[0])
    fields = list(model._meta.concrete_fields)
    names = [f.attname for f in fields]
    to_json = [_to_json(f) for f in fields]
    actor = audit.current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    now = timezone.now()
    label = model._meta.label_lower
    events = []
    for obj, values in zip(objs, rows, strict=True):
        changes = {
            name: [None, v if convert is None else convert(v)]
            for name, v, convert in zip(names, values, to_json, strict=True)
            if v is not None
        }
        # in AuditEvent's field order: id, at, user, username, organization, via, action, model, object, repr, changes
        events.append(
            (
                None,
                now,
                user.pk if user else None,
                user.username if user else "",
                getattr(actor.organization, "pk", None),
                actor.via,
                AuditAction.CREATE.value,
                label,
                str(getattr(obj, "public_id", None) or obj.pk),
                str(obj)[:200],
                changes,
            )
        )
    table = _Table(AuditEvent, connections[using])
    assert [f.attname for f in table.fields] == [
        "id",
        "at",
        "user_id",
        "username",
        "organization_id",
        "via",
        "action",
        "model",
        "object_id",
        "object_repr",
        "changes",
    ], "AuditEvent changed: update bulk.insert_audited"
    ids = table.next_ids(len(events))
    table.write([(pk, *event[1:]) for pk, event in zip(ids, events, strict=True)])


class Statistics:
    """Keeps PostgreSQL's planner statistics of a table up to date while one submission fills it.

    A first import of a mass-screening round can multiply the results table several times over within minutes,
    faster than autovacuum analyzes it; the planner then takes the table for tiny and scans it whole for each
    batch's duplicate checks (a sequential scan per 1,000 rows: the import slows down as it goes). So the
    submission analyzes the table itself once it has inserted a fifth of what the table held when it started,
    and again each time that doubles: a handful of ANALYZEs (a few hundred ms each) for the largest file. Not
    needed on SQLite, whose planner takes an index whenever one fits.
    """

    FIRST = 10_000

    def __init__(self, using: str = DEFAULT_DB_ALIAS):
        self.connection = connections[using]
        self.counts: dict[type[models.Model], int] = {}
        self.next_at: dict[type[models.Model], int] = {}

    def inserted(self, model: type[models.Model], count: int) -> bool:
        """Count rows inserted into the model's table; True when it was analyzed now."""
        if self.connection.vendor != "postgresql" or not count:
            return False
        table = model._meta.db_table
        if model not in self.next_at:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE relname = %s", [table])
                row = cursor.fetchone()
            self.next_at[model] = max(self.FIRST, int((row[0] if row else 0) / 5))
        self.counts[model] = self.counts.get(model, 0) + count
        if self.counts[model] < self.next_at[model]:
            return False
        with self.connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.connection.ops.quote_name(table)}")
        self.next_at[model] = self.counts[model] * 2
        return True
