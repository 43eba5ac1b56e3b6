"""The `admissions` import (`epiwatch import admissions nhap-vien.csv --org bl-bvdk`): one row per stay.

The case is named by its id or by the person's national ID (their confirmed or suspected case); a person who is
not a case is refused. A row for a case already in another bed from an earlier time is a transfer (that stay is
closed and linked); with `discharged_at` the stay is closed (a discharge before the admission is refused). The
same stay again (case, facility, admission time) is a duplicate, or records its discharge. A tier over its beds
is admitted: the upload page lists the facilities over capacity afterwards.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts.models import AREA_KINDS
from epiwatch.care import admissions as moves
from epiwatch.care.models import (
    Admission,
    DischargeReason,
    Facility,
    Support,
)
from epiwatch.cases.models import Case, CaseOutcome
from epiwatch.lib import dates, importing, natid
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec

SUPPORTS = {
    **{k: k for k in Support.values},
    "": Support.NONE,
    "giường": Support.NONE,
    "oxy": Support.OXYGEN,
    "thở oxy": Support.OXYGEN,
    "hồi sức": Support.ICU,
    "hồi sức tích cực": Support.ICU,
    "thở máy": Support.VENTILATOR,
    "máy thở": Support.VENTILATOR,
}
REASONS = {
    **{k: k for k in DischargeReason.values if k},
    "khỏi bệnh": DischargeReason.RECOVERED,
    "ra viện": DischargeReason.RECOVERED,
    "chuyển chăm sóc tại nhà": DischargeReason.HOME_CARE,
    "điều trị tại nhà": DischargeReason.HOME_CARE,
    "chuyển viện": DischargeReason.TRANSFERRED,
    "tử vong": DischargeReason.DIED,
    "tự ý rời": DischargeReason.LEFT,
    "trốn viện": DischargeReason.LEFT,
    "khác": DischargeReason.OTHER,
}


@importing.register
class AdmissionImporter(Importer):
    kind = "admissions"
    label = gettext_lazy("Admissions, transfers and discharges")
    batch_size = 500
    columns = Spec(
        "admissions",
        [
            Column("case_id", "Mã ca bệnh", ("Mã F0", "case")),
            Column(
                "national_id",
                "Số CCCD/CMND",
                ("CCCD", "CMND", "Số CCCD", "Số CMND", "CCCD/CMND", "Số định danh"),
            ),
            Column("facility_code", "Mã cơ sở", ("Mã cơ sở điều trị", "Cơ sở điều trị"), required=True),
            Column("tier", "Tầng", ("Tầng điều trị",), required=True),
            Column("admitted_at", "Thời điểm nhập viện", ("Ngày nhập viện", "Nhập viện"), required=True),
            Column("support", "Hỗ trợ", ("Hỗ trợ hô hấp", "Oxy/thở máy")),
            Column("discharged_at", "Thời điểm ra viện", ("Ngày ra viện", "Ra viện")),
            Column("discharge_reason", "Lý do ra viện", ("Kết quả điều trị",)),
            Column("note", "Ghi chú", ()),
        ],
    )

    def check_context(self, context: Context) -> None:
        org = context.organization
        if org is None:
            raise ImportRefused(_("Admissions are recorded for an organization."))
        runs = Facility.objects.filter(organization=org).exists()
        if org.kind not in AREA_KINDS and not runs:
            raise ImportRefused(
                _(
                    "%(org)s runs no treatment facility and is no health department or centre: it records no admissions."
                )
                % {"org": org}
            )

    def prepare(self, context: Context) -> None:
        self.now = timezone.now()
        self.facilities: dict[str, Facility | None] = {}
        self.touched: set[int] = set()

    def _facility(self, row: Row, context: Context) -> Facility:
        code = row.values.get("facility_code", "").strip().lower()
        if code not in self.facilities:
            self.facilities[code] = Facility.objects.filter(code=code).select_related("area").first()
        facility = self.facilities[code]
        if facility is None:
            raise RowError("facility_code", _("unknown facility code '%(code)s'") % {"code": code})
        org = context.organization
        ours = facility.organization_id == org.pk or (
            org.kind in AREA_KINDS and facility.area.is_within(org.area)
        )
        if not ours:
            raise RowError(
                "facility_code",
                _("%(facility)s is not a facility of %(org)s") % {"facility": facility.name, "org": org.name},
            )
        return facility

    def _case(self, row: Row, context: Context, facility: Facility) -> Case:
        raw_id = row.values.get("case_id", "").strip()
        raw_nid = row.values.get("national_id", "").strip()
        cases = Case.objects.select_related("person", "area")
        if raw_id:
            try:
                case = cases.filter(public_id=uuid.UUID(raw_id)).first()
            except ValueError:
                raise RowError("case_id", _("'%(value)s' is not a case id") % {"value": raw_id}) from None
            if case is None:
                raise RowError("case_id", _("no case with the id %(value)s") % {"value": raw_id})
        elif raw_nid:
            try:
                number = natid.parse(raw_nid).number
            except natid.NationalIdError as exc:
                raise RowError("national_id", str(exc)) from None
            case = (
                cases.filter(person__national_id=number)
                .filter(Q(classification__in=moves.ADMISSIBLE))
                .exclude(outcome=CaseOutcome.DIED)
                .order_by("-report_date", "-pk")
                .first()
            )
            if case is None:
                raise RowError(
                    "national_id",
                    _(
                        "%(value)s is not a case: nobody with this national ID has a confirmed or suspected case"
                    )
                    % {"value": raw_nid},
                )
        else:
            raise RowError("case_id", _("give the case id or the national ID"))
        province = case.province_code or case.area.province_code
        scope = context.scope
        org = context.organization
        reachable = (scope is None or scope.full or scope.covers_area(case.area, write=True)) and (
            org.kind not in AREA_KINDS or case.area.is_within(org.area)
        )
        if not reachable and facility.organization_id == org.pk and facility.province_code == province:
            reachable = True  # a hospital receives patients from the whole province
        if not reachable:
            raise RowError("case_id" if raw_id else "national_id", _("this case is not one you may admit"))
        try:
            moves.check_case(case)
        except moves.AdmissionError as exc:
            raise RowError("case_id" if raw_id else "national_id", exc.message) from None
        return case

    def _moment(self, row: Row, column: str, required: bool):
        raw = row.values.get(column, "")
        try:
            value = dates.parse_datetime(raw)
        except dates.DateError as exc:
            raise RowError(column, str(exc)) from None
        if value is None and required:
            raise RowError(column, _("a value is required"))
        if value is not None and value > self.now + moves.CLOCK_SKEW:
            raise RowError(column, _("'%(value)s' is in the future") % {"value": raw})
        return value

    def validate_row(self, row: Row, context: Context) -> dict:
        facility = self._facility(row, context)
        case = self._case(row, context, facility)
        raw_tier = row.values.get("tier", "").lower().replace("tầng", "").replace("tier", "").strip()
        if raw_tier not in ("1", "2", "3"):
            raise RowError(
                "tier", _("'%(value)s' is not a tier (1, 2 or 3)") % {"value": row.values.get("tier", "")}
            )
        tier = int(raw_tier)
        if not facility.serves(tier):
            raise RowError(
                "tier",
                _("%(facility)s does not serve tier %(tier)s") % {"facility": facility.name, "tier": tier},
            )
        support = importing.choice(row, "support", SUPPORTS, default=Support.NONE)
        if support in (Support.ICU, Support.VENTILATOR) and tier != 3:
            raise RowError("support", _("ICU beds and ventilators are tier 3"))
        admitted_at = self._moment(row, "admitted_at", required=True)
        discharged_at = self._moment(row, "discharged_at", required=False)
        reason = importing.choice(row, "discharge_reason", REASONS, default="")
        if discharged_at is not None:
            if discharged_at < admitted_at:
                raise RowError(
                    "discharged_at",
                    _("the discharge (%(out)s) is before the admission (%(in)s)")
                    % {"out": row.values.get("discharged_at"), "in": row.values.get("admitted_at")},
                )
            if not reason:
                raise RowError("discharge_reason", _("a discharge needs its reason"))
            if reason == DischargeReason.TRANSFERRED:
                raise RowError(
                    "discharge_reason",
                    _(
                        "a transfer is the next stay's row (the case at the other facility): leave this stay open"
                    ),
                )
        elif reason:
            raise RowError("discharged_at", _("a discharge reason without the discharge time"))
        return {
            "case": case,
            "facility": facility,
            "tier": tier,
            "support": support,
            "admitted_at": admitted_at,
            "discharged_at": discharged_at,
            "reason": reason,
            "note": importing.text(row, "note", max_length=300),
        }

    def key(self, data: dict):
        return (data["case"].pk, data["admitted_at"])

    def fingerprint(self, data: dict):
        return repr(
            (data["facility"].pk, data["tier"], data["support"], data["discharged_at"], data["reason"])
        )

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("the same case admitted at the same time as row %(row)s, but with other details") % {
            "row": first_row
        }

    def _store_one(self, data: dict, context: Context) -> bool:
        """Store one row; True when something changed, False for a duplicate. AdmissionError when refused."""
        case, facility = data["case"], data["facility"]
        same = (
            Admission.objects.filter(case=case, admitted_at=data["admitted_at"])
            .select_related("facility")
            .first()
        )
        if same is not None:
            if same.facility_id != facility.pk or same.tier != data["tier"]:
                raise moves.AdmissionError(
                    _("the case was admitted at this time to %(facility)s, tier %(tier)s")
                    % {"facility": same.facility.name, "tier": same.tier},
                    "facility_code",
                )
            if data["discharged_at"] is None or not same.is_open:
                if same.discharged_at is not None and data["discharged_at"] not in (None, same.discharged_at):
                    raise moves.AdmissionError(_("this stay already ended at another time"), "discharged_at")
                return False
            moves.discharge(same, data["discharged_at"], data["reason"], data["note"])
            return True
        current = Admission.objects.filter(case=case, discharged_at=None).first()
        if current is not None and current.admitted_at < data["admitted_at"]:
            outcome = moves.transfer(
                current,
                facility,
                data["tier"],
                data["admitted_at"],
                data["support"],
                data["note"],
                context.organization,
            )
            if data["discharged_at"] is not None:
                moves.discharge(outcome.admission, data["discharged_at"], data["reason"])
            return True
        moves.admit(
            case,
            facility,
            data["tier"],
            data["admitted_at"],
            data["support"],
            data["note"],
            context.organization,
            discharged_at=data["discharged_at"],
            discharge_reason=data["reason"],
        )
        return True

    def store(self, batch: list[Valid], context: Context) -> Stored:
        outcome = Stored()
        for item in batch:
            try:
                with transaction.atomic():
                    changed = self._store_one(item.data, context)
            except moves.AdmissionError as exc:
                column = {"at": "admitted_at", "case": "case_id", "facility": "facility_code"}.get(
                    exc.field or "", exc.field
                )
                outcome.errors.append(RowError(column, exc.message, item.row.number))
                continue
            self.touched.add(item.data["facility"].pk)
            if changed:
                outcome.accepted += 1
            else:
                outcome.duplicates += 1
        return outcome

    @classmethod
    def template_rows(cls):
        return [
            ["", "095201000123", "bl-bvdk", "3", "04/11/2021 08:30", "thở máy", "", "", ""],
            [
                "",
                "095198000456",
                "bl-bvdc-1",
                "1",
                "01/11/2021 14:00",
                "",
                "04/11/2021 09:00",
                "khỏi bệnh",
                "",
            ],
        ]
