"""The `results` import: test results from a spreadsheet, through the one pipeline (`labs.pipeline.submit`).

    epiwatch import results ket-qua.xlsx --org bl-lab [--dry-run]

The columns are those of the template (Vietnamese headers as the province's forms name them, or the English
column names); values may be the words people write ("dương tính", "DT", "test nhanh", "PCR gộp"). Every row goes
through the same steps as an API item; rejected rows come back in the error file with an `error` column. The
framework's in-file duplicate check is not used (key() is None): `storing` tells duplicates apart against what
is stored, so memory stays flat for a file of any size.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Column, Row, Spec

PREVIEW_ROWS = 20


@importing.register
class ResultImporter(Importer):
    kind = "results"
    label = gettext_lazy("Test results")
    batch_size = 1000
    columns = Spec(
        "results",
        [
            Column("external_id", "Mã mẫu", ("Mã xét nghiệm", "Sample ID", "sample_id", "Mã số mẫu")),
            Column(
                "national_id",
                "Số CCCD/CMND",
                ("CCCD", "CMND", "Số CCCD", "Số CMND", "CCCD/CMND", "Số định danh", "Số định danh cá nhân"),
            ),
            Column("full_name", "Họ và tên", ("Họ tên", "name"), required=True),
            Column("date_of_birth", "Ngày sinh", ("Ngày tháng năm sinh", "Năm sinh", "dob", "birth_date")),
            Column("sex", "Giới tính", ("Giới", "gender")),
            Column("phone", "Số điện thoại", ("Điện thoại", "SĐT", "Di động", "phone_number")),
            Column("commune_code", "Mã xã", ("Mã phường", "Mã xã/phường", "Mã nơi ở")),
            Column("address", "Địa chỉ", ("Nơi ở", "Địa chỉ thường trú", "Chỗ ở hiện nay")),
            Column(
                "test_type", "Loại xét nghiệm", ("Loại XN", "Loại test", "Phương pháp", "type"), required=True
            ),
            Column(
                "sampled_at",
                "Thời gian lấy mẫu",
                ("Ngày lấy mẫu", "Thời điểm lấy mẫu", "sample_time", "sampled"),
                required=True,
            ),
            Column(
                "resulted_at", "Thời gian có kết quả", ("Ngày có kết quả", "Ngày trả kết quả", "result_time")
            ),
            Column("result", "Kết quả", ("Kết quả xét nghiệm", "KQ", "outcome"), required=True),
            Column("ct_value", "Giá trị Ct", ("Ct", "Chỉ số Ct", "ct")),
            Column("pool_id", "Mã mẫu gộp", ("Mã gộp", "Mã nhóm gộp", "pool", "pool_code")),
            Column("reason", "Lý do", ("Lý do xét nghiệm", "Đối tượng xét nghiệm")),
        ],
    )

    def check_context(self, context: Context) -> None:
        org = context.organization
        if org is None:
            raise ImportRefused(_("Results are submitted for an organization; none was given."))
        scope = context.scope
        if scope is None or not (scope.full or scope.can_write_for(org)):
            raise ImportRefused(_("You may not submit results for %(org)s.") % {"org": org.name})

    def prepare(self, context: Context) -> None:
        from epiwatch.labs.pipeline import Context as PipelineContext

        self.pipeline = PipelineContext(
            organization=context.organization,
            user=context.user,
            batch=context.options.get("batch"),
            # the worker's preview: everything checked, nothing written, no long transaction (see labs.worker)
            dry_run=context.dry_run or bool(context.options.get("preview")),
            now=context.options.get("now"),
        )
        # a sample of what was accepted, for the preview page (the rejected rows are in the result's errors)
        self.accepted_sample: list[dict] = context.options.setdefault("accepted_sample", [])

    def validate_row(self, row: Row, context: Context) -> Row:
        return row  # every check is the pipeline's, in store(): the same for a file and for the API

    def store(self, batch: list[Valid], context: Context) -> Stored:
        from epiwatch.labs.pipeline import Status, submit

        stored = Stored()
        for outcome in submit([item.row for item in batch], self.pipeline):
            if outcome.status == Status.DUPLICATE:
                stored.duplicates += 1
            elif outcome.status == Status.REJECTED:
                stored.errors.append(_one_error(outcome))
            else:
                stored.accepted += 1
                if len(self.accepted_sample) < PREVIEW_ROWS:
                    self.accepted_sample.append(_preview(outcome))
        return stored

    @classmethod
    def template_rows(cls) -> list[list]:
        return [
            [
                "BL-2111-0001",
                "095090001234",
                "Nguyễn Văn An",
                "15/03/1990",
                "Nam",
                "0912345678",
                "31813",
                "Số 12, Khóm 3, Phường 7",
                "PCR",
                "02/11/2021 07:30",
                "02/11/2021 19:00",
                "dương tính",
                "24,5",
                "",
                "tiếp xúc",
            ],
            [
                "BL-2111-0002",
                "",
                "Trần Thị Bích",
                "02/05/2015",
                "Nữ",
                "",
                "31813",
                "Số 12, Khóm 3, Phường 7",
                "PCR gộp",
                "02/11/2021 07:45",
                "02/11/2021 19:00",
                "âm tính",
                "",
                "G-0001",
                "sàng lọc",
            ],
            [
                "",
                "095185004321",
                "Lê Thị Hồng",
                "1985",
                "Nữ",
                "0987654321",
                "31816",
                "",
                "test nhanh",
                "03/11/2021 06:10",
                "",
                "âm tính",
                "",
                "",
                "sàng lọc theo ca",
            ],
        ]


def _one_error(outcome) -> RowError:
    """The rejected item's errors as the one RowError the framework reports per row (the first column named)."""
    first = outcome.errors[0]
    return RowError(first.column, outcome.message(), outcome.number)


def _preview(outcome) -> dict:
    clean = outcome.clean
    return {
        "row": outcome.number,
        "status": outcome.status,
        "national_id": clean.national_id or "",
        "full_name": clean.full_name,
        "test_type": clean.test_type,
        "sampled_at": clean.sampled_at.isoformat(),
        "result": clean.result,
        "review_note": outcome.record.review_note if outcome.record is not None else "",
    }
