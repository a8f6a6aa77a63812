"""The rows of the workbook's sheets go to openpyxl's writer through
rendicontazione.excel._celle_della_riga (faster for styled cells): each value
keeps its own format, styled or not, whatever came before it in the row."""

import io
from datetime import date, time
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.cell import Cell

from rendicontazione.excel import _Libro


def test_plain_styled_and_date_values_keep_their_own_formats():
    libro = _Libro()
    ws = libro.foglio("Prova", [10, 10, 10, 10, 10, 10])
    euro = libro.stile("Euro")
    ws.append([date(2024, 9, 2), 5, Cell(ws, 1, 1, Decimal("12.50"), euro), "testo", None, 7])
    ws.append([time(16, 30), Decimal("1.5"), "=SUM(B1:B2)", date(2024, 9, 3), 3, None])
    buffer = io.BytesIO()
    libro.wb.save(buffer)

    foglio = load_workbook(io.BytesIO(buffer.getvalue()))["Prova"]
    riga1 = [foglio.cell(1, c) for c in range(1, 7)]
    riga2 = [foglio.cell(2, c) for c in range(1, 7)]
    assert riga1[0].is_date and riga1[0].value.date() == date(2024, 9, 2)
    # After a date, a number is a plain number, not a date.
    assert riga1[1].value == 5 and riga1[1].number_format == "General"
    assert riga1[2].value == 12.5 and riga1[2].style == "Euro"
    assert riga1[3].value == "testo" and riga1[3].number_format == "General"
    assert riga1[4].value is None
    assert riga1[5].value == 7 and riga1[5].number_format == "General"
    assert riga2[0].value == time(16, 30)
    assert riga2[1].value == 1.5 and riga2[1].number_format == "General"
    assert riga2[2].value == "=SUM(B1:B2)"
    assert riga2[3].is_date and riga2[4].value == 3
    assert riga2[4].number_format == "General"
