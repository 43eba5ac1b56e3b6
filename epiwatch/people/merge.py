"""Merging two records of the same person, and undoing it.

`merge(source, target, user)` moves every row that references the source person to the target. The rows are found
from the model graph, not from a list kept here: every ForeignKey and OneToOneField that points at Person, on any
installed model (also the ones hidden with related_name="+" and the through tables of many-to-many relations), so a
model that a later app adds is covered without touching this module. Each moved row is recorded in
`Merge.moved` (model label, field, primary keys) so that `undo()` puts exactly those rows back.

Rows that cannot move stay with the source and are listed in `Merge.kept`: a row that would break a unique
constraint on the target (the same roster organization twice, the same open task twice), and a row that already
references the target through another person field (a duplicate candidate "source vs target", an exposure between
the two), which would end up pointing the person at itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import audit
from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import AuditAction
from epiwatch.people.models import DuplicateCandidate, Merge, Person


class MergeError(Exception):
    """The merge or undo is refused; the message says why (shown to the user)."""


def person_references() -> list[models.ForeignKey]:
    """Every concrete ForeignKey / OneToOneField, on every installed model, that points at Person; the merge log
    itself excepted (it must keep pointing at the source)."""
    found = []
    # include_hidden: related_name="+" relations and the through tables of many-to-many fields are "hidden",
    # and Person._meta.related_objects leaves them out
    for relation in Person._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue  # a ManyToManyRel: its through table's ForeignKey is listed on its own
        if relation.related_model is Merge:
            continue
        found.append(relation.field)
    return sorted(found, key=lambda f: (f.model._meta.label_lower, f.attname))


def _unique_sets(model, fk) -> list[tuple[str, tuple[str, ...], Q | None, bool]]:
    """(name, other attnames, condition, nulls distinct) of each declared uniqueness that includes `fk`."""
    sets = []
    if fk.unique:
        sets.append((fk.name, (), None, True))
    for together in model._meta.unique_together:
        if fk.name in together:
            others = tuple(model._meta.get_field(f).attname for f in together if f != fk.name)
            sets.append(("unique_together", others, None, True))
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields and fk.name in constraint.fields:
            others = tuple(model._meta.get_field(f).attname for f in constraint.fields if f != fk.name)
            nulls_distinct = getattr(constraint, "nulls_distinct", None) is not False
            sets.append((constraint.name, others, constraint.condition, nulls_distinct))
    return sets


def _unique_conflicts(model, fk, pks: list, to_person: Person) -> dict:
    """{pk: constraint name} of the rows that would collide with a row of `to_person` if moved there.
    Expression-based constraints are not analysed: the move falls back to one row at a time for those."""
    base = model._base_manager
    conflicts = {}
    for name, others, condition, nulls_distinct in _unique_sets(model, fk):
        theirs = base.filter(**{fk.attname: to_person.pk})
        ours = base.filter(pk__in=pks)
        if condition is not None:
            theirs, ours = theirs.filter(condition), ours.filter(condition)
        if not others:
            if theirs.exists():
                conflicts.update(dict.fromkeys(ours.values_list("pk", flat=True), name))
            continue
        taken = set(theirs.values_list(*others))
        for pk, *values in ours.values_list("pk", *others):
            if nulls_distinct and None in values:
                continue
            if tuple(values) in taken:
                conflicts.setdefault(pk, name)
    return conflicts


def _move(model, fk, pks: list, from_person: Person, to_person: Person) -> tuple[list, list]:
    """Point the rows at `to_person`: one UPDATE, or row by row when the database refuses (moved, refused)."""
    base = model._base_manager
    if not pks:
        return [], []
    try:
        with transaction.atomic():
            base.filter(pk__in=pks, **{fk.attname: from_person.pk}).update(**{fk.attname: to_person.pk})
        return pks, []
    except IntegrityError:
        pass
    moved, refused = [], []
    for pk in pks:
        try:
            with transaction.atomic():
                base.filter(pk=pk, **{fk.attname: from_person.pk}).update(**{fk.attname: to_person.pk})
            moved.append(pk)
        except IntegrityError:
            refused.append(pk)
    return moved, refused


def _audit_moves(model, fk, pks: list, old: Person, new: Person) -> None:
    """queryset.update() skips AuditedModel.save(): one event per moved row, as the bulk paths do."""
    if pks and issubclass(model, AuditedModel):
        rows = list(model._base_manager.filter(pk__in=pks))
        audit.record_many(AuditAction.UPDATE, rows, changes_of=lambda _row: {fk.attname: [old.pk, new.pk]})


@contextlib.contextmanager
def _as(user):
    """Audit events name the user who merges, when the caller (a test, a shell) did not set an actor."""
    actor = audit.current_actor()
    if actor.user is None and user is not None:
        with audit.acting(user=user, organization=actor.organization, via=actor.via):
            yield
    else:
        yield


def _lock(*people: Person) -> list[Person]:
    fresh = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[p.pk for p in people])}
    return [fresh[p.pk] for p in people]


def merge(source: Person, target: Person, user=None) -> Merge:
    """Merge `source` into `target` (the record kept); see the module docstring. Refused (MergeError) for a person
    into itself, from or into an already merged record."""
    if source.pk == target.pk:
        raise MergeError(_("A person cannot be merged into itself."))
    with transaction.atomic(), _as(user):
        source, target = _lock(source, target)
        if target.merged_into_id is not None:
            raise MergeError(
                _("%(name)s was already merged into another record.") % {"name": target.full_name}
            )
        if source.merged_into_id is not None:
            raise MergeError(
                _("%(name)s was already merged into another record.") % {"name": source.full_name}
            )

        references = person_references()
        person_fks_of = defaultdict(list)
        for fk in references:
            person_fks_of[fk.model].append(fk)
        moved, kept = [], []
        for fk in references:
            model = fk.model
            rows = model._base_manager.filter(**{fk.attname: source.pk})
            if model is Person:
                rows = rows.exclude(pk=target.pk)  # (a target merged into the source was refused above)
            pks = list(rows.values_list("pk", flat=True))
            if not pks:
                continue
            label = model._meta.label_lower
            held = {}
            for other in person_fks_of[model]:
                if other is not fk:
                    for pk in rows.filter(**{other.attname: target.pk}).values_list("pk", flat=True):
                        held[pk] = "would point the person at itself"
            for pk, name in _unique_conflicts(model, fk, [p for p in pks if p not in held], target).items():
                held[pk] = f"the kept record already has one ({name})"
            done, refused = _move(model, fk, [p for p in pks if p not in held], source, target)
            held.update(dict.fromkeys(refused, "refused by the database"))
            if done:
                moved.append({"model": label, "field": fk.attname, "pks": done})
                _audit_moves(model, fk, done, source, target)
            for why in sorted(set(held.values())):
                kept.append(
                    {
                        "model": label,
                        "field": fk.attname,
                        "pks": sorted(k for k, w in held.items() if w == why),
                        "why": why,
                    }
                )

        source.merged_into = target
        source.save()  # first: the source's national ID must be free before the target takes it
        filled = target.fill_blanks({name: getattr(source, name) for name in Person.FILLABLE_FIELDS})
        if filled:
            target.save()
        record = Merge.objects.create(
            source=source,
            target=target,
            moved=moved,
            kept=kept,
            filled=audit_json(filled),
            merged_by=user if getattr(user, "pk", None) else None,
        )
        for candidate in DuplicateCandidate.objects.open().filter(_pair(source, target)):
            candidate.decide(DuplicateCandidate.Status.MERGED, user)
        summary = {
            "merge": str(record.public_id),
            "source": str(source.public_id),
            "target": str(target.public_id),
            "moved": record.moved_count,
            "kept": record.kept_count,
            "filled": sorted(filled),
        }
        audit.record(AuditAction.MERGE, target, summary)
        audit.record(AuditAction.MERGE, source, summary)
        return record


def undo(merge_record: Merge, user=None) -> Merge:
    """Put every moved row back on the source, clear the fields the merge filled in on the target (unless they
    were changed since), make the source a record of its own again. Refused when already undone, and when the
    target was itself merged since (undo that later merge first)."""
    with transaction.atomic(), _as(user):
        record = Merge.objects.select_for_update().select_related("source", "target").get(pk=merge_record.pk)
        if record.undone_at is not None:
            raise MergeError(_("This merge was already undone."))
        source, target = _lock(record.source, record.target)
        if target.merged_into_id is not None:
            raise MergeError(
                _("%(name)s was merged into another record since: undo that merge first.")
                % {"name": target.full_name}
            )
        if source.merged_into_id != target.pk:
            raise MergeError(_("%(name)s is no longer merged into this record.") % {"name": source.full_name})
        if source.national_id:
            holder = (
                Person.objects.active().filter(national_id=source.national_id).exclude(pk=target.pk).first()
            )
            if holder is not None:
                raise MergeError(
                    _(
                        "National ID %(id)s now belongs to another record (%(name)s): merge or correct it first."
                    )
                    % {"id": source.national_id, "name": holder.full_name}
                )

        cleared, changed_since = {}, []
        for attname, (old, new) in record.filled.items():
            current = audit_json({attname: [None, getattr(target, attname)]})[attname][1]
            if current == new:
                setattr(target, attname, _from_json(attname, old))
                cleared[attname] = [new, old]
            else:
                changed_since.append(attname)
        if cleared:
            target.save()  # first: frees a national ID that came from the source
        source.merged_into = None
        source.save()

        returned, missing = 0, []
        for group in record.moved:
            try:
                model = apps.get_model(group["model"])
            except LookupError:
                missing.append({**group, "why": "model no longer installed"})
                continue
            fk = next(f for f in model._meta.concrete_fields if f.attname == group["field"])
            here = list(
                model._base_manager.filter(pk__in=group["pks"], **{fk.attname: target.pk}).values_list(
                    "pk", flat=True
                )
            )
            back, refused = _move(model, fk, here, target, source)
            _audit_moves(model, fk, back, target, source)
            returned += len(back)
            gone = sorted(set(group["pks"]) - set(here))
            if gone:
                missing.append(
                    {
                        "model": group["model"],
                        "field": group["field"],
                        "pks": gone,
                        "why": "moved or deleted since",
                    }
                )
            if refused:
                missing.append(
                    {
                        "model": group["model"],
                        "field": group["field"],
                        "pks": refused,
                        "why": "refused by the database",
                    }
                )

        record.undone_at = timezone.now()
        record.undone_by = user if getattr(user, "pk", None) else None
        record.save(update_fields=["undone_at", "undone_by"])
        merged = DuplicateCandidate.objects.filter(
            _pair(source, target), status=DuplicateCandidate.Status.MERGED
        )
        merged.update(status=DuplicateCandidate.Status.OPEN, decided_at=None, decided_by=None)
        summary = {
            "merge": str(record.public_id),
            "source": str(source.public_id),
            "target": str(target.public_id),
            "returned": returned,
            "cleared": sorted(cleared),
            "changed_since": changed_since,
            "not_returned": missing,
        }
        audit.record(AuditAction.UNMERGE, target, summary)
        audit.record(AuditAction.UNMERGE, source, summary)
        record.not_returned = missing
        return record


def _pair(a: Person, b: Person) -> Q:
    return Q(person_a=a, person_b=b) | Q(person_a=b, person_b=a)


def audit_json(changes: dict) -> dict:
    return {k: [v.isoformat() if hasattr(v, "isoformat") else v for v in pair] for k, pair in changes.items()}


def _from_json(attname: str, value):
    if value is not None and attname == "date_of_birth":
        return dt.date.fromisoformat(value)
    return value
