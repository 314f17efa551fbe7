"""The IOC's tables as files: CSV (UTF-8 with a BOM, so Excel shows Vietnamese) and XLSX."""

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from openpyxl import Workbook


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    FileFormat.csv: "text/csv; charset=utf-8",
    FileFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(fmt: FileFormat, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str) -> bytes:
    if fmt == FileFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
