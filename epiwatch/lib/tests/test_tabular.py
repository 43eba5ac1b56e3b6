"""lib/tabular: reading CSV and XLSX the way offices produce them, writing them safely, the error file."""

import codecs
import csv
import datetime as dt
import io
import random
import unicodedata
import uuid
import zipfile

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse

from epiwatch.lib.dates import LOCAL_TZ, parse_date
from epiwatch.lib.tabular import (
    Column,
    ErrorFile,
    HeaderError,
    Spec,
    TableError,
    cell_text,
    column_letter,
    csv_response,
    errors_path,
    escape_cell,
    header_key,
    open_table,
    write_csv,
    write_xlsx,
    xlsx_response,
)
from epiwatch.lib.tests.helpers import to_cp1258

SPEC = Spec(
    "roster",
    [
        Column("full_name", "Họ và tên", ("Họ tên",), required=True),
        Column("date_of_birth", "Ngày sinh", required=True),
        Column("national_id", "Số CCCD", ("CCCD", "CMND")),
        Column("commune_code", "Mã xã"),
    ],
)
NAMES = ["Nguyễn Thị Ánh", "Trần Văn Đức", "Lê Thị Hồng Nhung", "Phạm Quốc Việt", "Huỳnh Ngọc Ẩn"]


def rows_of(source, spec=SPEC, **kwargs):
    with open_table(source, spec, **kwargs) as table:
        return table, [(r.number, r.values, r.cells) for r in table]


def values(source, column="full_name", **kwargs):
    _table, rows = rows_of(source, **kwargs)
    return [v[column] for _n, v, _c in rows]


def csv_text(delimiter=","):
    lines = [f"Họ và tên{delimiter}Ngày sinh{delimiter}Số CCCD{delimiter}Mã xã"]
    lines += [f"{name}{delimiter}0{i + 1}/01/1990{delimiter}{delimiter}31813" for i, name in enumerate(NAMES)]
    return "\r\n".join(lines) + "\r\n"


def xlsx_bytes(build) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    build(workbook)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


# --- headers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["Mã xã", "ma xa", "MA_XA", "Mã  Xã ", "ma-xa", "commune_code", "COMMUNE CODE"]
)
def test_it_matches_headers_without_accents_case_or_spaces(header):
    assert SPEC.match(header) == "commune_code"


def test_header_keys_drop_everything_but_letters_and_digits():
    assert header_key("Đơn vị (mã)") == "donvima"
    assert header_key("0-4 tuổi") == "04tuoi"
    assert header_key(None) == ""


def test_a_spec_refuses_a_header_that_would_mean_two_columns():
    with pytest.raises(ValueError, match="would mean both"):
        Spec("x", [Column("a", "Mã"), Column("b", "ma")])
    with pytest.raises(ValueError, match="reserved"):
        Spec("x", [Column("error")])


def test_it_names_the_missing_required_columns():
    data = io.BytesIO("Họ và tên,Mã xã\nAn,31813\n".encode())
    with pytest.raises(HeaderError) as exc:
        open_table(data, SPEC)
    assert str(exc.value) == "Missing required column(s): date_of_birth (Ngày sinh)."


def test_it_says_a_file_with_only_unknown_columns_is_not_of_this_kind():
    data = io.BytesIO(b"a,b,c\n1,2,3\n")
    with pytest.raises(HeaderError) as exc:
        open_table(data, SPEC)
    assert str(exc.value) == (
        "This does not look like a roster file: expected columns full_name (Họ và tên), "
        "date_of_birth (Ngày sinh), national_id (Số CCCD), commune_code (Mã xã)."
    )


def test_it_names_columns_given_twice_with_their_letters():
    data = io.BytesIO("Họ và tên,Ngày sinh,CCCD,CMND\nAn,01/01/1990,1,2\n".encode())
    with pytest.raises(HeaderError) as exc:
        open_table(data, SPEC)
    assert str(exc.value) == "Column(s) given more than once: national_id in columns C, D."


def test_column_letters_go_past_z():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_it_ignores_unknown_columns_and_keeps_them_in_the_cells():
    data = io.BytesIO("Ghi chú,Họ và tên,Ngày sinh\nx,An,01/01/1990\n".encode())
    table, rows = rows_of(data)
    assert table.columns == {"full_name": 1, "date_of_birth": 2}
    assert rows == [
        (
            2,
            {"full_name": "An", "date_of_birth": "01/01/1990", "national_id": "", "commune_code": ""},
            ("x", "An", "01/01/1990"),
        )
    ]


def test_it_finds_the_header_below_title_rows():
    data = io.BytesIO(
        "DANH SÁCH CÔNG NHÂN,,\nNgày 04/11/2021,,\n,,\nHọ và tên,Ngày sinh,Mã xã\nAn,01/01/1990,31813\n".encode()
    )
    _table, rows = rows_of(data)
    assert [(n, v["full_name"]) for n, v, _c in rows] == [(5, "An")]


# --- encodings and delimiters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_sniffs_the_delimiter(delimiter):
    assert values(io.BytesIO(csv_text(delimiter).encode())) == NAMES


def test_it_prefers_the_delimiter_that_makes_the_header_even_with_commas_in_cells():
    text = "Họ và tên;Ngày sinh;Mã xã\nNguyễn Văn A, con;01/01/1990;31813\n"
    assert values(io.BytesIO(text.encode())) == ["Nguyễn Văn A, con"]


def test_it_reads_utf8_with_a_bom():
    table, _rows = rows_of(io.BytesIO(codecs.BOM_UTF8 + csv_text().encode()))
    assert table.encoding == "utf-8-sig"
    assert values(io.BytesIO(codecs.BOM_UTF8 + csv_text().encode())) == NAMES


def test_it_reads_windows_1258_with_vietnamese_names_intact():
    raw = to_cp1258(csv_text(";"))
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    table, rows = rows_of(io.BytesIO(raw))
    assert table.encoding == "cp1258"
    names = [v["full_name"] for _n, v, _c in rows]
    assert names == NAMES
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le"])
def test_it_reads_utf16_as_excel_saves_unicode_text(encoding):
    text = csv_text("\t")
    raw = {
        "utf-16": text.encode("utf-16"),
        "utf-16-le-bom": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-16-be-bom": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "utf-16-le": text.encode("utf-16-le"),  # no BOM: the NULs give it away
    }[encoding]
    assert values(io.BytesIO(raw)) == NAMES


def test_it_composes_decomposed_accents_from_macos():
    text = unicodedata.normalize("NFD", csv_text())
    assert values(io.BytesIO(text.encode())) == NAMES


def test_it_numbers_rows_as_the_spreadsheet_shows_them():
    text = 'Họ và tên,Ngày sinh\nAn,01/01/1990\n,\n\n"Bình\nthứ hai",02/02/1990\nChi,03/03/1990\n'
    _table, rows = rows_of(io.BytesIO(text.encode()))
    assert [(n, v["full_name"]) for n, v, _c in rows] == [(2, "An"), (5, "Bình\nthứ hai"), (6, "Chi")]


def test_it_skips_the_header_repeated_further_down():
    text = "Họ và tên,Ngày sinh\nAn,01/01/1990\nHọ và tên,Ngày sinh\nBình,02/02/1990\n"
    _table, rows = rows_of(io.BytesIO(text.encode()))
    assert [(n, v["full_name"]) for n, v, _c in rows] == [(2, "An"), (4, "Bình")]


def test_it_reads_ids_that_excel_turned_into_numbers():
    assert cell_text(79012345678.0) == "79012345678"
    assert cell_text("79012345678.0") == "79012345678"
    assert cell_text(12.5) == "12.5"
    assert cell_text("1.000") == "1.000"  # one thousand, written the Vietnamese way: not an ID
    assert cell_text(dt.datetime(2021, 11, 4)) == "2021-11-04"
    assert cell_text(dt.datetime(2021, 11, 4, 7, 30)) == "2021-11-04 07:30:00"
    assert cell_text("  An\u00a0") == "An"
    assert cell_text("'=1+1") == "=1+1"  # the escape of our own error files and exports comes off
    assert cell_text("'quoted'") == "'quoted'"


def test_it_reads_from_a_path_and_from_an_unseekable_stream(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_text().encode())
    assert values(path) == NAMES
    assert values(str(path)) == NAMES

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert values(io.BufferedReader(Pipe(csv_text().encode()))) == NAMES


def test_it_streams_rows_without_reading_the_whole_file_first():
    lines = ["Họ và tên,Ngày sinh"] + [f"Người {i},01/01/1990" for i in range(60_000)]
    data = io.BytesIO("\n".join(lines).encode())
    size = len(data.getvalue())
    table = open_table(data, SPEC)
    assert table.total_rows_hint == 59_999  # line breaks minus the header (the last line has none)
    first = next(iter(table))
    assert first.values["full_name"] == "Người 0"
    assert data.tell() < size / 10


# --- what cannot be read -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b"\r\n\r\n  \n", ",,,\n, ,\n"])
def test_it_says_an_empty_file_is_empty(content):
    with pytest.raises(TableError) as exc:
        open_table(io.BytesIO(content if isinstance(content, bytes) else content.encode()), SPEC)
    assert str(exc.value) == "The file is empty."


@pytest.mark.parametrize("content", ["Họ và tên,Ngày sinh\n", "Họ và tên,Ngày sinh\n\n,\n"])
def test_it_says_a_file_with_only_a_header_has_no_data(content):
    with pytest.raises(TableError) as exc:
        open_table(io.BytesIO(content.encode()), SPEC)
    assert str(exc.value) == "The file has a header row but no data rows."


def _png():
    return b"\x89PNG\r\n\x1a\n" + bytes(random.Random(1).randrange(256) for _ in range(2000))


def _pdf():
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n" + bytes(range(256)) * 8


def _zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return out.getvalue()


def _garbage():
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(5000))


@pytest.mark.parametrize("content", [_png, _pdf, _zip, _garbage], ids=["png", "pdf", "docx", "random"])
def test_it_says_a_renamed_binary_file_is_not_a_spreadsheet(content, tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(content())
    with pytest.raises(TableError) as exc:
        open_table(path, SPEC)
    assert str(exc.value) == "This file is not a spreadsheet: upload a CSV or Excel (.xlsx) file."


def test_it_asks_for_xlsx_instead_of_old_excel_or_opendocument():
    with pytest.raises(TableError, match=r"Old Excel files \(\.xls\)"):
        open_table(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), SPEC)
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    ods.seek(0)
    with pytest.raises(TableError, match=r"OpenDocument spreadsheets \(\.ods\)"):
        open_table(ods, SPEC)


def test_it_says_a_damaged_xlsx_is_damaged():
    good = xlsx_bytes(lambda wb: wb.active.append(["Họ và tên", "Ngày sinh"])).getvalue()
    with pytest.raises(TableError, match="damaged or not an .xlsx file"):
        open_table(io.BytesIO(good[: len(good) // 2]), SPEC)


def test_it_refuses_a_file_over_the_size_limit(settings):
    big = io.BytesIO(csv_text().encode() * 10_000)  # ~ 2.3 MB
    with pytest.raises(TableError) as exc:
        open_table(big, SPEC, max_mb=1)
    assert str(exc.value) == "The file is 2 MB; the largest accepted is 1 MB. Split it into smaller files."
    settings.UPLOAD_MAX_MB = 1
    with pytest.raises(TableError, match="the largest accepted is 1 MB"):
        open_table(big, SPEC)
    settings.UPLOAD_MAX_MB = 3
    assert open_table(big, SPEC).format == "csv"


# --- XLSX --------------------------------------------------------------------------------------------------------


def test_it_takes_the_first_sheet_whose_header_matches():
    def build(wb):
        guide = wb.active
        guide.title = "Hướng dẫn"
        guide.append(["Điền mỗi người một dòng"])
        guide.append(["Ngày sinh: dd/mm/yyyy"])
        other = wb.create_sheet("Tổng hợp")
        other.append(["Mã xã", "Số người"])  # one known column, but not the required ones
        other.append(["31813", 12])
        data = wb.create_sheet("Danh sách")
        data.append(["Họ và tên", "Ngày sinh", "Số CCCD"])
        data.append(["Nguyễn Thị Ánh", dt.datetime(1990, 1, 1), 79012345678])
        data.append([None, None, None])
        data.append(["Trần Văn Đức", "02/01/1990", "095090001234"])

    table, rows = rows_of(xlsx_bytes(build))
    assert (table.format, table.sheet) == ("xlsx", "Danh sách")
    assert [(n, v["full_name"], v["date_of_birth"], v["national_id"]) for n, v, _c in rows] == [
        (2, "Nguyễn Thị Ánh", "1990-01-01", "79012345678"),
        (4, "Trần Văn Đức", "02/01/1990", "095090001234"),
    ]
    assert parse_date(rows[0][1]["date_of_birth"]) == dt.date(1990, 1, 1)


def test_it_reads_a_header_that_spans_merged_cells():
    def build(wb):
        sheet = wb.active
        sheet.append(["DANH SÁCH HỌC SINH LỚP 10A1"])
        sheet.merge_cells("A1:D1")
        sheet.append(["Họ và tên", "Thông tin cá nhân", None, "Ghi chú"])
        sheet.append([None, "Ngày sinh", "Số CCCD", None])
        sheet.merge_cells("A2:A3")  # the name column's header over both header rows
        sheet.merge_cells("B2:C2")  # a group title over two columns
        sheet.merge_cells("D2:D3")
        sheet.append(["Lê Thị Hồng Nhung", "05/05/2008", "", "lớp trưởng"])

    table, rows = rows_of(xlsx_bytes(build))
    assert table.columns == {"full_name": 0, "date_of_birth": 1, "national_id": 2}
    assert table.header == ["Họ và tên", "Ngày sinh", "Số CCCD", "Ghi chú"]
    assert [(n, v["full_name"], v["date_of_birth"]) for n, v, _c in rows] == [
        (4, "Lê Thị Hồng Nhung", "05/05/2008")
    ]


def test_it_reports_the_header_problem_of_a_workbook_without_a_matching_sheet():
    def build(wb):
        wb.active.append(["Họ và tên", "Mã xã"])
        wb.active.append(["An", "31813"])

    with pytest.raises(HeaderError, match=r"Missing required column\(s\): date_of_birth"):
        open_table(xlsx_bytes(build), SPEC)
    with pytest.raises(TableError, match="The file is empty"):
        open_table(xlsx_bytes(lambda wb: None), SPEC)
    with pytest.raises(TableError, match="header row but no data rows"):
        open_table(xlsx_bytes(lambda wb: wb.active.append(["Họ và tên", "Ngày sinh"])), SPEC)


# --- writing -----------------------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+84912345678", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"]


def test_it_escapes_formula_like_text_and_nothing_else():
    assert [escape_cell(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [escape_cell(v) for v in ("Nguyễn", "", "a=b", -5, 3.5, None)] == [
        "Nguyễn",
        "",
        "a=b",
        -5,
        3.5,
        None,
    ]


def test_it_writes_csv_with_a_bom_for_excel(tmp_path):
    person = uuid.UUID("12345678-1234-5678-1234-567812345678")
    rows = [
        (
            person,
            "Nguyễn Thị Ánh",
            dt.date(1990, 1, 2),
            dt.datetime(2021, 11, 4, 0, 30, tzinfo=dt.UTC),
            None,
            -5,
        ),
        ("x", '=HYPERLINK("http://evil")', None, None, True, 3.5),
    ]
    path = tmp_path / "out.csv"
    count = write_csv(path, ["id", "name", "born", "at", "flag", "n"], rows)
    assert count == 2
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw.decode("utf-8-sig").split("\r\n") == [
        "id,name,born,at,flag,n",
        "12345678-1234-5678-1234-567812345678,Nguyễn Thị Ánh,1990-01-02,2021-11-04 07:30:00,,-5",
        'x,"\'=HYPERLINK(""http://evil"")",,,true,3.5',
        "",
    ]


def test_it_writes_xlsx_with_real_dates_and_formulas_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [("=1+1", dt.date(1990, 1, 2), dt.datetime(2021, 11, 4, 0, 30, tzinfo=dt.UTC), 7, "a\x01b")]
    assert write_xlsx(path, ["name", "born", "at", "n", "ctrl"], rows, sheet_title="people") == 1
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["people"]
    assert [c.value for c in sheet[1]] == ["name", "born", "at", "n", "ctrl"]
    assert sheet["A1"].font.b
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == dt.datetime(1990, 1, 2) and sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["C2"].value == dt.datetime(2021, 11, 4, 7, 30)
    assert sheet["D2"].value == 7
    assert sheet["E2"].value == "ab"


def test_the_streaming_csv_response_sends_the_bom_and_every_row():
    rows = ((i, f"Người {i}") for i in range(5000))
    response = csv_response("người 2021.csv", ["n", "name"], rows)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ng-i-2021.csv"'
    body = b"".join(response.streaming_content)
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "n,name" and lines[1] == "0,Người 0" and lines[5000] == "4999,Người 4999"


def test_the_xlsx_response_is_a_complete_workbook():
    response = xlsx_response("people.xlsx", ["n"], [(1,), (2,)])
    assert isinstance(response, FileResponse)
    assert "people.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [r for r in workbook.active.iter_rows(values_only=True)] == [("n",), (1,), (2,)]


# --- the error file ----------------------------------------------------------------------------------------------


def test_the_error_file_keeps_the_original_cells_and_adds_the_error(tmp_path):
    source = io.BytesIO("Họ và tên;Ngày sinh;Ghi chú\n=cmd|calc;31/02/2021;x\nAn;01/01/1990;y\n".encode())
    target = errors_path(tmp_path / "roster.csv")
    assert target.name == "roster.csv.errors.csv"
    with open_table(source, SPEC) as table, ErrorFile(target, table.header) as errors:
        rows = list(table)
        errors.add(rows[0].cells, "row 2, column date_of_birth: '31/02/2021' is not a date")
    raw = target.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        ["Họ và tên", "Ngày sinh", "Ghi chú", "error"],
        ["'=cmd|calc", "31/02/2021", "x", "row 2, column date_of_birth: '31/02/2021' is not a date"],
    ]
    # fixed and uploaded again: the same header is accepted, the error column ignored, the escape removed
    _table, again = rows_of(target)
    assert again[0][1]["full_name"] == "=cmd|calc"
    assert again[0][2][3] == "row 2, column date_of_birth: '31/02/2021' is not a date"


def test_an_error_file_uploaded_again_keeps_one_error_column(tmp_path):
    first = tmp_path / "a.errors.csv"
    with ErrorFile(first, ["Họ và tên", "Ngày sinh"]) as errors:
        errors.add(["An", "x", "extra cell"], "row 2: first")
    with open_table(first, SPEC) as table, ErrorFile(tmp_path / "b.csv", table.header) as errors:
        errors.add(next(iter(table)).cells, "row 2: second")
    lines = list(csv.reader(io.StringIO((tmp_path / "b.csv").read_text("utf-8-sig"))))
    assert lines == [["Họ và tên", "Ngày sinh", "error"], ["An", "x", "row 2: second", "extra cell"]]


def test_no_error_file_is_created_without_a_rejected_row(tmp_path):
    with ErrorFile(tmp_path / "none.csv", ["a"]):
        pass
    assert not (tmp_path / "none.csv").exists()


def test_times_in_csv_are_local(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(path, ["at"], [(dt.datetime(2021, 11, 4, 7, 30, tzinfo=LOCAL_TZ),)], bom=False)
    assert path.read_bytes() == b"at\r\n2021-11-04 07:30:00\r\n"
