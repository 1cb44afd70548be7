"""Security room: text a citizen or an admin typed is exported as text, never as a spreadsheet
formula (a comment "=HYPERLINK(...)" must not become a live formula in the leader's Excel/CSV)."""

import csv
import io

import openpyxl

import ticketing
from models import Field, Office

FORMULA = '=HYPERLINK("http://127.0.0.1/x","Bấm vào đây")'


def seed_formulas(office):
    """A rated ticket whose comment, field name and clerk-facing texts start like formulas."""
    Field.update(name="+Đất đai").where(Field.id == office.f1.id).execute()
    ticket = ticketing.issue_ticket(office.office.id, office.f1.id).ticket
    ticketing.call_ticket(office.c1.id, ticket.id, user=office.clerk1)
    ticketing.finish(ticket.id, user=office.clerk1)
    ticketing.rate(ticket.id, 1, [], FORMULA, source="phone")
    Office.update(name="@UBND xã Thử").where(Office.id == office.office.id).execute()


def test_excel_export_holds_no_formula_from_user_text(office, api):
    """Every cell of both workbooks is a value; the comment reads literally."""
    seed_formulas(office)
    leader = api("lanhdao1")
    for url in ("/admin/reports/export.xlsx?period=day", "/admin/reports/satisfaction.xlsx"):
        response = leader.get(url)
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(response.data))
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert [c.value for c in cells if c.data_type == "f"] == []
    comments = openpyxl.load_workbook(io.BytesIO(leader.get("/admin/reports/export.xlsx?period=day").data))["Góp ý"]
    assert FORMULA in [v for row in comments.iter_rows(values_only=True) for v in row]  # shown as typed


def test_csv_export_neutralises_cells_that_start_like_formulas(office, api):
    """A spreadsheet opening the CSV sees text: such cells start with an apostrophe."""
    seed_formulas(office)
    leader = api("lanhdao1")
    text = leader.get("/admin/reports/export.csv?period=day&view=comments").data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    fields = leader.get("/admin/reports/export.csv?period=day&view=fields").data.decode("utf-8-sig")
    assert "'+Đất đai" in fields
    assert not [c for row in csv.reader(io.StringIO(fields)) for c in row if c[:1] in ("=", "+", "@")]
