"""The `shifts` import: an enterprise's shift definitions from a spreadsheet.

    epiwatch import shifts ca-lam-viec.xlsx --org bl-thuysan-1 [--dry-run]

One row per shift: code (as the roster's "Ca làm việc" column names it), name, start and end time ("06:00",
"6h30", "22:00"; an end earlier than the start is the next morning). A code already defined is updated. Each row
is checked against the enterprise's other shifts as they stand after the rows before it: a shift that overlaps
another, that ends when it starts, or that lasts more than 12 hours is refused with the reason.

Registered from `labs.shift_models` (imported with the labs models), so that the kind exists wherever the
models are loaded: the `import` command, the upload pages and the tests.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec

_CLOCK = re.compile(r"^(?P<hour>\d{1,2})\s*(?:[:hHgG]\s*(?P<minute>\d{2})?(?::(?P<second>\d{2}))?)\s*$")
_FRACTION = re.compile(r"^0?[.,]\d+$")  # an Excel time cell read as a fraction of a day: 0.25 = 06:00


def parse_time(raw: str) -> dt.time | None:
    """A time of day as people type it ("06:00", "6:00", "6h", "6h30", "06:00:00", Excel's 0.25); None when
    empty. Raises ValueError with the text quoted."""
    text = " ".join(str(raw or "").split())
    if not text:
        return None
    if " " in text and "-" in text.split(" ", 1)[0]:
        text = text.split(" ", 1)[1]  # "1899-12-30 06:00:00": a time cell written as a date and time
    if _FRACTION.match(text):
        minutes = round(float(text.replace(",", ".")) * 24 * 60)
        if minutes < 24 * 60:
            return dt.time(minutes // 60, minutes % 60)
    match = _CLOCK.match(text)
    if match is not None:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ValueError(_("'%(value)s' is not a time of day (expected e.g. 06:00 or 22:30)") % {"value": raw})


def _time(row: Row, column: str) -> dt.time:
    try:
        value = parse_time(row.values.get(column, ""))
    except ValueError as exc:
        raise RowError(column, str(exc)) from None
    if value is None:
        raise RowError(column, _("a value is required"))
    return value


@importing.register
class ShiftImporter(Importer):
    kind = "shifts"
    label = gettext_lazy("Shifts of an enterprise")
    batch_size = 100
    columns = Spec(
        "shifts",
        [
            Column("code", "Mã ca", ("Ca", "Ca làm việc", "Ký hiệu ca", "shift"), required=True),
            Column("name", "Tên ca", ("Tên", "shift_name")),
            Column("starts_at", "Giờ bắt đầu", ("Bắt đầu", "Giờ vào ca", "Từ", "start"), required=True),
            Column("ends_at", "Giờ kết thúc", ("Kết thúc", "Giờ ra ca", "Đến", "end"), required=True),
        ],
    )

    def check_context(self, context: Context) -> None:
        from epiwatch.labs import shifts

        org = context.organization
        if org is None or not shifts.has_shifts(org):
            raise ImportRefused(
                _("Shifts belong to an enterprise; %(org)s is not one.")
                % {"org": org or _("no organization")}
            )
        if not shifts.may_define_shifts(context.scope, org):
            raise ImportRefused(_("You may not change the shifts of %(org)s.") % {"org": org.name})

    def validate_row(self, row: Row, context: Context) -> dict:
        code = importing.text(row, "code", required=True, max_length=10)
        return {
            "code": code,
            "name": importing.text(row, "name", max_length=60),
            "starts_at": _time(row, "starts_at"),
            "ends_at": _time(row, "ends_at"),
        }

    def key(self, data: dict):
        from epiwatch.lib.tabular import header_key

        return header_key(data["code"])

    def conflict_message(self, data: dict, first_row: int) -> str:
        return _("shift %(code)s is defined in row %(row)s already, with other values") % {
            "code": data["code"],
            "row": first_row,
        }

    def store(self, batch: list[Valid], context: Context) -> Stored:
        from epiwatch.labs import shifts

        stored = Stored()
        for item in batch:
            try:
                _shift, changed = shifts.define_shift(context.organization, **item.data)
            except shifts.ShiftInvalid as invalid:
                column, message = invalid.problems[0]
                stored.errors.append(
                    RowError(
                        column,
                        "; ".join(m for _c, m in invalid.problems) if column else message,
                        item.row.number,
                    )
                )
                continue
            if changed:
                stored.accepted += 1
            else:
                stored.duplicates += 1
        return stored

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            ["A", "Ca sáng", "06:00", "14:00"],
            ["B", "Ca chiều", "14:00", "22:00"],
            ["C", "Ca đêm", "22:00", "06:00"],
        ]
