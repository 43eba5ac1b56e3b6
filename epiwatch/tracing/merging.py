"""Merging two records of one person, as tracing sees it.

Two records linked by an exposure are two people (one exposed the other): merging them would leave an exposure from
a person to themselves and a contact record of their own case, so the merge is refused with a message. Any other
merge joins the two people's chains (their exposures now meet in the kept record) and recomputes the generations
downstream; the merged-away record leaves the graph. Undoing a merge puts the exposures back; once the undo has
committed, the chains of the two people are recomputed from their exposures (split again where they no longer meet).

`check()` and `after()` are meant to be called by `people.merge.merge()` (see the report of the tracing issue for
the hook it needs); until that hook exists, a pre_save receiver on Person calls them at the moment the merge marks the
source as merged -- after the references moved, inside the merge's transaction, so a refusal undoes the whole merge.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from epiwatch.people.merge import MergeError
from epiwatch.people.models import Person
from epiwatch.tracing import chains
from epiwatch.tracing.models import Exposure


def check(source: Person, target: Person) -> None:
    """Refuse (MergeError) to merge two people linked by an exposure."""
    link = (
        Exposure.objects.filter(Q(source=source, contact=target) | Q(source=target, contact=source))
        .order_by("last_contact_date")
        .first()
    )
    if link is not None:
        first, second = (source, target) if link.source_id == source.pk else (target, source)
        raise MergeError(
            _(
                "%(first)s and %(second)s are linked by an exposure (%(first)s exposed %(second)s on %(day)s): "
                "they are two people, not two records of one."
            )
            % {
                "first": first.full_name,
                "second": second.full_name,
                "day": link.last_contact_date.strftime("%d/%m/%Y"),
            }
        )


def after(source: Person, target: Person) -> None:
    """The source's references now point at the target: join their chains."""
    chains.join_people(target.pk, source.pk)


def after_undo(source_id: int, target_id: int) -> None:
    """The exposures went back to the source: split the chain the merge joined, if they are two now."""
    chains.rebuild_chains_of([source_id, target_id])


@receiver(pre_save, sender=Person, dispatch_uid="tracing-merge-guard")
def _on_person_save(sender, instance: Person, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    loaded = getattr(instance, "_audit_loaded", None)
    if (
        loaded is None
        or "merged_into_id" not in loaded
        or loaded["merged_into_id"] == instance.merged_into_id
    ):
        return  # not the moment this record is merged or unmerged
    if instance.merged_into_id is not None:
        target = Person.objects.get(pk=instance.merged_into_id)
        check(instance, target)
        after(instance, target)
    else:
        # undo() saves the source before moving its references back: split the chains once all is done
        source_id, target_id = instance.pk, loaded["merged_into_id"]
        transaction.on_commit(lambda: after_undo(source_id, target_id))
