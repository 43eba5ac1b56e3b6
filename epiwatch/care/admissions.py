"""Admitting, transferring and discharging cases: the only code that opens or closes an `Admission`.

Occupancy is derived from these rows, so the rules live here: a case is in one bed at a time (a transfer closes
the stay and opens the next in one transaction), nothing is discharged before it was admitted, a non-case (a
discarded case, a case who died) is not admitted, a facility takes only the tiers it serves. A patient beyond the
beds of a tier is admitted with a warning: in a surge that happens, and the alert shows it.

Who may reach a case from the care pages (`case_for_user`): the area organizations that see it; the staff of a
facility where it stays or stayed; and the writing staff of a facility in the case's province, who receive
patients referred from anywhere in the province and find them by the case id or the national ID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.care import capacity
from epiwatch.care.models import (
    ICU_SUPPORTS,
    Admission,
    DischargeReason,
    Facility,
    Support,
)
from epiwatch.cases.models import Case, CaseOutcome, Classification

CLOCK_SKEW = dt.timedelta(minutes=10)  # a device clock a little ahead is not "the future"
ADMISSIBLE = (Classification.CONFIRMED, Classification.SUSPECTED)


class AdmissionError(ValueError):
    """Refused; `field` names the input at fault (None: the request as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Outcome:
    admission: Admission
    warnings: list[str] = field(default_factory=list)


# --- who reaches which case ------------------------------------------------------------------------------------


def receiving_facilities(user_or_scope) -> QuerySet:
    """Facilities whose organization the user writes for: where hospital staff admit their patients."""
    scope = user_or_scope if isinstance(user_or_scope, access.Scope) else access.scope_for(user_or_scope)
    if scope.full:
        return Facility.objects.active()
    return Facility.objects.active().filter(organization_id__in=scope.write_org_ids)


def case_for_user(user, public_id, write: bool = False) -> Case:
    """The case, if the user may see it from the care pages (404 otherwise, existence not revealed)."""
    cases = Case.objects.select_related("person", "area")
    try:
        return access.get_for_user(cases, user, write=write, public_id=public_id)
    except Http404:
        pass
    try:
        case = cases.get(public_id=public_id)
    except (
        Case.DoesNotExist,
        ValueError,
        TypeError,
        ValidationError,
    ):  # a malformed id is as unknown as a missing one
        raise Http404("No case found") from None
    if access.visible(Admission.objects.filter(case=case), user, write=write).exists():
        return case
    if (
        receiving_facilities(user)
        .filter(province_code=case.province_code or case.area.province_code)
        .exists()
    ):
        return case
    raise Http404("No case found")


def admission_targets(user, case: Case) -> QuerySet:
    """Where this user may admit this case: any active facility of the case's province for those who may write
    the case (the commune, district or province refers), else their own facilities in that province."""
    province = case.province_code or case.area.province_code
    in_province = Facility.objects.active().filter(province_code=province, area__dataset=case.area.dataset)
    if access.visible(Case.objects.filter(pk=case.pk), user, write=True).exists():
        return in_province
    return in_province.filter(pk__in=receiving_facilities(user).values("pk"))


def transfer_targets(admission: Admission) -> QuerySet:
    """Any active facility of the province: the sender decides, the receiving hospital then sees the patient."""
    return Facility.objects.active().filter(province_code=admission.province_code)


def designated_hospital(province_code: str) -> Facility | None:
    return Facility.objects.active().designated().filter(province_code=province_code).order_by("code").first()


# --- checks --------------------------------------------------------------------------------------------------------


def check_case(case: Case) -> None:
    if case.classification not in ADMISSIBLE:
        raise AdmissionError(
            _("%(person)s is not a case (classification: %(classification)s): only cases are admitted.")
            % {"person": case.person.full_name, "classification": case.get_classification_display()},
            "case",
        )
    if case.outcome == CaseOutcome.DIED:
        raise AdmissionError(
            _("%(person)s died: the case is closed.") % {"person": case.person.full_name}, "case"
        )


def _check_moment(at: dt.datetime, name: str) -> None:
    if at is None:
        raise AdmissionError(_("a date and time is required"), name)
    if timezone.is_naive(at):
        raise AdmissionError(_("the time has no time zone"), name)
    if at > timezone.now() + CLOCK_SKEW:
        raise AdmissionError(_("%(when)s is in the future") % {"when": _local(at)}, name)


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%d/%m/%Y %H:%M")


def _check_place(facility: Facility, tier: int, support: str) -> None:
    if tier not in (1, 2, 3):
        raise AdmissionError(_("the tier is 1, 2 or 3"), "tier")
    if not facility.is_active:
        raise AdmissionError(_("%(facility)s is closed") % {"facility": facility.name}, "facility")
    if not facility.serves(tier):
        raise AdmissionError(
            _("%(facility)s does not serve tier %(tier)s (it serves %(tiers)s)")
            % {
                "facility": facility.name,
                "tier": tier,
                "tiers": ", ".join(str(t) for t in facility.tiers),
            },
            "tier",
        )
    if support not in Support.values:
        raise AdmissionError(_("unknown support %(support)s") % {"support": support}, "support")
    if support in ICU_SUPPORTS and tier != 3:
        raise AdmissionError(_("ICU beds and ventilators are tier 3"), "support")


def _overlapping(case: Case, at: dt.datetime, exclude: Admission | None = None) -> Admission | None:
    """A stay of the case that covers the moment (closed ones included)."""
    qs = Admission.objects.filter(case=case).filter(
        Q(discharged_at=None) | Q(discharged_at__gt=at), admitted_at__lte=at
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("facility").first()


def capacity_warnings(facility: Facility, tier: int, support: str) -> list[str]:
    """What the new patient puts over the top (two queries): shown, never refused."""
    today = timezone.localdate()
    figures = capacity.capacities_on([facility.pk], today).get(facility.pk, capacity.NO_FIGURES)
    used = capacity.usage([facility.pk]).get(facility.pk, capacity.Usage())
    warnings = []
    occupied, beds = used.by_tier.get(tier, 0), figures.beds(tier)
    if occupied > beds:
        warnings.append(
            _("%(facility)s now holds %(occupied)s tier %(tier)s patients in %(beds)s beds: over capacity.")
            % {"facility": facility.name, "occupied": occupied, "tier": tier, "beds": beds}
        )
    if support in ICU_SUPPORTS and used.icu > figures["icu_beds"]:
        warnings.append(
            _("%(facility)s now has %(used)s ICU patients for %(beds)s ICU beds.")
            % {"facility": facility.name, "used": used.icu, "beds": figures["icu_beds"]}
        )
    if support == Support.VENTILATOR and used.ventilators > figures["ventilators"]:
        warnings.append(
            _("%(facility)s now has %(used)s ventilated patients for %(count)s ventilators.")
            % {"facility": facility.name, "used": used.ventilators, "count": figures["ventilators"]}
        )
    return warnings


# --- the three moves -----------------------------------------------------------------------------------------------


def admit(
    case: Case,
    facility: Facility,
    tier: int,
    admitted_at: dt.datetime,
    support: str = Support.NONE,
    note: str = "",
    organization=None,
    discharged_at: dt.datetime | None = None,
    discharge_reason: str = "",
) -> Outcome:
    """Open a stay (or record a past, closed one when `discharged_at` is given, as a bulk upload does)."""
    check_case(case)
    _check_moment(admitted_at, "admitted_at")
    _check_place(facility, tier, support)
    if discharged_at is not None:
        _check_discharge(admitted_at, discharged_at, discharge_reason)
    with transaction.atomic():
        # the case row lock makes two admissions of one case at once wait for each other
        Case.objects.select_for_update().filter(pk=case.pk).first()
        current = _overlapping(case, admitted_at)
        if current is None and discharged_at is None:
            current = (
                Admission.objects.filter(case=case, discharged_at=None).select_related("facility").first()
            )
        if current is not None:
            raise AdmissionError(
                _(
                    "%(person)s is already in %(facility)s since %(since)s: transfer or discharge that stay first."
                )
                % {
                    "person": case.person.full_name,
                    "facility": current.facility.name,
                    "since": _local(current.admitted_at),
                },
                "admitted_at",
            )
        later = Admission.objects.filter(case=case, admitted_at__gte=admitted_at)
        if discharged_at is not None:
            later = later.filter(admitted_at__lt=discharged_at)
        later = later.select_related("facility").order_by("admitted_at").first()
        if later is not None:
            raise AdmissionError(
                _("this stay overlaps the stay in %(facility)s from %(since)s")
                % {"facility": later.facility.name, "since": _local(later.admitted_at)},
                "discharged_at" if discharged_at is not None else "admitted_at",
            )
        try:
            with transaction.atomic():
                admission = Admission.objects.create(
                    case=case,
                    facility=facility,
                    tier=tier,
                    support=support,
                    admitted_at=admitted_at,
                    discharged_at=discharged_at,
                    discharge_reason=discharge_reason if discharged_at else "",
                    note=note,
                    recorded_by=organization,
                    province_code=facility.province_code,
                )
        except IntegrityError:  # another request admitted the case meanwhile
            raise AdmissionError(
                _("%(person)s was just admitted elsewhere.") % {"person": case.person.full_name}
            ) from None
        if discharged_at is not None:
            _close_case(case, discharge_reason, discharged_at)
    warnings = [] if discharged_at is not None else capacity_warnings(facility, tier, support)
    return Outcome(admission, warnings)


def transfer(
    admission: Admission,
    facility: Facility,
    tier: int,
    at: dt.datetime,
    support: str = Support.NONE,
    note: str = "",
    organization=None,
) -> Outcome:
    """Close the stay and open the next one at `facility` (a move to another tier of the same facility too)."""
    _check_moment(at, "at")
    _check_place(facility, tier, support)
    with transaction.atomic():
        admission = (
            Admission.objects.select_for_update()
            .select_related("case__person", "facility")
            .get(pk=admission.pk)
        )
        if not admission.is_open:
            raise AdmissionError(
                _("this stay ended on %(when)s: nothing to transfer")
                % {"when": _local(admission.discharged_at)}
            )
        if at < admission.admitted_at:
            raise AdmissionError(
                _("the transfer (%(at)s) is before the admission (%(admitted)s)")
                % {"at": _local(at), "admitted": _local(admission.admitted_at)},
                "at",
            )
        if facility.pk == admission.facility_id and tier == admission.tier:
            raise AdmissionError(
                _("the patient is already in tier %(tier)s of %(facility)s")
                % {"tier": tier, "facility": facility.name},
                "facility",
            )
        check_case(admission.case)
        admission.discharged_at = at
        admission.discharge_reason = DischargeReason.TRANSFERRED
        admission.save(update_fields=["discharged_at", "discharge_reason", "modified_at"])
        following = Admission.objects.create(
            case=admission.case,
            facility=facility,
            tier=tier,
            support=support,
            admitted_at=at,
            note=note,
            recorded_by=organization,
            province_code=facility.province_code,
        )
        admission.transferred_to = following
        admission.save(update_fields=["transferred_to", "modified_at"])
    return Outcome(following, capacity_warnings(facility, tier, support))


def _check_discharge(admitted_at: dt.datetime, at: dt.datetime, reason: str) -> None:
    if reason not in DischargeReason.values or not reason:
        raise AdmissionError(_("a discharge reason is required"), "discharge_reason")
    if reason == DischargeReason.TRANSFERRED:
        raise AdmissionError(
            _("a transfer names where the patient goes: use the transfer form"), "discharge_reason"
        )
    _check_moment(at, "discharged_at")
    if at < admitted_at:
        raise AdmissionError(
            _("the discharge (%(at)s) is before the admission (%(admitted)s)")
            % {"at": _local(at), "admitted": _local(admitted_at)},
            "discharged_at",
        )


def discharge(admission: Admission, at: dt.datetime, reason: str, note: str = "") -> Outcome:
    """Close the stay. A patient who recovered or died closes an active case with that outcome too."""
    with transaction.atomic():
        admission = (
            Admission.objects.select_for_update()
            .select_related("case__person", "facility")
            .get(pk=admission.pk)
        )
        if not admission.is_open:
            raise AdmissionError(
                _("this stay already ended on %(when)s") % {"when": _local(admission.discharged_at)}
            )
        _check_discharge(admission.admitted_at, at, reason)
        admission.discharged_at = at
        admission.discharge_reason = reason
        fields = ["discharged_at", "discharge_reason", "modified_at"]
        if note:
            admission.note = note
            fields.append("note")
        admission.save(update_fields=fields)
        _close_case(admission.case, reason, at)
    return Outcome(admission)


def _close_case(case: Case, reason: str, at: dt.datetime) -> None:
    """The discharge tells how an active case ended: recovered or died (the case's outcome, audited)."""
    outcome = {DischargeReason.RECOVERED: CaseOutcome.RECOVERED, DischargeReason.DIED: CaseOutcome.DIED}.get(
        reason
    )
    if outcome is None:
        return
    case = Case.objects.get(pk=case.pk)
    if case.outcome != CaseOutcome.ACTIVE:
        return
    case.outcome = outcome
    case.outcome_date = timezone.localtime(at).date()
    case.save(update_fields=["outcome", "outcome_date", "modified_at"])


def change_support(admission: Admission, support: str) -> Outcome:
    """The patient now needs oxygen, an ICU bed or a ventilator (or no longer does)."""
    with transaction.atomic():
        admission = Admission.objects.select_for_update().select_related("facility").get(pk=admission.pk)
        if not admission.is_open:
            raise AdmissionError(_("this stay has ended"))
        _check_place(admission.facility, admission.tier, support)
        if admission.support == support:
            return Outcome(admission)
        admission.support = support
        admission.save(update_fields=["support", "modified_at"])
    return Outcome(admission, capacity_warnings(admission.facility, admission.tier, support))
