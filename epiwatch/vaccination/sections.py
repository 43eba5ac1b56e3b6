"""The vaccination section of the person page: status, doses, deferrals, and the links to the card and the form."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from epiwatch.people import sections
from epiwatch.vaccination import card


def _pages_mounted() -> bool:
    """Whether epiwatch/urls.py includes the vaccination pages (the section links to them): until it does, the
    person page goes on without the section."""
    try:
        reverse("coverage-dashboard")
    except NoReverseMatch:
        return False
    return True


@sections.register
def vaccination(person, user):
    if not _pages_mounted():
        return None
    view = card.card_for(person, user)
    if not (view.complete or view.doses or view.can_write):
        return None  # a lab that tested the person: their vaccination is none of its business
    return sections.Section(_("Vaccination"), "vaccination/_person_section.html", {"card": view})
