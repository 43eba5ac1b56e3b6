"""The roster import: the students, workers or staff of a school, enterprise or public unit.

Each row finds or creates the Person (the registry's matching, `matching.match_many`, a batch at a time) and puts
them on the importing organization's roster. A person already on that roster with the same name and birth is
that person even without a national ID or phone (the registry alone could not tell), so re-importing the same
roster adds nobody. A row whose national ID belongs to a registered person with another birth date, sex or name
is refused: which of the two is right is for the organization to check, not for the import to guess.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, OrgKind
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import importing, natid
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec
from epiwatch.lib.text import normalize_name, normalize_phone
from epiwatch.people import matching
from epiwatch.people.access_rules import can_write_roster
from epiwatch.people.models import Person, RosterEntry, Sex

FIRST_BIRTH_YEAR = 1900

SEXES = {
    "M": Sex.MALE,
    "F": Sex.FEMALE,
    "U": Sex.UNKNOWN,
    "nam": Sex.MALE,
    "nữ": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
    "không rõ": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
}

ROLES = {
    **{value: value for value in RosterEntry.Role.values},
    "học sinh": RosterEntry.Role.STUDENT,
    "sinh viên": RosterEntry.Role.STUDENT,
    "công nhân": RosterEntry.Role.WORKER,
    "người lao động": RosterEntry.Role.WORKER,
    "nhân viên": RosterEntry.Role.STAFF,
    "cán bộ": RosterEntry.Role.STAFF,
    "giáo viên": RosterEntry.Role.TEACHER,
}

DEFAULT_ROLE = {
    OrgKind.SCHOOL: RosterEntry.Role.STUDENT,
    OrgKind.ENTERPRISE: RosterEntry.Role.WORKER,
    OrgKind.PUBLIC_UNIT: RosterEntry.Role.STAFF,
}

ENTRY_FIELDS = ("role", "group", "shift", "employee_code")


@importing.register
class RosterImporter(Importer):
    kind = "roster"
    label = gettext_lazy("Roster (students, workers, staff)")
    columns = Spec(
        "roster",
        [
            Column(
                "national_id",
                "Số CCCD/CMND",
                ("CCCD", "CMND", "Số CCCD", "Số CMND", "CCCD/CMND", "Số định danh", "Số định danh cá nhân"),
            ),
            Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên đệm", "name"), required=True),
            Column("date_of_birth", "Ngày sinh", ("Ngày tháng năm sinh", "Năm sinh", "dob", "birth_date")),
            Column("sex", "Giới tính", ("Giới", "gender")),
            Column("phone", "Số điện thoại", ("Điện thoại", "SĐT", "Di động", "phone_number")),
            Column("commune_code", "Mã xã", ("Mã phường", "Mã xã/phường", "Mã nơi ở")),
            Column("address", "Địa chỉ", ("Nơi ở", "Địa chỉ thường trú", "Chỗ ở hiện nay")),
            Column("role", "Vai trò", ("Đối tượng",)),
            Column("group", "Lớp/Tổ", ("Lớp", "Tổ", "Phân xưởng", "Bộ phận", "Phòng ban", "Nhóm")),
            Column("shift", "Ca làm việc", ("Ca",)),
            Column("employee_code", "Mã nhân viên", ("Mã NV", "Mã học sinh", "Mã công nhân", "Mã số")),
        ],
    )

    def check_context(self, context: Context) -> None:
        org = context.organization
        if org is None or org.kind not in DEFAULT_ROLE:
            raise ImportRefused(
                _("A roster belongs to a school, an enterprise or a public unit; %(org)s is not one.")
                % {"org": org or _("no organization")}
            )
        if not can_write_roster(context.scope, org):
            raise ImportRefused(_("You may not change the roster of %(org)s.") % {"org": org})

    def prepare(self, context: Context) -> None:
        self.today = timezone.localdate()
        self.dataset = context.organization.area.dataset
        self.default_role = DEFAULT_ROLE[context.organization.kind]
        self.areas: dict[str, Area | None] = {}

    # --- validation

    def _birth(self, row: Row) -> tuple:
        raw = row.values["date_of_birth"].strip()
        if raw.isdigit() and len(raw) == 4:  # only the year is known
            year, day = int(raw), None
        else:
            day = importing.date(row, "date_of_birth", not_after=self.today)
            year = day.year if day else None
        if year is not None and not FIRST_BIRTH_YEAR <= year <= self.today.year:
            raise RowError(
                "date_of_birth",
                _("%(value)s is not a plausible year of birth") % {"value": raw},
            )
        return day, year

    def _residence(self, row: Row) -> Area | None:
        code = row.values["commune_code"].replace(" ", "")
        if not code:
            return None
        if code not in self.areas:
            self.areas[code] = Area.objects.filter(
                dataset=self.dataset, code=code, kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE)
            ).first()
        if self.areas[code] is None:
            raise RowError(
                "commune_code",
                _("unknown commune code '%(code)s' in dataset %(dataset)s")
                % {"code": code, "dataset": self.dataset},
            )
        return self.areas[code]

    def validate_row(self, row: Row, context: Context) -> dict:
        full_name = importing.text(row, "full_name", required=True, max_length=200)
        day, year = self._birth(row)
        sex = importing.choice(row, "sex", SEXES, default=Sex.UNKNOWN)
        national_id = None
        if row.values["national_id"].strip():
            try:
                number = natid.parse(row.values["national_id"], today=self.today)
            except natid.NationalIdError as exc:
                raise RowError("national_id", str(exc)) from None
            if not number.agrees_with(sex=sex, birth_year=year):
                raise RowError(
                    "national_id",
                    _("%(number)s is the number of a %(sex)s person born in %(year)s; the row says otherwise")
                    % {
                        "number": number.number,
                        "sex": _("male") if number.sex == Sex.MALE else _("female"),
                        "year": number.birth_year(),
                    },
                )
            national_id = number.number
        elif year is None:
            raise RowError(
                "date_of_birth", _("a person without a national ID needs a date (or year) of birth")
            )
        raw_phone = row.values["phone"].strip()
        phone = normalize_phone(raw_phone)
        if raw_phone and not phone:
            raise RowError("phone", _("'%(value)s' is not a Vietnamese phone number") % {"value": raw_phone})
        return {
            "national_id": national_id,
            "full_name": full_name,
            "name_norm": normalize_name(full_name),
            "date_of_birth": day,
            "birth_year": year,
            "sex": sex,
            "phone": phone,
            "residence": self._residence(row),
            "address": importing.text(row, "address", max_length=300),
            "role": importing.choice(row, "role", ROLES, default=self.default_role),
            "group": importing.text(row, "group", max_length=60),
            "shift": importing.text(row, "shift", max_length=30),
            "employee_code": importing.text(row, "employee_code", max_length=40),
        }

    def key(self, data: dict):
        if data["national_id"]:
            return ("id", data["national_id"])
        return ("name", data["name_norm"], data["date_of_birth"] or data["birth_year"])

    def fingerprint(self, data: dict):
        return repr([(k, str(v)) for k, v in sorted(data.items()) if k != "full_name"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("the same person as row %(row)s, but with different details") % {"row": first_row}

    # --- storing

    def _on_roster(self, batch: list[Valid], organization) -> dict[int, Person]:
        """Rows without a national ID that name a person already on this roster (same name and birth)."""
        wanted = [v for v in batch if not v.data["national_id"]]
        if not wanted:
            return {}
        entries = RosterEntry.objects.filter(
            organization=organization,
            person__merged_into=None,
            person__name_norm__in={v.data["name_norm"] for v in wanted},
        ).select_related("person")
        by_name: dict[str, list[Person]] = {}
        for entry in entries:
            by_name.setdefault(entry.person.name_norm, []).append(entry.person)
        found = {}
        for item in wanted:
            data = item.data
            hits = [
                p
                for p in by_name.get(data["name_norm"], [])
                if (
                    p.date_of_birth == data["date_of_birth"]
                    if data["date_of_birth"] and p.date_of_birth
                    else p.birth_year == data["birth_year"]
                )
            ]
            if len(hits) == 1:
                found[item.row.number] = hits[0]
        return found

    def store(self, batch: list[Valid], context: Context) -> Stored:
        organization = context.organization
        outcome = Stored()
        people: dict[int, tuple[Person, bool]] = {}  # row number -> (person, changed)
        for number, person in self._on_roster(batch, organization).items():
            people[number] = (person, False)
        rest = [v for v in batch if v.row.number not in people]
        outcomes = matching.match_many([v.data for v in rest], organization=organization) if rest else []
        for item, match in zip(rest, outcomes, strict=True):
            if match.conflicts:
                outcome.errors.append(
                    RowError("national_id", "; ".join(match.conflict_messages()), item.row.number)
                )
                continue
            people[item.row.number] = (match.person, match.created or bool(match.filled))

        existing = {
            e.person_id: e
            for e in RosterEntry.objects.filter(
                organization=organization, person_id__in=[p.pk for p, _changed in people.values()]
            )
        }
        new: list[RosterEntry] = []
        for item in batch:
            if item.row.number not in people:
                continue
            person, person_changed = people[item.row.number]
            values = {f: item.data[f] for f in ENTRY_FIELDS}
            entry = existing.get(person.pk)
            if entry is None:
                entry = RosterEntry(
                    organization=organization, person=person, joined_on=timezone.localdate(), **values
                )
                new.append(entry)
                existing[person.pk] = entry
                outcome.accepted += 1
            elif entry.pk is not None and (
                entry.active and all(getattr(entry, f) == v for f, v in values.items())
            ):
                if person_changed:
                    outcome.accepted += 1
                else:
                    outcome.duplicates += 1
            elif entry.pk is None:  # the same person twice in this batch, under two keys
                outcome.duplicates += 1
            else:
                for f, v in values.items():
                    setattr(entry, f, v)
                entry.active, entry.left_on = True, None
                entry.save()  # audited, with the changed fields
                outcome.accepted += 1
        RosterEntry.objects.bulk_create(new)
        audit.record_many(AuditAction.CREATE, new)
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
                "",
                "Tổ cấp đông",
                "Ca 1",
                "NV0001",
            ],
            ["", "Trần Thị Bích", "2008", "Nữ", "", "31813", "", "học sinh", "10A1", "", "HS0042"],
        ]
