"""The report summary as an Excel workbook: Riepilogo, Prestazioni,
Laboratori, Sessioni.

Every figure comes from the one summary (`riepilogo()`); the workbook adds
only the totals, written as SUM formulas so whoever checks the file sees
how they are made, and the tests evaluate them against the summary.
Participants appear only as counts: no code, no identity.

Written in openpyxl's write-only mode, so a period with tens of thousands
of prestazioni streams to disk instead of being held as a grid of cells.
In that mode column widths, frozen panes and row heights must be set before
the rows are written; the autofilter and merged ranges may follow them.
"""

import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from os import PathLike
from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.formati import data_it
from rendicontazione.riepilogo import Narrativa, Riepilogo

FORMATO_EURO = '#,##0.00 "€"'
FORMATO_DATA = "dd/mm/yyyy"
FORMATO_DATA_ORA = "dd/mm/yyyy hh:mm"
FORMATO_ORA = "hh:mm"
FORMATO_ORE = "#,##0.00"
FORMATO_DECIMALE = "0.0"
FORMATO_INTERO = "0"

_GRASSETTO = Font(bold=True)
_BORDO_SOTTO = Border(bottom=Side(style="thin"))
_BORDO_SOPRA = Border(top=Side(style="thin"))


def _stile(nome: str, formato: str = "General", **altro) -> NamedStyle:
    return NamedStyle(name=nome, number_format=formato, **altro)


def _stili() -> tuple[NamedStyle, ...]:
    """The workbook's styles, named so they show in Excel's style gallery
    with words the reader knows. New objects for every workbook: adding a
    style binds it to the workbook."""
    return (
        _stile("Titolo", font=Font(bold=True, size=14)),
        _stile("Sezione", font=Font(bold=True, size=12)),
        _stile(
            "Intestazione",
            font=_GRASSETTO,
            fill=PatternFill("solid", fgColor="DDE4EE"),
            border=_BORDO_SOTTO,
            alignment=Alignment(wrap_text=True, vertical="center"),
        ),
        _stile("Etichetta", font=_GRASSETTO),
        _stile("Nota", font=Font(italic=True, color="555555")),
        _stile("A capo", alignment=Alignment(wrap_text=True, vertical="top")),
        _stile("Euro", FORMATO_EURO),
        _stile("Data", FORMATO_DATA, alignment=Alignment(horizontal="left")),
        _stile("Data e ora", FORMATO_DATA_ORA, alignment=Alignment(horizontal="left")),
        _stile("Ora", FORMATO_ORA),
        _stile("Ore", FORMATO_ORE),
        _stile("Decimale", FORMATO_DECIMALE),
        _stile("Intero", FORMATO_INTERO),
        _stile("Totale", font=_GRASSETTO, border=_BORDO_SOPRA),
        _stile("Euro totale", FORMATO_EURO, font=_GRASSETTO, border=_BORDO_SOPRA),
        _stile("Ore totale", FORMATO_ORE, font=_GRASSETTO, border=_BORDO_SOPRA),
        _stile("Decimale totale", FORMATO_DECIMALE, font=_GRASSETTO, border=_BORDO_SOPRA),
        _stile("Intero totale", FORMATO_INTERO, font=_GRASSETTO, border=_BORDO_SOPRA),
    )


# The style of a column's total, from the style of its values.
_STILE_TOTALE = {
    "Euro": "Euro totale",
    "Ore": "Ore totale",
    "Decimale": "Decimale totale",
    "Intero": "Intero totale",
    None: "Totale",
}


@dataclass(frozen=True)
class Colonna:
    titolo: str
    larghezza: int  # in characters, fixed: measuring every cell would cost a pass over the data
    stile: str | None = None


COLONNE_PRESTAZIONI = (
    Colonna("Data", 11, "Data"),
    Colonna("Tipo", 24),
    Colonna("Fornitore", 28),
    Colonna("Descrizione", 44),
    Colonna("Tranche", 9),
    Colonna("Laboratorio", 24),
    Colonna("N. documento", 14),
    Colonna("Valore", 14, "Euro"),
    Colonna("Aliquota %", 10),
    Colonna("Quota amministrativa", 14, "Euro"),
    Colonna("Totale", 14, "Euro"),
)

COLONNE_LABORATORI = (
    Colonna("Laboratorio", 30),
    Colonna("Tipo", 22),
    Colonna("Cooperativa", 26),
    Colonna("Sessioni svolte", 10, "Intero"),
    Colonna("Sessioni previste", 10, "Intero"),
    Colonna("Ore", 10, "Ore"),
    Colonna("Partecipanti", 13, "Intero"),
    Colonna("Media presenze", 10, "Decimale"),
    Colonna("Fidelizzati %", 12, "Decimale"),
    Colonna("Ore volontari", 11, "Ore"),
    Colonna("Costo", 14, "Euro"),
    Colonna("Costo per partecipante", 14, "Euro"),
    Colonna("Costo per ora", 14, "Euro"),
)

COLONNE_SESSIONI = (
    Colonna("Data", 11, "Data"),
    Colonna("Laboratorio", 30),
    Colonna("Cooperativa", 26),
    Colonna("Inizio", 8, "Ora"),
    Colonna("Fine", 8, "Ora"),
    Colonna("Ore", 9, "Ore"),
    Colonna("Ore educatori", 10, "Ore"),
    Colonna("Ore volontari", 10, "Ore"),
    Colonna("Presenze", 10, "Intero"),
)

# Riepilogo: a label column, then six of figures.
_LARGHEZZE_RIEPILOGO = (40, 17, 17, 17, 17, 17, 17)
# Characters of narrative that fit on one line of the merged B:G range.
_CARATTERI_PER_RIGA = 95
_ALTEZZA_RIGA = 15  # points
_ALTEZZA_MASSIMA = 409  # points, Excel's limit


class _Libro:
    """A write-only workbook with the report's styles registered once.

    Each styled cell is built from the style's array of indices (read once
    from a model cell), which the Cell constructor copies: assigning a named
    style to every cell would look it up and rebuild the array each time,
    a cost that shows on a sheet of ten thousand rows.
    """

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        # openpyxl stores formulas without their results: the reader's
        # spreadsheet computes them on opening.
        self.wb.calculation.fullCalcOnLoad = True
        self._nomi = []
        for stile in _stili():
            self.wb.add_named_style(stile)
            self._nomi.append(stile.name)
        self._stili: dict[str, StyleArray] = {}

    def foglio(self, titolo: str, larghezze: Sequence[int]) -> WriteOnlyWorksheet:
        ws = self.wb.create_sheet(titolo)
        ws._values_to_row = partial(_celle_della_riga, ws)
        for indice, larghezza in enumerate(larghezze, start=1):
            ws.column_dimensions[get_column_letter(indice)].width = larghezza
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if not self._stili:
            for nome in self._nomi:
                modello = WriteOnlyCell(ws)
                modello.style = nome
                self._stili[nome] = modello._style
        return ws

    def elenco(self, titolo: str, colonne: Sequence[Colonna]) -> WriteOnlyWorksheet:
        """A list sheet: header row frozen and repeated on every printed page."""
        ws = self.foglio(titolo, [c.larghezza for c in colonne])
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.append([self.cella(ws, c.titolo, "Intestazione") for c in colonne])
        return ws

    def stile(self, nome: str) -> StyleArray:
        return self._stili[nome]

    def cella(self, ws: WriteOnlyWorksheet, valore, stile: str | None):
        """A cell of the named style, or the bare value when there is none."""
        if stile is None:
            return valore
        return Cell(ws, row=1, column=1, value=valore, style_array=self._stili[stile])

    def totali(
        self,
        ws: WriteOnlyWorksheet,
        stili: Sequence[str | None],
        prima: int,
        ultima: int,
        somme: Iterable[int],
        valori: dict[int, object] | None = None,
    ) -> list:
        """The Totale row under rows prima..ultima: SUM formulas in the
        columns `somme` (0-based), the summary's own figures in `valori`."""
        riga: list = [None] * len(stili)
        riga[0] = "Totale"
        for indice in somme:
            riga[indice] = _somma(get_column_letter(indice + 1), prima, ultima)
        for indice, valore in (valori or {}).items():
            riga[indice] = valore
        return [
            self.cella(ws, valore, _STILE_TOTALE.get(stile, "Totale"))
            for valore, stile in zip(riga, stili, strict=True)
        ]


def _celle_della_riga(ws: WriteOnlyWorksheet, valori: Iterable, riga: int):
    """The cells of an appended row, for openpyxl's writer: what
    WriteOnlyWorksheet._values_to_row does (openpyxl 3.1, pinned), without
    its cost for styled cells. It first assigns each value to a bare cell,
    which for a styled Cell raises and catches a ValueError, then allocates
    a new bare cell after it: on a sheet of ten thousand rows with five
    styled cells each, a fifth of the export. Here a Cell is used as it is,
    and one bare cell carries the plain values until openpyxl styles it (a
    date gets a number format), as openpyxl does. Read back in every test of
    the workbook."""
    semplice = WriteOnlyCell(ws)
    for colonna, valore in enumerate(valori, 1):
        if valore is None:
            continue
        if isinstance(valore, Cell):
            cella = valore
        else:
            cella = semplice
            cella.value = valore
        cella.column = colonna
        cella.row = riga
        yield cella
        if cella is semplice and (semplice.has_style or semplice.hyperlink):
            # openpyxl styled it (a date's number format): not for the next value.
            semplice = WriteOnlyCell(ws)


def _somma(colonna: str, prima: int, ultima: int):
    # With no rows, SUM(X2:X1) would reach the totals row itself: a circular
    # reference. An empty list totals zero.
    if ultima < prima:
        return 0
    return f"=SUM({colonna}{prima}:{colonna}{ultima})"


# The control characters openpyxl refuses (its ILLEGAL_CHARACTERS_RE), as a
# single class: searched in every text cell, it is several times faster than
# openpyxl's alternation.
_CONTROLLO = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _testo(ws: WriteOnlyWorksheet, valore: str, stile: StyleArray | None = None):
    """Text typed by users, written as text (in a cell of `stile`, if given).

    openpyxl takes a string starting with "=" for a formula and one such as
    "#N/A" for an error, so a description "=HYPERLINK(...)" would become a
    live formula in the reader's spreadsheet; and it refuses the control
    characters that slip in with pasted text, which would abort the whole
    export. All are rare, so the common case costs one quick search.
    """
    if valore and (valore[0] in "=#" or _CONTROLLO.search(valore)):
        valore = _CONTROLLO.sub("", valore)
        if valore[:1] == "=" or valore in ERROR_CODES:
            cella = Cell(ws, row=1, column=1, value=valore, style_array=stile)
            cella.data_type = "s"
            return cella
    if stile is None:
        return valore
    return Cell(ws, row=1, column=1, value=valore, style_array=stile)


def _senza_fuso(momento: datetime) -> datetime:
    # Excel has no time zones: the local wall-clock time is what readers expect.
    if timezone.is_aware(momento):
        return timezone.localtime(momento).replace(tzinfo=None)
    return momento


class _Pagina:
    """The Riepilogo sheet, written top to bottom: label-value pairs and
    small tables, counting rows so totals can refer to them."""

    def __init__(self, libro: _Libro) -> None:
        self.libro = libro
        self.ws = libro.foglio("Riepilogo", _LARGHEZZE_RIEPILOGO)
        self.righe = 0

    def aggiungi(self, *valori, stili: Sequence[str | None] = ()) -> int:
        stili = tuple(stili) + (None,) * (len(valori) - len(stili))
        self.ws.append(
            [self.libro.cella(self.ws, v, s) for v, s in zip(valori, stili, strict=True)]
        )
        self.righe += 1
        return self.righe

    def voce(self, etichetta: str, valore, stile: str | None = None) -> None:
        self.aggiungi(etichetta, valore, stili=("Etichetta", stile))

    def sezione(self, titolo: str) -> None:
        self.aggiungi()
        self.aggiungi(titolo, stili=("Sezione",))

    def nota(self, testo: str) -> None:
        self.aggiungi(testo, stili=("Nota",))

    def tabella(
        self, titoli: Sequence[str], righe: Iterable[Sequence], stili: Sequence[str | None]
    ) -> None:
        """A header, the rows, and a Totale row summing every column but the first."""
        self.aggiungi(*titoli, stili=("Intestazione",) * len(titoli))
        prima = self.righe + 1
        for riga in righe:
            self.aggiungi(*riga, stili=stili)
        totali = self.libro.totali(self.ws, stili, prima, self.righe, range(1, len(stili)))
        self.ws.append(totali)
        self.righe += 1


def _foglio_riepilogo(libro: _Libro, r: Riepilogo, narrativa: Narrativa | None) -> None:
    pagina = _Pagina(libro)
    ws = pagina.ws
    i = r.intestazione
    pagina.aggiungi("Rendiconto dell'accordo", stili=("Titolo",))
    pagina.voce(
        "Ente pubblico", _testo(ws, " - ".join(x for x in (i.ente_pubblico, i.ufficio) if x))
    )
    pagina.voce("Ente partner", _testo(ws, i.ente_partner))
    pagina.voce("Accordo", _testo(ws, i.titolo))
    if i.riferimento:
        pagina.voce("Riferimento", _testo(ws, i.riferimento))
    pagina.voce("Periodo dal", r.dal, "Data")
    pagina.voce("Periodo al", r.al, "Data")
    pagina.voce("Cifre calcolate il", _senza_fuso(r.calcolato_il), "Data e ora")

    pagina.sezione(f"Spesa per tranche, dall'inizio dell'accordo al {data_it(r.al)}")
    pagina.tabella(
        (
            "Tranche",
            "Importo",
            "Prestazioni",
            "Quote amministrative",
            "Quota progettazione",
            "Utilizzato",
            "Disponibile",
        ),
        (
            (
                _testo(ws, t.etichetta),
                t.importo,
                t.valore,
                t.quote,
                t.progettazione,
                t.utilizzato,
                t.disponibile,
            )
            for t in r.spesa_cumulata.tranche
        ),
        (None,) + ("Euro",) * 6,
    )
    if i.riporto_residui:
        pagina.nota("Il disponibile tiene conto del riporto dei residui tra le tranche.")

    pagina.sezione(f"Spesa del periodo {data_it(r.dal)} - {data_it(r.al)}, per tranche")
    pagina.tabella(
        ("Tranche", "Prestazioni", "Quote amministrative", "Quota progettazione", "Totale"),
        (
            (_testo(ws, t.etichetta), t.valore, t.quote, t.progettazione, t.utilizzato)
            for t in r.spesa_periodo.tranche
        ),
        (None,) + ("Euro",) * 4,
    )

    pagina.sezione("Spesa del periodo, per tipo")
    pagina.tabella(
        ("Tipo", "Numero", "Importo", "Quote amministrative", "Totale"),
        ((t.etichetta, t.numero, t.valore, t.quote, t.totale) for t in r.spesa_periodo.tipi),
        (None, "Intero", "Euro", "Euro", "Euro"),
    )

    pagina.sezione("Quota progettazione")
    p = r.progettazione
    pagina.voce("Tetto dell'accordo", p.tetto, "Euro")
    pagina.voce("Utilizzata nel periodo", p.utilizzato_periodo, "Euro")
    pagina.voce(f"Utilizzata al {data_it(r.al)}", p.utilizzato, "Euro")
    pagina.voce("Disponibile", p.disponibile, "Euro")

    pagina.sezione("Attività dei laboratori")
    pagina.aggiungi(
        "Indicatore",
        "Periodo",
        f"Dall'inizio al {data_it(r.al)}",
        stili=("Intestazione",) * 3,
    )
    periodo, cumulata = r.attivita_periodo.totale, r.attivita_cumulata.totale
    for etichetta, campo, stile in _INDICATORI:
        pagina.aggiungi(
            etichetta,
            getattr(periodo, campo),
            getattr(cumulata, campo),
            stili=("Etichetta", stile, stile),
        )
    pagina.nota(
        "Partecipanti: persone distinte, chi frequenta più laboratori conta una volta. "
        "Fidelizzati: almeno 3 presenze."
    )

    if narrativa is not None:
        _narrativa(pagina, narrativa)


_INDICATORI = (
    ("Sessioni svolte", "sessioni_svolte", "Intero"),
    ("Sessioni previste", "sessioni_previste", "Intero"),
    ("Ore di laboratorio", "ore", "Ore"),
    ("Ore educatori", "ore_educatori", "Ore"),
    ("Ore volontari", "ore_volontari", "Ore"),
    ("Partecipanti", "partecipanti", "Intero"),
    ("Presenze", "presenze", "Intero"),
    ("Media presenze per sessione", "media_presenze", "Decimale"),
    ("Fidelizzati", "fidelizzati", "Intero"),
    ("Fidelizzati %", "quota_fidelizzati", "Decimale"),
    ("Costo dei laboratori", "costo", "Euro"),
)

_TITOLI_NARRATIVA = (
    ("attivita_svolte", "Attività svolte"),
    ("risultati", "Risultati"),
    ("criticita", "Criticità"),
    ("prospettive", "Prospettive e prossimi passi"),
)


def _narrativa(pagina: _Pagina, narrativa: Narrativa) -> None:
    """The consortium's texts under the figures, one paragraph a row across
    B:G. Excel does not fit the height of merged cells, so it is estimated."""
    testi = [(titolo, getattr(narrativa, campo).strip()) for campo, titolo in _TITOLI_NARRATIVA]
    if not any(testo for _titolo, testo in testi):
        return
    pagina.sezione("Relazione del Consorzio")
    a_capo = pagina.libro.stile("A capo")
    for titolo, testo in testi:
        paragrafi = [p.strip() for p in testo.splitlines() if p.strip()]
        for numero, paragrafo in enumerate(paragrafi):
            riga = pagina.righe + 1
            linee = math.ceil(len(paragrafo) / _CARATTERI_PER_RIGA)
            pagina.ws.row_dimensions[riga].height = min(linee * _ALTEZZA_RIGA, _ALTEZZA_MASSIMA)
            pagina.ws.merged_cells.add(f"B{riga}:G{riga}")
            pagina.aggiungi(
                titolo if numero == 0 else None,
                _testo(pagina.ws, paragrafo, a_capo),
                stili=("Etichetta", None),
            )


def _foglio_prestazioni(libro: _Libro, r: Riepilogo) -> None:
    ws = libro.elenco("Prestazioni", COLONNE_PRESTAZIONI)
    data, euro = libro.stile("Data"), libro.stile("Euro")
    # The hot loop of a large export: cells are built directly, see _Libro.
    for v in r.prestazioni:
        ws.append(
            (
                Cell(ws, 1, 1, v.data, data),
                v.tipo,
                _testo(ws, v.fornitore),
                _testo(ws, v.descrizione),
                v.tranche,
                _testo(ws, v.laboratorio),
                _testo(ws, v.numero_documento),
                Cell(ws, 1, 1, v.valore, euro),
                v.aliquota,
                Cell(ws, 1, 1, v.quota, euro),
                Cell(ws, 1, 1, v.totale, euro),
            )
        )
    _chiudi_elenco(libro, ws, COLONNE_PRESTAZIONI, len(r.prestazioni), somme=(7, 9, 10))


def _foglio_laboratori(libro: _Libro, r: Riepilogo) -> None:
    colonne = COLONNE_LABORATORI
    ws = libro.elenco("Laboratori", colonne)
    for voce in r.attivita_periodo.laboratori:
        lab, m = voce.laboratorio, voce.misure
        misure = (
            m.sessioni_svolte,
            m.sessioni_previste,
            m.ore,
            m.partecipanti,
            m.media_presenze,
            m.quota_fidelizzati,
            m.ore_volontari,
            m.costo,
            m.costo_per_partecipante,
            m.costo_per_ora,
        )
        ws.append(
            [
                _testo(ws, lab.titolo),
                lab.tipo,
                _testo(ws, lab.cooperativa),
                *(
                    libro.cella(ws, valore, c.stile)
                    for valore, c in zip(misure, colonne[3:], strict=True)
                ),
            ]
        )
    totale = r.attivita_periodo.totale
    # Participants are people, not a sum: one who attends two laboratories
    # counts once. So are the figures computed from them.
    _chiudi_elenco(
        libro,
        ws,
        colonne,
        len(r.attivita_periodo.laboratori),
        somme=(3, 4, 5, 9, 10),
        valori={
            6: totale.partecipanti,
            7: totale.media_presenze,
            8: totale.quota_fidelizzati,
            11: totale.costo_per_partecipante,
            12: totale.costo_per_ora,
        },
        nota=(
            "Partecipanti, media presenze, fidelizzati % e costo per partecipante e per ora "
            "del totale contano le persone distinte del periodo (chi frequenta più laboratori "
            "conta una volta): non sono la somma della colonna."
        ),
    )


def _foglio_sessioni(libro: _Libro, r: Riepilogo) -> None:
    ws = libro.elenco("Sessioni", COLONNE_SESSIONI)
    data, ora, ore = libro.stile("Data"), libro.stile("Ora"), libro.stile("Ore")
    intero = libro.stile("Intero")
    for s in r.sessioni:
        ws.append(
            (
                Cell(ws, 1, 1, s.data, data),
                _testo(ws, s.laboratorio),
                _testo(ws, s.cooperativa),
                Cell(ws, 1, 1, s.ora_inizio, ora),
                Cell(ws, 1, 1, s.ora_fine, ora),
                Cell(ws, 1, 1, s.ore, ore),
                Cell(ws, 1, 1, s.ore_educatori, ore),
                Cell(ws, 1, 1, s.ore_volontari, ore),
                Cell(ws, 1, 1, s.presenze, intero),
            )
        )
    _chiudi_elenco(libro, ws, COLONNE_SESSIONI, len(r.sessioni), somme=(5, 6, 7, 8))


def _chiudi_elenco(
    libro: _Libro,
    ws: WriteOnlyWorksheet,
    colonne: Sequence[Colonna],
    n: int,
    *,
    somme: Iterable[int],
    valori: dict[int, object] | None = None,
    nota: str = "",
) -> None:
    """The Totale row under the n data rows, and the filter over header and data."""
    ws.append(libro.totali(ws, [c.stile for c in colonne], 2, n + 1, somme, valori))
    if nota:
        ws.append([libro.cella(ws, nota, "Nota")])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(colonne))}{n + 1}"


def scrivi_xlsx_rendiconto(
    riassunto: Riepilogo,
    destinazione: str | PathLike | IO[bytes],
    *,
    narrativa: Narrativa | None = None,
) -> None:
    """Write the workbook to a path or a binary stream, without holding it
    in memory as well."""
    libro = _Libro()
    _foglio_riepilogo(libro, riassunto, narrativa)
    _foglio_prestazioni(libro, riassunto)
    _foglio_laboratori(libro, riassunto)
    _foglio_sessioni(libro, riassunto)
    libro.wb.save(destinazione)


def xlsx_rendiconto(riassunto: Riepilogo, *, narrativa: Narrativa | None = None) -> bytes:
    """The workbook as bytes, e.g. for an HTTP response."""
    buffer = io.BytesIO()
    scrivi_xlsx_rendiconto(riassunto, buffer, narrativa=narrativa)
    return buffer.getvalue()
