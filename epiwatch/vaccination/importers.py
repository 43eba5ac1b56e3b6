"""Spreadsheet imports of doses (`epiwatch import doses FILE --org CODE`) and of aggregate coverage counts
(`epiwatch import coverage_counts FILE --org CODE`), on the shared import pipeline (`epiwatch.lib.importing`).

Doses: each row names a person (matched against the registry a batch at a time, `matching.match_many`, the way
the roster and result imports do) and a dose. The person columns are validated by the roster import's own rules
(`RosterImporter.validate_row`), not by a copy of them. A dose already recorded (same organization and external
id, or same person, number, product and day) is a duplicate; a different dose under the same external id or the
same number is refused with what is already there. Dates in the future, before birth or before the product's
approval, and numbers out of order with the dates are refused; short intervals are stored and flagged. A school,
enterprise or public unit records doses only for the people on its roster.

Coverage counts: aggregate figures (commune, day, age band, dose level, people) for communes that only report
counts; a count larger than the population of its age band is refused.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts import audit
from epiwatch.accounts.models import ROSTER_KINDS, AuditAction, Organization
from epiwatch.geo.loading import population_by_area
from epiwatch.geo.models import Area, AreaKind, Population, group_digits
from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec
from epiwatch.people import matching
from epiwatch.people.importers import RosterImporter
from epiwatch.people.models import RosterEntry
from epiwatch.vaccination import recording, status
from epiwatch.vaccination.models import (
    MAX_DOSE_NUMBER,
    AgeBand,
    CoverageCount,
    Dose,
    DoseLevel,
    Product,
)

PERSON_FIELDS = (
    "national_id",
    "full_name",
    "name_norm",
    "date_of_birth",
    "birth_year",
    "sex",
    "phone",
    "residence",
    "address",
)

PERSON_COLUMNS = [
    column
    for column in RosterImporter.columns.columns
    if column.name in ("national_id", "full_name", "date_of_birth", "sex", "phone", "commune_code", "address")
]


class PersonColumns:
    """The person columns of a row, checked by the roster import's rules: national ID (format, and agreeing with
    sex and birth year), name, birth date or year, sex, phone, commune code.

    It drives a RosterImporter set up by hand (its `prepare()` wants a roster organization). When these rules move
    to `epiwatch.people` as a function of their own, this class becomes a call to it.
    """

    def __init__(self, dataset: str, today):
        self.roster = RosterImporter()
        self.roster.today = today
        self.roster.dataset = dataset
        self.roster.default_role = RosterEntry.Role.WORKER
        self.roster.areas = {}

    def parse(self, row: Row, context: Context) -> dict:
        data = self.roster.validate_row(row, context)
        return {name: data[name] for name in PERSON_FIELDS}


def _preview(context: Context) -> bool:
    """A preview writes nothing, batch by batch (the background worker's way: `options["preview"]`), where the
    framework's dry run rolls one long transaction back."""
    return bool(context.options.get("preview"))


def _not_on_roster(organization, row_number: int) -> RowError:
    return RowError(
        None, _("this person is not on the roster of %(org)s") % {"org": organization.name}, row_number
    )


def _person_key(person: dict):
    if person["national_id"]:
        return ("id", person["national_id"])
    return ("name", person["name_norm"], person["date_of_birth"] or person["birth_year"])


@importing.register
class DoseImporter(Importer):
    kind = "doses"
    label = gettext_lazy("Vaccine doses")
    columns = Spec(
        "doses",
        [
            Column("external_id", "Mã mũi tiêm", ("Mã bản ghi", "Mã hồ sơ tiêm", "ID")),
            *PERSON_COLUMNS,
            Column(
                "dose_number", "Mũi số", ("Mũi tiêm số", "Mũi thứ", "Mũi", "Số mũi", "dose"), required=True
            ),
            Column(
                "product",
                "Tên vắc xin",
                ("Vắc xin", "Loại vắc xin", "Vaccine", "vaccine_name"),
                required=True,
            ),
            Column(
                "given_on", "Ngày tiêm", ("Ngày tiêm chủng", "date_given", "vaccinated_on"), required=True
            ),
            Column("site_code", "Mã cơ sở tiêm", ("Cơ sở tiêm", "Mã điểm tiêm", "site")),
            Column("lot", "Số lô", ("Lô vắc xin", "lot_number")),
        ],
    )

    def prepare(self, context: Context) -> None:
        self.today = timezone.localdate()
        organization = context.organization
        self.people = PersonColumns(organization.area.dataset, self.today)
        self.products = Product.objects.lookup()
        self.sites = {o.code.casefold(): o for o in Organization.objects.filter(is_active=True)}
        # what store() did with each row (the API answers per item); rewritten when a batch is retried
        self.outcomes: dict[int, tuple[str, Dose]] = {}

    # --- validation

    def validate_row(self, row: Row, context: Context) -> dict:
        person = self.people.parse(row, context)
        number = importing.whole_number(row, "dose_number", minimum=1, maximum=MAX_DOSE_NUMBER)
        raw_product = row.values["product"].strip()
        if not raw_product:
            raise RowError("product", _("a value is required"))
        product = self.products.find(raw_product)
        if product is None:
            raise RowError(
                "product",
                _("'%(value)s' is not a known vaccine; known: %(known)s")
                % {"value": raw_product, "known": self.products.names()},
            )
        given_on = importing.date(row, "given_on", required=True)
        try:
            recording.check_date(given_on, product, person["date_of_birth"], person["birth_year"], self.today)
        except recording.DoseError as exc:
            raise RowError(exc.field, exc.message) from None
        site = None
        code = row.values["site_code"].strip()
        if code:
            site = self.sites.get(code.casefold())
            if site is None:
                raise RowError("site_code", _("unknown organization code '%(code)s'") % {"code": code})
        return {
            "person": person,
            "external_id": importing.text(row, "external_id", max_length=64),
            "dose_number": number,
            "product": product,
            "given_on": given_on,
            "site": site,
            "lot": importing.text(row, "lot", max_length=40),
        }

    def key(self, data: dict):
        if data["external_id"]:
            return ("ext", data["external_id"])
        return ("dose", _person_key(data["person"]), data["dose_number"])

    def fingerprint(self, data: dict):
        person = {k: v for k, v in data["person"].items() if k != "full_name"}
        rest = {k: v for k, v in data.items() if k != "person"}
        return repr(
            [sorted((k, str(v)) for k, v in person.items()), sorted((k, str(v)) for k, v in rest.items())]
        )

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("the same dose as row %(row)s, but with different details") % {"row": first_row}

    # --- storing

    def _people(self, batch: list[Valid], context: Context, outcome: Stored) -> dict[int, object]:
        """Row number -> the registry's person (unsaved for a new one in a preview); rows whose person cannot be
        used get an error."""
        organization = context.organization
        roster_only = organization.kind in ROSTER_KINDS
        matches = matching.match_many(
            [v.data["person"] for v in batch],
            organization=organization,
            create=not roster_only and not _preview(context),
        )
        found: dict[int, object] = {}
        for item, match in zip(batch, matches, strict=True):
            if match.conflicts:
                outcome.errors.append(
                    RowError("national_id", "; ".join(match.conflict_messages()), item.row.number)
                )
            elif roster_only and not match.found:
                outcome.errors.append(_not_on_roster(organization, item.row.number))
            else:
                found[item.row.number] = match.person
        if roster_only and found:
            on_roster = set(
                RosterEntry.objects.active()
                .filter(organization=organization, person_id__in=[p.pk for p in found.values()])
                .values_list("person_id", flat=True)
            )
            for number in [n for n, p in found.items() if p.pk not in on_roster]:
                del found[number]
                outcome.errors.append(_not_on_roster(organization, number))
        return found

    def store(self, batch: list[Valid], context: Context) -> Stored:
        organization = context.organization
        outcome = Stored()
        people = self._people(batch, context, outcome)
        person_ids = {p.pk for p in people.values() if p.pk is not None}
        history: dict[int, list[recording.Recorded]] = defaultdict(list)
        for dose in Dose.objects.filter(person_id__in=person_ids).select_related("product"):
            history[dose.person_id].append(
                recording.Recorded(dose.dose_number, dose.given_on, dose.product, dose)
            )
        external_ids = [v.data["external_id"] for v in batch if v.data["external_id"]]
        by_external = {
            d.external_id: d
            for d in Dose.objects.filter(submitter=organization, external_id__in=external_ids).select_related(
                "product"
            )
        }
        new: list[Dose] = []
        made: set[int] = set()  # id() of the doses this batch creates (a later row may repeat one)
        for item in batch:
            person = people.get(item.row.number)
            if person is None:
                continue
            data = item.data
            try:
                # a person new to the registry has no pk in a preview: their doses go by the object
                stored = self._one(data, person, organization, history[person.pk or id(person)], by_external)
            except RowError as error:
                error.row = item.row.number
                outcome.errors.append(error)
                continue
            if stored.pk is None and id(stored) not in made:
                made.add(id(stored))
                new.append(stored)
                outcome.accepted += 1
                self.outcomes[item.row.number] = ("created", stored)
            else:
                outcome.duplicates += 1
                self.outcomes[item.row.number] = ("duplicate", stored)
        if _preview(context):
            return outcome
        Dose.objects.bulk_create(new, batch_size=1000)
        audit.record_many(AuditAction.CREATE, new)
        status.refresh(person_ids)
        self._read_flags(new)
        return outcome

    def _read_flags(self, doses: list[Dose]) -> None:
        """The review flags refresh() set in the database, onto the new doses the API answers with (one query)."""
        flags = dict(
            (pk, (needs_review, note))
            for pk, needs_review, note in Dose.objects.filter(
                pk__in=[d.pk for d in doses], needs_review=True
            ).values_list("pk", "needs_review", "review_flags")
        )
        for dose in doses:
            dose.needs_review, dose.review_flags = flags.get(dose.pk, (False, []))

    def _one(self, data: dict, person, organization, history: list, by_external: dict) -> Dose:
        """The dose to create for a row (unsaved), or the recorded one it repeats."""
        external_id = data["external_id"]
        earlier = by_external.get(external_id) if external_id else None
        if earlier is not None:
            same = (earlier.person_id, earlier.dose_number, earlier.product_id, earlier.given_on) == (
                person.pk,
                data["dose_number"],
                data["product"].pk,
                data["given_on"],
            )
            if not same:
                raise RowError(
                    "external_id",
                    _("%(id)s is already the id of another dose (%(dose)s)")
                    % {"id": external_id, "dose": earlier},
                )
            return earlier
        try:
            same = recording.check(
                data["dose_number"],
                data["product"],
                data["given_on"],
                history,
                date_of_birth=person.date_of_birth,
                birth_year=person.birth_year,
                today=self.today,
            )
        except recording.DoseError as exc:
            raise RowError(exc.field, exc.message) from None
        if same is not None:
            return same.handle
        residence = person.residence
        dose = Dose(
            person=person,
            dose_number=data["dose_number"],
            product=data["product"],
            given_on=data["given_on"],
            site=data["site"] or organization,
            lot=data["lot"],
            submitter=organization,
            external_id=external_id,
            area=residence,
            province_code=residence.province_code if residence else "",
        )
        history.append(recording.Recorded(dose.dose_number, dose.given_on, dose.product, dose))
        if external_id:
            by_external[external_id] = dose
        return dose

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            ["BL-2021-000123", "095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "0912345678", "31816",
             "Khóm 2, Phường 8", "1", "AstraZeneca", "12/08/2021", "", "ABV1234"],
            ["BL-2021-000124", "095090001234", "Nguyễn Văn An", "15/03/1990", "Nam", "0912345678", "31816",
             "Khóm 2, Phường 8", "2", "Pfizer", "04/11/2021", "", "FK5618"],
        ]  # fmt: skip


# --- aggregate coverage counts --------------------------------------------------------------------------------

AGE_BANDS = {
    **{b.value: b.value for b in AgeBand},
    "5-11": AgeBand.CHILDREN,
    "5-11 tuổi": AgeBand.CHILDREN,
    "12-17": AgeBand.TEENS,
    "12-17 tuổi": AgeBand.TEENS,
    "18-64": AgeBand.ADULTS_18_64,
    "18-64 tuổi": AgeBand.ADULTS_18_64,
    "65+": AgeBand.ELDERLY,
    "65 tuổi trở lên": AgeBand.ELDERLY,
    "từ 65 tuổi": AgeBand.ELDERLY,
    "trên 65": AgeBand.ELDERLY,
}
LEVELS = {
    **{level.value: level.value for level in DoseLevel},
    "1 dose": DoseLevel.ONE_DOSE,
    "at least one dose": DoseLevel.ONE_DOSE,
    "1 mũi": DoseLevel.ONE_DOSE,
    "mũi 1": DoseLevel.ONE_DOSE,
    "ít nhất 1 mũi": DoseLevel.ONE_DOSE,
    "fully vaccinated": DoseLevel.FULL,
    "đủ liều": DoseLevel.FULL,
    "tiêm đủ liều": DoseLevel.FULL,
    "đủ mũi": DoseLevel.FULL,
    "2 mũi": DoseLevel.FULL,
    "mũi nhắc lại": DoseLevel.BOOSTER,
    "nhắc lại": DoseLevel.BOOSTER,
}
# the population band a count of an age band must fit in (5-17 is not split in the population figures)
POPULATION_BAND = {
    AgeBand.CHILDREN: ("age_5_17", gettext_lazy("5-17")),
    AgeBand.TEENS: ("age_5_17", gettext_lazy("5-17")),
    AgeBand.ADULTS_18_64: ("age_18_64", gettext_lazy("18-64")),
    AgeBand.ELDERLY: ("age_65_plus", gettext_lazy("65+")),
}


@importing.register
class CoverageCountImporter(Importer):
    kind = "coverage_counts"
    label = gettext_lazy("Vaccination coverage counts (aggregate)")
    columns = Spec(
        "coverage_counts",
        [
            Column(
                "area_code", "Mã xã", ("Mã đơn vị", "Mã phường", "Mã xã/phường", "Mã thôn/ấp"), required=True
            ),
            Column("on", "Tính đến ngày", ("Ngày", "Ngày báo cáo", "date", "as_of"), required=True),
            Column("age_band", "Nhóm tuổi", ("Độ tuổi", "age"), required=True),
            Column("level", "Mức tiêm", ("Số mũi", "Mũi tiêm", "dose_level"), required=True),
            Column("count", "Số người", ("Số người đã tiêm", "Số lượng", "people"), required=True),
        ],
    )

    def prepare(self, context: Context) -> None:
        self.today = timezone.localdate()
        self.dataset = context.organization.area.dataset
        self.areas: dict[str, Area | None] = {}
        self.populations: dict[tuple[int, int], Population | None] = {}

    def _area(self, row: Row, context: Context) -> Area:
        code = importing.text(row, "area_code", required=True, max_length=32).replace(" ", "")
        if code not in self.areas:
            self.areas[code] = Area.objects.filter(dataset=self.dataset, code=code).first()
        area = self.areas[code]
        if area is None:
            raise RowError(
                "area_code",
                _("unknown area code '%(code)s' in dataset %(dataset)s")
                % {"code": code, "dataset": self.dataset},
            )
        if area.kind not in (AreaKind.COMMUNE, AreaKind.VILLAGE):
            raise RowError("area_code", _("%(code)s is not a commune or village") % {"code": code})
        scope = context.scope
        if scope is None or not scope.covers_area(area, write=True):
            raise RowError("area_code", _("you may not report for %(area)s") % {"area": area.name})
        return area

    def _population(self, area: Area, year: int) -> Population | None:
        key = (area.pk, year)
        if key not in self.populations:
            years = Population.objects.in_subtree(area).filter(year__lte=year).order_by("-year")
            latest = years.values_list("year", flat=True).first()
            self.populations[key] = population_by_area([area], latest).get(area.pk) if latest else None
        return self.populations[key]

    def validate_row(self, row: Row, context: Context) -> dict:
        area = self._area(row, context)
        on = importing.date(row, "on", required=True, not_after=self.today)
        band = importing.choice(row, "age_band", AGE_BANDS, required=True)
        level = importing.choice(row, "level", LEVELS, required=True)
        count = importing.whole_number(row, "count")
        population = self._population(area, on.year)
        if population is not None:
            field, label = POPULATION_BAND[band]
            available = getattr(population, field)
            if count > available:
                raise RowError(
                    "count",
                    _(
                        "%(count)s people is more than the %(population)s aged %(band)s living in %(area)s (%(year)s)"
                    )
                    % {
                        "count": group_digits(count),
                        "population": group_digits(available),
                        "band": label,
                        "area": area.name,
                        "year": population.year,
                    },
                )
        return {"area": area, "on": on, "age_band": band, "level": level, "count": count}

    def key(self, data: dict):
        return (data["area"].pk, data["on"], data["age_band"], data["level"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("the same commune, day, age band and level as row %(row)s, with another count") % {
            "row": first_row
        }

    def store(self, batch: list[Valid], context: Context) -> Stored:
        outcome = Stored()
        existing = {
            (c.area_id, c.on, c.age_band, c.level): c
            for c in CoverageCount.objects.filter(
                area_id__in={v.data["area"].pk for v in batch}, on__in={v.data["on"] for v in batch}
            )
        }
        new = []
        for item in batch:
            data = item.data
            earlier = existing.get(self.key(data))
            if earlier is None:
                new.append(CoverageCount(submitter=context.organization, **data))
                outcome.accepted += 1
            elif earlier.count == data["count"]:
                outcome.duplicates += 1
            else:
                outcome.errors.append(
                    RowError(
                        "count",
                        _(
                            "a count of %(count)s is already recorded for this commune, day, age band and level"
                        )
                        % {"count": group_digits(earlier.count)},
                        item.row.number,
                    )
                )
        if not _preview(context):
            CoverageCount.objects.bulk_create(new, batch_size=1000)
            audit.record_many(AuditAction.CREATE, new)
        return outcome

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            ["31840", "04/11/2021", "18-64", "1dose", "5210"],
            ["31840", "04/11/2021", "65+", "full", "402"],
        ]
