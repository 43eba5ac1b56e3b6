"""The `facilities` import (`epiwatch import facilities co-so.xlsx --org bl-soyte`): one row per facility and
capacity date.

The facility is created or updated by its code; when `effective_from` is given the row's figures are the
facility's capacity from that day (the same day again replaces them). A negative figure, more intensive-care
doctors than doctors, more ICU beds than tier 3 beds or beds in a tier the facility does not serve are refused
with the column. Importing the same file again changes nothing and counts the rows as duplicates.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts.models import AREA_KINDS, Organization
from epiwatch.care.models import (
    FIGURES,
    CapacityChange,
    Facility,
    FacilityKind,
    Site,
    check_figures,
)
from epiwatch.geo.models import Area
from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec

KINDS = {
    **{k: k for k in FacilityKind.values},
    "bệnh viện": FacilityKind.HOSPITAL,
    "bv": FacilityKind.HOSPITAL,
    "bệnh viện dã chiến": FacilityKind.FIELD_HOSPITAL,
    "bvdc": FacilityKind.FIELD_HOSPITAL,
    "cơ sở thu dung điều trị": FacilityKind.FIELD_HOSPITAL,
    "trạm y tế": FacilityKind.COMMUNE_STATION,
    "tyt": FacilityKind.COMMUNE_STATION,
    "tổ chăm sóc tại nhà": FacilityKind.HOME_CARE_TEAM,
    "tổ chăm sóc f0 tại nhà": FacilityKind.HOME_CARE_TEAM,
    "khu cách ly": FacilityKind.QUARANTINE_FACILITY,
    "khu cách ly tập trung": FacilityKind.QUARANTINE_FACILITY,
}
SITES = {
    **{k: k for k in Site.values if k},
    "own": Site.OWN,
    "trường học": Site.SCHOOL,
    "ký túc xá": Site.DORMITORY,
    "khác": Site.OTHER,
}
YES_NO = {
    "yes": True,
    "có": True,
    "x": True,
    "1": True,
    "true": True,
    "no": False,
    "không": False,
    "0": False,
    "false": False,
}
FIGURE_COLUMNS = {
    "beds_tier_1": ("Giường tầng 1", ("Tầng 1",)),
    "beds_tier_2": ("Giường tầng 2", ("Tầng 2",)),
    "beds_tier_3": ("Giường tầng 3", ("Tầng 3",)),
    "icu_beds": ("Giường hồi sức tích cực", ("Giường ICU", "ICU")),
    "ventilators": ("Máy thở", ()),
    "oxygen_points": ("Điểm cung cấp oxy", ("Oxy",)),
    "doctors": ("Bác sĩ", ()),
    "icu_doctors": ("Bác sĩ hồi sức", ("Bác sĩ hồi sức cấp cứu", "Bác sĩ ICU")),
    "nurses": ("Điều dưỡng", ()),
}


def parse_tiers(text: str) -> tuple[int, ...]:
    """'1,2', '1-3', 'tầng 2 và 3', '2' -> the tiers; ValueError when it names none or another number."""
    cleaned = text.lower().replace("tầng", " ").replace("tier", " ").replace("và", ",").replace("and", ",")
    tiers: set[int] = set()
    for part in cleaned.replace(";", ",").replace("+", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, _sep, high = part.partition("-")
            if not (low.strip().isdigit() and high.strip().isdigit()):
                raise ValueError(text)
            tiers.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            tiers.add(int(part))
        else:
            raise ValueError(text)
    if not tiers or not tiers <= {1, 2, 3}:
        raise ValueError(text)
    return tuple(sorted(tiers))


def _flag(row: Row, column: str) -> bool | None:
    return importing.choice(row, column, YES_NO, default=None)


@importing.register
class FacilityImporter(Importer):
    kind = "facilities"
    label = gettext_lazy("Treatment facilities and capacity")
    batch_size = 200
    columns = Spec(
        "facilities",
        [
            Column("facility_code", "Mã cơ sở", ("Mã cơ sở điều trị", "code"), required=True),
            Column("name", "Tên cơ sở", ("Tên cơ sở điều trị", "Tên"), required=True),
            Column("kind", "Loại cơ sở", ("Loại",), required=True),
            Column("area_code", "Mã địa bàn", ("Mã xã", "Mã huyện", "Mã đơn vị hành chính"), required=True),
            Column("tiers", "Tầng điều trị", ("Tầng",), required=True),
            Column("organization_code", "Mã đơn vị quản lý", ("Đơn vị quản lý",)),
            Column("designated", "Bệnh viện chỉ định ca nặng", ("Chỉ định ca nặng",)),
            Column("site", "Cơ sở trưng dụng", ("Trưng dụng",)),
            Column("address", "Địa chỉ", ()),
            Column("effective_from", "Áp dụng từ ngày", ("Từ ngày", "Ngày áp dụng")),
            *[Column(name, vi, aliases) for name, (vi, aliases) in FIGURE_COLUMNS.items()],
            Column("mobile_station", "Trạm y tế lưu động", ("Có trạm lưu động",)),
            Column("home_care_plan", "Phương án chăm sóc tại nhà", ("Chăm sóc tại nhà",)),
            Column("note", "Ghi chú", ()),
        ],
    )

    def check_context(self, context: Context) -> None:
        org = context.organization
        if org is None or org.kind not in AREA_KINDS:
            raise ImportRefused(
                _(
                    "Facilities are recorded by a health department, CDC or district centre; %(org)s is not one."
                )
                % {"org": org or _("no organization")}
            )

    def prepare(self, context: Context) -> None:
        self.today = timezone.localdate()
        self.dataset = context.organization.area.dataset
        self.areas: dict[str, Area | None] = {}
        self.orgs: dict[str, Organization | None] = {}

    def _area(self, row: Row, context: Context) -> Area:
        code = row.values.get("area_code", "").replace(" ", "")
        if code not in self.areas:
            self.areas[code] = Area.objects.filter(dataset=self.dataset, code=code).first()
        area = self.areas[code]
        if area is None:
            raise RowError(
                "area_code",
                _("unknown area code '%(code)s' in dataset %(dataset)s")
                % {"code": code, "dataset": self.dataset},
            )
        org_area = context.organization.area
        outside = not area.is_within(org_area)
        if context.scope is not None and not context.scope.full:
            outside = outside or not context.scope.covers_area(area, write=True)
        if outside:
            raise RowError("area_code", _("%(name)s is outside your area") % {"name": area.name})
        return area

    def _organization(self, row: Row) -> Organization | None:
        code = row.values.get("organization_code", "").strip()
        if not code:
            return None
        if code not in self.orgs:
            self.orgs[code] = Organization.objects.filter(code=code, is_active=True).first()
        if self.orgs[code] is None:
            raise RowError("organization_code", _("unknown organization code '%(code)s'") % {"code": code})
        return self.orgs[code]

    def validate_row(self, row: Row, context: Context) -> dict:
        code = importing.text(row, "facility_code", required=True, max_length=40).lower()
        if not all(c.isalnum() or c in "-_" for c in code):
            raise RowError(
                "facility_code", _("'%(code)s': a code has only letters, digits and dashes") % {"code": code}
            )
        raw_tiers = importing.text(row, "tiers", required=True)
        try:
            tiers = parse_tiers(raw_tiers)
        except ValueError:
            raise RowError(
                "tiers", _("'%(value)s' is not a list of tiers 1 to 3 (e.g. 1,2)") % {"value": raw_tiers}
            ) from None
        data = {
            "code": code,
            "name": importing.text(row, "name", required=True, max_length=200),
            "kind": importing.choice(row, "kind", KINDS, required=True),
            "area": self._area(row, context),
            "tiers": tiers,
            "organization": self._organization(row),
            "designated": bool(_flag(row, "designated")),
            "site": importing.choice(row, "site", SITES, default=Site.OWN),
            "address": importing.text(row, "address", max_length=300),
            "effective_from": importing.date(row, "effective_from"),
            "figures": {},
        }
        if data["designated"] and 3 not in tiers:
            raise RowError(
                "designated", _("only a facility that serves tier 3 can be the designated hospital")
            )
        figures = {name: importing.whole_number(row, name, required=False, minimum=0) for name in FIGURES}
        given = {k: v for k, v in figures.items() if v is not None}
        mobile, plan = _flag(row, "mobile_station"), _flag(row, "home_care_plan")
        if data["effective_from"] is None:
            if given or mobile is not None or plan is not None:
                column = next(iter(given), "mobile_station" if mobile is not None else "home_care_plan")
                raise RowError(
                    "effective_from",
                    _("capacity figures need the day they apply from (column %(column)s is filled)")
                    % {"column": column},
                )
            return data
        figures = {k: v or 0 for k, v in figures.items()}
        served = Facility(
            serves_tier_1=1 in tiers, serves_tier_2=2 in tiers, serves_tier_3=3 in tiers, name=data["name"]
        )
        problems = check_figures(figures, served)
        if problems:
            column, message = next(iter(problems.items()))
            raise RowError(column, message)
        data["figures"] = figures
        data["mobile_station"] = bool(mobile)
        data["home_care_plan"] = bool(plan)
        data["note"] = importing.text(row, "note", max_length=300)
        return data

    def key(self, data: dict):
        return (data["code"], data["effective_from"])

    def fingerprint(self, data: dict):
        return repr(sorted((k, str(v)) for k, v in data.items()))

    def store(self, batch: list[Valid], context: Context) -> Stored:
        outcome = Stored()
        existing = {
            f.code: f
            for f in Facility.objects.filter(code__in={v.data["code"] for v in batch}).select_related("area")
        }
        for item in batch:
            data = item.data
            facility = existing.get(data["code"])
            values = {
                "name": data["name"],
                "kind": data["kind"],
                "area": data["area"],
                "organization": data["organization"],
                "designated": data["designated"],
                "site": data["site"],
                "address": data["address"],
                **{f"serves_tier_{t}": t in data["tiers"] for t in (1, 2, 3)},
            }
            changed = False
            if facility is None:
                facility = Facility.objects.create(code=data["code"], **values)
                existing[data["code"]] = facility
                changed = True
            else:
                if not (facility.area.is_within(context.organization.area)):
                    outcome.errors.append(
                        RowError(
                            "facility_code",
                            _("%(code)s is a facility of another area") % {"code": data["code"]},
                            item.row.number,
                        )
                    )
                    continue
                differs = {k: v for k, v in values.items() if getattr(facility, k) != v}
                if differs:
                    for k, v in differs.items():
                        setattr(facility, k, v)
                    facility.save()
                    changed = True
            if data["effective_from"] is not None:
                change = CapacityChange.objects.filter(
                    facility=facility, effective_from=data["effective_from"]
                ).first()
                wanted = {
                    **data["figures"],
                    "mobile_station": data["mobile_station"],
                    "home_care_plan": data["home_care_plan"],
                    "note": data["note"],
                }
                if change is None:
                    CapacityChange.objects.create(
                        facility=facility,
                        effective_from=data["effective_from"],
                        recorded_by=context.user,
                        **wanted,
                    )
                    changed = True
                elif any(getattr(change, k) != v for k, v in wanted.items()):
                    for k, v in wanted.items():
                        setattr(change, k, v)
                    change.recorded_by = context.user
                    change.recorded_at = timezone.now()
                    change.save()
                    changed = True
            if changed:
                outcome.accepted += 1
            else:
                outcome.duplicates += 1
        return outcome

    @classmethod
    def template_rows(cls):
        return [
            [
                "bl-bvdc-1",
                "Bệnh viện dã chiến số 1",
                "field_hospital",
                "31825",
                "1,2",
                "bl-bvdc-1",
                "không",
                "school",
                "Đường Nguyễn Tất Thành, khóm 5, phường 1",
                "05/11/2021",
                750,
                50,
                0,
                0,
                0,
                40,
                12,
                0,
                30,
                "",
                "",
                "+400 giường",
            ],
        ]
