"""The person page's tracing section: contact records, exposures, quarantines, check-ins, arrivals, chain."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.people import sections
from epiwatch.tracing.models import Arrival, ChainNode, Contact, Exposure, FollowUp, Quarantine


@sections.register
def tracing_section(person, user):
    scope = access.scope_for(user)
    contacts = list(
        access.visible(Contact, scope)
        .filter(person=person)
        .select_related("case__person")
        .order_by("-last_contact_date")[:20]
    )
    exposures = list(
        access.visible(Exposure, scope)
        .filter(Q(source=person) | Q(contact=person))
        .select_related("source", "contact")
        .order_by("-last_contact_date")[:50]
    )
    quarantines = list(
        access.visible(Quarantine, scope).filter(person=person).select_related("facility")[:10]
    )
    followups = list(access.visible(FollowUp, scope).filter(person=person)[:10])
    arrivals = list(access.visible(Arrival, scope).filter(person=person)[:10])
    node = ChainNode.objects.filter(person=person).select_related("chain").first()
    if not (contacts or exposures or quarantines or followups or arrivals):
        return None
    visible = set(
        access.visible(
            type(person).objects.filter(
                pk__in={e.source_id for e in exposures} | {e.contact_id for e in exposures}
            ),
            scope,
        ).values_list("pk", flat=True)
    )
    return sections.Section(
        _("Contact tracing"),
        "tracing/_person_section.html",
        {
            "contacts": contacts,
            "exposures": exposures,
            "visible": visible,
            "quarantines": quarantines,
            "followups": followups,
            "arrivals": arrivals,
            "chain": node.chain if node is not None else None,
        },
    )
