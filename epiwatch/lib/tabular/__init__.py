"""Spreadsheets in and out: CSV and XLSX, Vietnamese and English headers, streamed.

Reading (`open_table`): the bytes decide the format, not the file name. CSV may be UTF-8 (with or without BOM),
UTF-16 (with BOM, or without one when the NULs give it away) or Windows-1258, the old Vietnamese Windows code page
(tried when UTF-8 fails); its delimiter is `,`, `;` or tab, whichever makes the best header. XLSX is read with
openpyxl in read-only mode; the first sheet whose header matches the column spec wins. The header may sit below
a title row and may span two rows (group titles over merged cells above the column names). Rows come one at a time
as `Row(number, values, cells)`: `number` is the row number the user sees in the spreadsheet (header = row 1),
`values` the canonical column -> text, `cells` the original cells for the error file.

Whatever cannot be read raises one `TableError` whose message says why, in words a data clerk understands.

Writing: CSV in UTF-8 with a BOM (Excel then opens Vietnamese correctly) and XLSX with openpyxl's write-only mode,
both from an iterator of rows; a streaming response for web exports; the error file (the rejected rows with an
`error` column, accepted back as is). Every text cell starting with = + - @ tab or CR is prefixed with `'` so that
a spreadsheet program never runs it as a formula (CSV injection); the reader strips that prefix again.

Modules: `spec` (columns, header matching, errors), `cells` (a cell as text, the formula escape), `reading`,
`writing` (files, web downloads, the error file). Import from the package: `from epiwatch.lib.tabular import ...`.
"""

from epiwatch.lib.tabular.cells import FORMULA_TRIGGERS, cell_text, escape_cell
from epiwatch.lib.tabular.reading import DEFAULT_MAX_MB, HEADER_SEARCH_ROWS, Row, Table, open_table
from epiwatch.lib.tabular.spec import (
    ERROR_COLUMN,
    Column,
    HeaderError,
    Spec,
    TableError,
    column_letter,
    header_key,
)
from epiwatch.lib.tabular.writing import (
    ErrorFile,
    csv_chunks,
    csv_lines,
    csv_response,
    error_header,
    errors_path,
    write_csv,
    write_xlsx,
    xlsx_response,
)

__all__ = [
    "DEFAULT_MAX_MB",
    "ERROR_COLUMN",
    "FORMULA_TRIGGERS",
    "HEADER_SEARCH_ROWS",
    "Column",
    "ErrorFile",
    "HeaderError",
    "Row",
    "Spec",
    "Table",
    "TableError",
    "cell_text",
    "column_letter",
    "csv_chunks",
    "csv_lines",
    "csv_response",
    "error_header",
    "errors_path",
    "escape_cell",
    "header_key",
    "open_table",
    "write_csv",
    "write_xlsx",
    "xlsx_response",
]
