"""Tables as files: CSV (UTF-8 with a BOM, so Excel shows Vietnamese) and XLSX. The
project's one export writer: the IOC's figures and the queue's views go through it.

What people typed (a description, a name) may begin like a formula: ``=HYPERLINK(...)``,
``+84…``, ``-1``, ``@SUM(...)``, or a tab or carriage return before one. A spreadsheet opening
the file would run it (CSV injection). Such a text cell is written as text: in CSV with a
leading apostrophe (the spreadsheet's own mark for "this is text"; OWASP's advice), in XLSX
as a string cell, which no spreadsheet evaluates. Numbers stay numbers.
"""

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# What a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    FileFormat.csv: "text/csv; charset=utf-8",
    FileFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _csv_cell(value: Any) -> Any:
    return "'" + value if looks_like_formula(value) else value


def render(fmt: FileFormat, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str) -> bytes:
    if fmt == FileFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_csv_cell(h) for h in headers])
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])

    def cell(value: Any) -> Any:
        if not looks_like_formula(value):
            return value
        # openpyxl takes a text beginning with "=" for a formula; say it is a string.
        text = WriteOnlyCell(worksheet, value=value)
        text.data_type = "s"
        return text

    worksheet.append([cell(h) for h in headers])
    for row in rows:
        worksheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
