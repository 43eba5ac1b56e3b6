"""Spreadsheet imports of the area tree: population per area and year, and the villages below communes.

Both write areas' data, which belongs to the province: the rows must name areas the importing scope may write
(`access.visible(Area, scope, write=True)`; operators' commands have full rights).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.accounts import access
from epiwatch.geo.datasets import DATASETS
from epiwatch.geo.models import VILLAGE_CODE_RE, Area, AreaKind, Population, VillageKind
from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec

DEFAULT_DATASET = "vn-2021"
MAX_POPULATION = 200_000_000  # more than any country we could be configured for: a typo, not a figure


def _n(value: int) -> str:
    return f"{value:,}"


class AreaLookup:
    """Area codes -> (pk, path, kind) per dataset, loaded once per dataset (one query of the areas the scope may
    write; a second one for a code that is not among them, to tell "unknown" from "not yours")."""

    def __init__(self, scope):
        self.scope = scope
        self._writable: dict[str, dict[str, tuple[int, str, str]]] = {}
        self._exists: dict[
            tuple[str, str], bool
        ] = {}  # codes outside the writable ones: do they exist at all?

    def _load(self, dataset: str) -> dict[str, tuple[int, str, str]]:
        if dataset not in self._writable:
            qs = access.visible(Area.objects.filter(dataset=dataset), self.scope, write=True)
            self._writable[dataset] = {
                code: (pk, path, kind)
                for code, pk, path, kind in qs.values_list("code", "pk", "path", "kind")
            }
        return self._writable[dataset]

    def find(
        self, column: str, dataset: str, code: str, kinds: tuple[str, ...] | None = None
    ) -> tuple[int, str, str]:
        found = self._load(dataset).get(code)
        if found is None:
            if (dataset, code) not in self._exists:
                self._exists[(dataset, code)] = Area.objects.filter(dataset=dataset, code=code).exists()
            if self._exists[(dataset, code)]:
                raise RowError(column, _("you may not change area %(code)s") % {"code": code})
            raise RowError(
                column,
                _("unknown area code '%(code)s' in dataset %(dataset)s") % {"code": code, "dataset": dataset},
            )
        if kinds is not None and found[2] not in kinds:
            raise RowError(
                column,
                _("%(code)s is a %(kind)s, not a %(expected)s")
                % {
                    "code": code,
                    "kind": AreaKind(found[2]).label,
                    "expected": " / ".join(str(AreaKind(k).label) for k in kinds),
                },
            )
        return found


def _dataset(row: Row, context: Context) -> str:
    dataset = row.values.get("dataset", "").strip() or context.options.get("dataset") or DEFAULT_DATASET
    if dataset not in DATASETS:
        raise RowError(
            "dataset",
            _("'%(value)s' is not a dataset; expected one of: %(known)s")
            % {"value": dataset, "known": ", ".join(DATASETS)},
        )
    return dataset


def _code(row: Row, column: str) -> str:
    code = importing.text(row, column, required=True, max_length=32)
    return code.replace(" ", "")


# --- population ------------------------------------------------------------------------------------------------


@importing.register
class PopulationImporter(Importer):
    """Population per area and year with the four age bands. Re-importing an (area, year) replaces its figures
    (counted as a duplicate when they are unchanged)."""

    kind = "population"
    label = gettext_lazy("Population by area and year")
    columns = Spec(
        "population",
        [
            Column(
                "area_code",
                "Mã đơn vị",
                ("Mã địa bàn", "Mã xã", "Mã huyện", "Mã tỉnh", "Mã", "code"),
                required=True,
            ),
            Column("year", "Năm", ("Năm số liệu",), required=True),
            Column("total", "Tổng", ("Tổng số", "Dân số", "Tổng dân số", "population"), required=True),
            Column("age_0_4", "0-4 tuổi", ("Dưới 5 tuổi", "0-4"), required=True),
            Column("age_5_17", "5-17 tuổi", ("5-17",), required=True),
            Column("age_18_64", "18-64 tuổi", ("18-64",), required=True),
            Column(
                "age_65_plus",
                "65+ tuổi",
                ("Từ 65 tuổi", "65 tuổi trở lên", "Từ 65 tuổi trở lên", "65+"),
                required=True,
            ),
            Column("dataset", "Bộ dữ liệu", ("Bộ đơn vị hành chính",)),
            Column("source", "Nguồn", ("Nguồn số liệu",)),
        ],
    )

    def prepare(self, context: Context) -> None:
        self.areas = AreaLookup(context.scope or access.NOBODY)
        self.last_year = timezone.localdate().year + 1

    def validate_row(self, row: Row, context: Context) -> dict:
        dataset = _dataset(row, context)
        code = _code(row, "area_code")
        area_pk, _path, _kind = self.areas.find("area_code", dataset, code)
        year = importing.whole_number(row, "year", minimum=None)
        if not Population.FIRST_YEAR <= year <= self.last_year:
            raise RowError(
                "year",
                _("%(year)s is not a plausible year: expected %(first)s to %(last)s")
                % {"year": year, "first": Population.FIRST_YEAR, "last": self.last_year},
            )
        figures = {
            name: importing.whole_number(row, name, maximum=MAX_POPULATION)
            for name in ("total", *Population.BANDS)
        }
        bands = [figures[b] for b in Population.BANDS]
        if sum(bands) != figures["total"]:
            raise RowError(
                "total",
                _("the age bands add up to %(sum)s (%(parts)s), not to the total %(total)s")
                % {
                    "sum": _n(sum(bands)),
                    "parts": " + ".join(_n(b) for b in bands),
                    "total": _n(figures["total"]),
                },
            )
        source = importing.text(row, "source", max_length=200)
        return {
            "area_id": area_pk,
            "code": code,
            "dataset": dataset,
            "year": year,
            "source": source,
            **figures,
        }

    def key(self, data: dict):
        return (data["dataset"], data["code"], data["year"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("area %(code)s, year %(year)s is already given in row %(row)s with other figures") % {
            "code": data["code"],
            "year": data["year"],
            "row": first_row,
        }

    def store(self, batch: list[Valid], context: Context) -> Stored:
        fields = ("total", *Population.BANDS)
        existing = {
            (p.area_id, p.year): p
            for p in Population.objects.filter(
                area_id__in={v.data["area_id"] for v in batch}, year__in={v.data["year"] for v in batch}
            )
        }
        new, changed, duplicates = [], [], 0
        for item in batch:
            data = item.data
            current = existing.get((data["area_id"], data["year"]))
            if current is None:
                new.append(
                    Population(
                        area_id=data["area_id"],
                        year=data["year"],
                        source=data["source"],
                        **{f: data[f] for f in fields},
                    )
                )
            elif all(getattr(current, f) == data[f] for f in fields) and (
                not data["source"] or current.source == data["source"]
            ):
                duplicates += 1
            else:
                for f in fields:
                    setattr(current, f, data[f])
                current.source = data["source"] or current.source
                changed.append(current)
        Population.objects.bulk_create(new)
        Population.objects.bulk_update(changed, [*fields, "source"])
        return Stored(accepted=len(new) + len(changed), duplicates=duplicates)

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            ["31813", 2021, 25_480, 1_910, 5_020, 16_280, 2_270, DEFAULT_DATASET, "Cục Thống kê Bạc Liêu"],
            ["31816", 2021, 18_120, 1_350, 3_600, 11_540, 1_630, DEFAULT_DATASET, "Cục Thống kê Bạc Liêu"],
        ]


# --- villages --------------------------------------------------------------------------------------------------

VILLAGE_KINDS = {
    **{value: value for value in VillageKind.values},
    "thôn": VillageKind.THON,
    "ấp": VillageKind.AP,
    "khóm": VillageKind.KHOM,
    "khu": VillageKind.KHU,
    "khu phố": VillageKind.KHU,
}


@importing.register
class VillageImporter(Importer):
    """Villages (thôn, ấp, khóm, khu) below communes.

    Codes: GSO codes stop at the commune, so a village's code is local ("01"); it is stored prefixed with its
    commune's code and a dash ("31813-01") to be unique in the dataset (`Area.village_code`). A code already
    carrying that prefix is taken as it is, so an exported file imports back unchanged. The path is
    `<commune path>/<stored code>`. Re-importing a village renames it or changes its kind (a duplicate when
    nothing changed).
    """

    kind = "villages"
    label = gettext_lazy("Villages below communes")
    columns = Spec(
        "villages",
        [
            Column("commune_code", "Mã xã", ("Mã phường", "Mã xã/phường", "commune"), required=True),
            Column("code", "Mã thôn", ("Mã ấp", "Mã khóm", "Mã thôn/ấp", "village_code"), required=True),
            Column("name", "Tên thôn", ("Tên ấp", "Tên thôn/ấp", "Tên", "village_name"), required=True),
            Column("kind", "Loại", ("Loại đơn vị", "village_kind")),
            Column("dataset", "Bộ dữ liệu", ("Bộ đơn vị hành chính",)),
        ],
    )

    def prepare(self, context: Context) -> None:
        self.areas = AreaLookup(context.scope or access.NOBODY)

    def validate_row(self, row: Row, context: Context) -> dict:
        dataset = _dataset(row, context)
        commune_code = _code(row, "commune_code")
        commune_pk, commune_path, _kind = self.areas.find(
            "commune_code", dataset, commune_code, kinds=(AreaKind.COMMUNE,)
        )
        code = _code(row, "code")
        if not VILLAGE_CODE_RE.match(code):
            raise RowError(
                "code",
                _("'%(code)s': a village code may only contain letters, digits and dashes (e.g. 01)")
                % {"code": code},
            )
        full_code = Area(code=commune_code).village_code(code)
        name = importing.text(row, "name", required=True, max_length=200)
        village_kind = importing.choice(row, "kind", VILLAGE_KINDS, default="")
        return {
            "dataset": dataset,
            "commune_id": commune_pk,
            "commune_path": commune_path,
            "code": full_code,
            "name": name,
            "village_kind": village_kind,
        }

    def key(self, data: dict):
        return (data["dataset"], data["code"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("village %(code)s is already given in row %(row)s with another name or kind") % {
            "code": data["code"],
            "row": first_row,
        }

    def store(self, batch: list[Valid], context: Context) -> Stored:
        existing = {
            (a.dataset, a.code): a
            for a in Area.objects.filter(
                dataset__in={v.data["dataset"] for v in batch}, code__in={v.data["code"] for v in batch}
            )
        }
        outcome = Stored()
        new, changed = [], []
        for item in batch:
            data = item.data
            area = existing.get((data["dataset"], data["code"]))
            if area is None:
                new.append(
                    Area(
                        dataset=data["dataset"],
                        code=data["code"],
                        name=data["name"],
                        kind=AreaKind.VILLAGE,
                        village_kind=data["village_kind"],
                        parent_id=data["commune_id"],
                        path=f"{data['commune_path']}/{data['code']}",
                    )
                )
            elif area.kind != AreaKind.VILLAGE or area.parent_id != data["commune_id"]:
                outcome.errors.append(
                    RowError(
                        "code",
                        _("the code %(code)s is already used by %(name)s")
                        % {"code": data["code"], "name": area.name},
                        item.row.number,
                    )
                )
            elif (area.name, area.village_kind) == (data["name"], data["village_kind"] or area.village_kind):
                outcome.duplicates += 1
            else:
                area.name = data["name"]
                area.village_kind = data["village_kind"] or area.village_kind
                changed.append(area)
        Area.objects.bulk_create(new)
        Area.objects.bulk_update(changed, ["name", "village_kind"])
        outcome.accepted = len(new) + len(changed)
        return outcome

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            ["31813", "01", "Khóm 1", "khóm", DEFAULT_DATASET],
            ["31840", "03", "Ấp Nội Ô", "ấp", DEFAULT_DATASET],
        ]
