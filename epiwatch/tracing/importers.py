"""The `arrivals` import: returnees from other provinces, one row each (`epiwatch import arrivals FILE --org CODE`).

Each row finds or creates the person (the registry's matching, a batch at a time), records the arrival and plans
the returnee's quarantine from the rule set in force (`tracing.arrivals.register`). A row whose origin province is
not one of the 63 is refused with the column and the value; the same person on the same arrival date again is a
duplicate, not a second arrival. The API (`POST /api/v1/arrivals`) validates and stores items through this class.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts.models import AREA_KINDS, Organization, OrgKind
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import importing, natid
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec
from epiwatch.lib.text import normalize_name, normalize_phone
from epiwatch.people import matching
from epiwatch.people.importers import SEXES
from epiwatch.people.models import Sex
from epiwatch.tracing import arrivals
from epiwatch.tracing.models import Arrival, Place

FIRST_BIRTH_YEAR = 1900

PLACES = {
    "home": Place.HOME,
    "tại nhà": Place.HOME,
    "nhà": Place.HOME,
    "centralized": Place.CENTRALIZED,
    "tập trung": Place.CENTRALIZED,
    "cách ly tập trung": Place.CENTRALIZED,
}


@importing.register
class ArrivalImporter(Importer):
    kind = "arrivals"
    label = gettext_lazy("Returnees from other provinces")
    batch_size = 500
    columns = Spec(
        "arrivals",
        [
            Column(
                "national_id",
                "Số CCCD/CMND",
                ("CCCD", "CMND", "Số CCCD", "Số CMND", "CCCD/CMND", "Số định danh"),
            ),
            Column("full_name", "Họ và tên", ("Họ tên", "name"), required=True),
            Column("date_of_birth", "Ngày sinh", ("Năm sinh", "Ngày tháng năm sinh", "dob")),
            Column("sex", "Giới tính", ("Giới", "gender")),
            Column("phone", "Số điện thoại", ("Điện thoại", "SĐT")),
            Column("commune_code", "Mã xã nơi về", ("Mã xã", "Mã phường", "Nơi về (mã xã)"), required=True),
            Column("address", "Địa chỉ nơi về", ("Địa chỉ", "Nơi ở")),
            Column(
                "origin_province", "Về từ tỉnh", ("Tỉnh đi", "Nơi đi", "Từ tỉnh", "origin"), required=True
            ),
            Column("origin_level", "Cấp độ dịch nơi đi", ("Cấp độ", "level")),
            Column("arrival_date", "Ngày về", ("Ngày đến", "arrival"), required=True),
            Column("doses", "Số mũi đã tiêm", ("Số mũi", "Số liều")),
            Column("fully_vaccinated_on", "Ngày tiêm đủ liều", ("Ngày tiêm mũi cuối", "Tiêm đủ liều ngày")),
            Column("recovered_on", "Ngày khỏi bệnh", ("Khỏi bệnh ngày",)),
            Column("place", "Hình thức cách ly", ("Nơi cách ly",)),
            Column("facility_code", "Mã cơ sở cách ly", ("Cơ sở cách ly",)),
            Column("external_id", "Mã hồ sơ", ("Mã khai báo", "ID")),
        ],
    )

    def check_context(self, context: Context) -> None:
        org = context.organization
        if org is None or org.kind not in AREA_KINDS:
            raise ImportRefused(
                _(
                    "Returnees are recorded by a health department, CDC, district centre or commune station; %(org)s is not one."
                )
                % {"org": org or _("no organization")}
            )

    def prepare(self, context: Context) -> None:
        self.today = timezone.localdate()
        self.dataset = context.organization.area.dataset
        self.areas: dict[str, Area | None] = {}
        self.facilities: dict[str, Organization | None] = {}

    # --- validation

    def _birth(self, row: Row) -> tuple:
        raw = row.values.get("date_of_birth", "").strip()
        if raw.isdigit() and len(raw) == 4:
            year, day = int(raw), None
        else:
            day = importing.date(row, "date_of_birth", not_after=self.today)
            year = day.year if day else None
        if year is not None and not FIRST_BIRTH_YEAR <= year <= self.today.year:
            raise RowError("date_of_birth", _("%(value)s is not a plausible year of birth") % {"value": raw})
        return day, year

    def _residence(self, row: Row, context: Context) -> Area:
        code = row.values.get("commune_code", "").replace(" ", "")
        if code not in self.areas:
            self.areas[code] = Area.objects.filter(
                dataset=self.dataset, code=code, kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE)
            ).first()
        area = self.areas[code]
        if area is None:
            raise RowError(
                "commune_code",
                _("unknown commune code '%(code)s' in dataset %(dataset)s")
                % {"code": code, "dataset": self.dataset},
            )
        if context.scope is not None and not context.scope.covers_area(area, write=True):
            raise RowError("commune_code", _("commune %(name)s is outside your area") % {"name": area.name})
        return area

    def _facility(self, row: Row):
        code = row.values.get("facility_code", "").strip()
        if not code:
            return None
        if code not in self.facilities:
            self.facilities[code] = Organization.objects.filter(
                code=code, kind=OrgKind.QUARANTINE_FACILITY
            ).first()
        if self.facilities[code] is None:
            raise RowError(
                "facility_code", _("'%(code)s' is not the code of a quarantine facility") % {"code": code}
            )
        return self.facilities[code]

    def validate_row(self, row: Row, context: Context) -> dict:
        full_name = importing.text(row, "full_name", required=True, max_length=200)
        day, year = self._birth(row)
        sex = importing.choice(row, "sex", SEXES, default=Sex.UNKNOWN)
        national_id = None
        if row.values.get("national_id", "").strip():
            try:
                national_id = natid.parse(row.values["national_id"], today=self.today).number
            except natid.NationalIdError as exc:
                raise RowError("national_id", str(exc)) from None
        elif year is None:
            raise RowError(
                "date_of_birth", _("a person without a national ID needs a date (or year) of birth")
            )
        raw_phone = row.values.get("phone", "").strip()
        phone = normalize_phone(raw_phone)
        if raw_phone and not phone:
            raise RowError("phone", _("'%(value)s' is not a Vietnamese phone number") % {"value": raw_phone})
        origin_text = importing.text(row, "origin_province", required=True)
        origin = arrivals.find_province(origin_text)
        if origin is None:
            raise RowError(
                "origin_province",
                _(
                    "unknown province '%(value)s': give the GSO code (e.g. 79) or the name of one of the 63 provinces"
                )
                % {"value": origin_text},
            )
        residence = self._residence(row, context)
        if residence.province_code == origin[0]:
            raise RowError(
                "origin_province",
                _("%(name)s is the province they live in, not another one") % {"name": origin[1]},
            )
        arrival_date = importing.date(row, "arrival_date", required=True, not_after=self.today)
        fully = importing.date(row, "fully_vaccinated_on", not_after=self.today)
        recovered = importing.date(row, "recovered_on", not_after=self.today)
        place = importing.choice(row, "place", PLACES, default=None)
        facility = self._facility(row)
        if place == Place.CENTRALIZED and facility is None:
            raise RowError("facility_code", _("a centralized quarantine needs the facility's code"))
        return {
            "national_id": national_id,
            "full_name": full_name,
            "name_norm": normalize_name(full_name),
            "date_of_birth": day,
            "birth_year": year,
            "sex": sex,
            "phone": phone,
            "residence": residence,
            "address": importing.text(row, "address", max_length=300),
            "origin": origin[0],
            "origin_level": importing.whole_number(row, "origin_level", required=False, minimum=1, maximum=4),
            "arrival_date": arrival_date,
            "doses": importing.whole_number(row, "doses", required=False, minimum=0, maximum=9) or 0,
            "fully_vaccinated_on": fully,
            "recovered_on": recovered,
            "place": place,
            "facility": facility,
            "external_id": importing.text(row, "external_id", max_length=64),
        }

    def key(self, data: dict):
        who = (
            ("id", data["national_id"])
            if data["national_id"]
            else ("name", data["name_norm"], data["date_of_birth"] or data["birth_year"])
        )
        return (*who, data["arrival_date"])

    def fingerprint(self, data: dict):
        return repr([(k, str(v)) for k, v in sorted(data.items()) if k != "full_name"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("the same arrival as row %(row)s, but with different details") % {"row": first_row}

    # --- storing

    def _recorded(self, batch: list[Valid], submitter) -> dict[int, Arrival]:
        """Rows that are an arrival already recorded: the same external id of this submitter, or the same name,
        birth, commune and arrival date. Without this, a row without national ID or phone sent twice would be
        recorded twice: the registry never takes name and birth alone for a certain match."""
        external = {v.data["external_id"] for v in batch if v.data["external_id"]}
        by_external = {
            a.external_id: a
            for a in Arrival.objects.filter(submitter=submitter, external_id__in=external).select_related(
                "person"
            )
        }
        candidates = Arrival.objects.filter(
            arrival_date__in={v.data["arrival_date"] for v in batch},
            person__name_norm__in={v.data["name_norm"] for v in batch},
        ).select_related("person")
        by_name = {}
        for arrival in candidates:
            p = arrival.person
            by_name[(p.name_norm, p.birth_year, p.residence_id, arrival.arrival_date)] = arrival
        found = {}
        for item in batch:
            data = item.data
            arrival = by_external.get(data["external_id"]) if data["external_id"] else None
            if arrival is None:
                arrival = by_name.get(
                    (data["name_norm"], data["birth_year"], data["residence"].pk, data["arrival_date"])
                )
            if arrival is not None:
                found[item.row.number] = arrival
        return found

    def store(self, batch: list[Valid], context: Context) -> Stored:
        outcome = Stored()
        for item in batch:  # a batch retried after a rollback starts afresh
            item.__dict__.pop("registered", None)
        for number, arrival in self._recorded(batch, context.organization).items():
            item = next(v for v in batch if v.row.number == number)
            if (
                arrival.arrival_date != item.data["arrival_date"]
                or arrival.person.name_norm != item.data["name_norm"]
            ):
                outcome.errors.append(
                    RowError(
                        "external_id",
                        _("external id %(id)s was already used for another arrival (%(day)s)")
                        % {"id": item.data["external_id"], "day": arrival.arrival_date.strftime("%d/%m/%Y")},
                        number,
                    )
                )
            else:
                item.registered = arrivals.Registered(arrival, False)
                outcome.duplicates += 1
        done = {e.row for e in outcome.errors} | {v.row.number for v in batch if hasattr(v, "registered")}
        batch = [v for v in batch if v.row.number not in done]
        if not batch:
            return outcome
        people = [
            {
                k: v.data[k]
                for k in (
                    "national_id",
                    "full_name",
                    "date_of_birth",
                    "birth_year",
                    "sex",
                    "phone",
                    "residence",
                    "address",
                )
            }
            for v in batch
        ]
        matches = matching.match_many(people, organization=context.organization)
        for item, match in zip(batch, matches, strict=True):
            if match.conflicts:
                outcome.errors.append(
                    RowError("national_id", "; ".join(match.conflict_messages()), item.row.number)
                )
                continue
            data = item.data
            try:
                registered = arrivals.register(
                    match.person,
                    origin=data["origin"],
                    arrival_date=data["arrival_date"],
                    submitter=context.organization,
                    origin_level=data["origin_level"],
                    doses=data["doses"],
                    fully_vaccinated_on=data["fully_vaccinated_on"],
                    recovered_on=data["recovered_on"],
                    place=data["place"],
                    facility=data["facility"],
                    external_id=data["external_id"],
                    today=self.today,
                )
            except arrivals.ArrivalError as error:
                outcome.errors.append(RowError(error.field, error.message, item.row.number))
                continue
            item.registered = registered  # the API answers each item with it
            if registered.created:
                outcome.accepted += 1
            else:
                outcome.duplicates += 1
        return outcome

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            [
                "095090001234",
                "Nguyễn Văn An",
                "15/03/1990",
                "Nam",
                "0912345678",
                "31816",
                "Khóm 2, Phường 8",
                "79",
                "4",
                "02/11/2021",
                "2",
                "01/10/2021",
                "",
                "tại nhà",
                "",
                "HS-0001",
            ],
            [
                "",
                "Trần Thị Bích",
                "1985",
                "Nữ",
                "0987654321",
                "31813",
                "",
                "Bình Dương",
                "4",
                "03/11/2021",
                "0",
                "",
                "",
                "",
                "",
                "",
            ],
        ]
