"""The Excel workbook of a report: its totals are SUM formulas whose
computed values equal the summary, money and dates are real numbers and
dates, list sheets have a frozen header and a filter, and no participant
code appears anywhere."""

from datetime import date, datetime, time
from decimal import Decimal

import formulas
import pytest
from openpyxl import load_workbook

from laboratori import services as lab_services
from laboratori.models import Laboratorio, Partecipante, Sessione, TipoLaboratorio
from rendicontazione.excel import (
    COLONNE_LABORATORI,
    COLONNE_PRESTAZIONI,
    COLONNE_SESSIONI,
    FORMATO_DATA,
    FORMATO_EURO,
    scrivi_xlsx_rendiconto,
    xlsx_rendiconto,
)
from rendicontazione.riepilogo import Narrativa, Riepilogo, riepilogo

DAL, AL = date(2024, 10, 1), date(2025, 3, 31)
CENTESIMO = 0.005


@pytest.fixture(autouse=True)
def oggi_fisso(monkeypatch):
    # Sessions must be in the past: freeze the services' today after them all.
    monkeypatch.setattr(lab_services, "oggi", lambda: date(2025, 12, 31))


def _laboratorio(accordo, cooperativa, titolo, tipo, previste) -> Laboratorio:
    return lab_services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo=titolo,
            tipo=tipo,
            cooperativa=cooperativa,
            luogo="Cremona",
            data_inizio=date(2024, 9, 1),
            data_fine=date(2025, 12, 31),
            sessioni_previste=previste,
        )
    )


def _sessione(lab, giorno, dalle, alle, presenti, ore_volontari="0") -> Sessione:
    return lab_services.sessione_salva(
        sessione=Sessione(
            laboratorio=lab,
            data=giorno,
            ora_inizio=dalle,
            ora_fine=alle,
            numero_educatori=2,
            ore_educatori=Decimal("5.00"),
            volontari=1 if ore_volontari != "0" else 0,
            ore_volontari=Decimal(ore_volontari),
        ),
        presenti=presenti,
    )


@pytest.fixture
def dati(
    accordo, tranche_2024, tranche_2025, crea_prestazione, cooperativa_a, cooperativa_b
) -> Riepilogo:
    """Two laboratories and a report period spanning both tranches, with
    prestazioni and sessions before, inside and after it.

    One participant attends both laboratories, so the unique participants
    of the period (3) are fewer than the sum of each laboratory's (2 + 2).
    """
    ciclofficina = _laboratorio(
        accordo, cooperativa_a, "Ciclofficina", TipoLaboratorio.CICLOFFICINA, 10
    )
    falegnameria = _laboratorio(
        accordo, cooperativa_b, "Falegnameria", TipoLaboratorio.FALEGNAMERIA, 6
    )
    uno, due, tre = (
        lab_services.partecipante_crea(
            laboratorio=ciclofficina,
            fascia_eta="11_13",
            genere="F",
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for _ in range(3)
    )
    _sessione(ciclofficina, date(2024, 9, 20), time(15), time(17), [uno])  # before
    _sessione(ciclofficina, date(2024, 10, 10), time(15), time(17), [uno, due])
    _sessione(ciclofficina, date(2024, 11, 7), time(15), time(17, 30), [uno, due], "2.50")
    _sessione(falegnameria, date(2024, 12, 5), time(16), time(18), [uno, tre], "1.25")
    _sessione(falegnameria, date(2025, 2, 6), time(9, 30), time(12), [tre])
    _sessione(falegnameria, date(2025, 5, 10), time(9), time(11), [uno, due, tre])  # after

    crea_prestazione(tranche_2024, "1000.00", data=date(2024, 9, 15))  # before
    crea_prestazione(
        tranche_2024,
        "250.50",
        tipo="beni_consumo",
        data=date(2024, 10, 20),
        laboratorio=ciclofficina,
        numero_documento="FT 12/2024",
    )
    crea_prestazione(tranche_2024, "1200.00", tipo="progettazione", data=date(2024, 11, 30))
    crea_prestazione(
        tranche_2025,
        "2000.00",
        tipo="personale_esterno",
        data=date(2025, 1, 15),
        laboratorio=falegnameria,
    )
    crea_prestazione(
        tranche_2025,
        "99.99",
        data=date(2025, 3, 31),
        descrizione='=HYPERLINK("http://esempio.invalid","clic")',
        numero_documento="#N/A",
    )
    crea_prestazione(tranche_2025, "500.00", data=date(2025, 4, 15))  # after
    return riepilogo(accordo, DAL, AL)


NARRATIVA = Narrativa(
    attivita_svolte="Avvio della ciclofficina.\nApertura della falegnameria a dicembre.",
    risultati="Buona partecipazione.",
    criticita="",
    prospettive="Nuovi laboratori in primavera.\n= obiettivi del secondo anno confermati",
)


@pytest.fixture
def percorso(dati, tmp_path):
    percorso = tmp_path / "rendiconto.xlsx"
    scrivi_xlsx_rendiconto(dati, percorso, narrativa=NARRATIVA)
    return percorso


@pytest.fixture
def libro(percorso):
    return load_workbook(percorso)


@pytest.fixture
def calcolati(percorso):
    """The formulas of the workbook, evaluated: {(SHEET, "B12"): value}."""
    soluzione = formulas.ExcelModel().loads(str(percorso)).finish().calculate()
    valori = {}
    for chiave, intervallo in soluzione.items():
        foglio, _sep, cella = chiave.rpartition("!")
        if ":" in cella:
            continue
        valori[(foglio.split("]")[-1].rstrip("'"), cella)] = intervallo.value[0][0]
    return valori


def _riga(ws, testo: str, dopo: int = 1) -> int:
    """The first row from `dopo` on whose column A starts with `testo`."""
    for riga in range(dopo, ws.max_row + 1):
        valore = ws.cell(riga, 1).value
        if isinstance(valore, str) and valore.startswith(testo):
            return riga
    raise AssertionError(f"«{testo}» non trovato nel foglio {ws.title}")


def _totali(libro, calcolati, foglio: str, sezione: str | None, colonne: str) -> list[float]:
    """The computed totals in `colonne` of the Totale row (after `sezione`),
    checking each is a SUM formula."""
    ws = libro[foglio]
    riga = _riga(ws, "Totale", _riga(ws, sezione) if sezione else 1)
    valori = []
    for colonna in colonne:
        formula = ws[f"{colonna}{riga}"].value
        assert isinstance(formula, str) and formula.startswith("=SUM("), (foglio, colonna, riga)
        valori.append(calcolati[(foglio.upper(), f"{colonna}{riga}")])
    return valori


def _uguali(calcolati: list[float], attesi: list) -> None:
    assert len(calcolati) == len(attesi)
    for calcolato, atteso in zip(calcolati, attesi, strict=True):
        assert abs(Decimal(str(calcolato)) - Decimal(atteso)) < Decimal(str(CENTESIMO)), (
            calcolati,
            attesi,
        )


def test_the_data_is_not_trivial(dati):
    # Guards the tests below against comparing zeros with zeros.
    assert dati.spesa_periodo.numero_prestazioni == 4
    assert dati.spesa_cumulata.numero_prestazioni == 5
    assert len(dati.sessioni) == 4
    assert dati.attivita_periodo.totale.partecipanti == 3
    assert sum(lab.misure.partecipanti for lab in dati.attivita_periodo.laboratori) == 4
    assert dati.progettazione.utilizzato_periodo == Decimal("1200.00")


def test_the_workbook_has_the_four_sheets(libro):
    assert libro.sheetnames == ["Riepilogo", "Prestazioni", "Laboratori", "Sessioni"]


def test_riepilogo_totals_by_tranche_equal_the_summary(dati, libro, calcolati):
    cumulata, periodo = dati.spesa_cumulata, dati.spesa_periodo
    _uguali(
        _totali(libro, calcolati, "Riepilogo", "Spesa per tranche", "BCDEFG"),
        [
            cumulata.importo,
            cumulata.valore,
            cumulata.quote,
            cumulata.progettazione,
            cumulata.totale,
            cumulata.disponibile,
        ],
    )
    _uguali(
        _totali(libro, calcolati, "Riepilogo", "Spesa del periodo", "BCDE"),
        [periodo.valore, periodo.quote, periodo.progettazione, periodo.totale],
    )
    _uguali(
        _totali(libro, calcolati, "Riepilogo", "Spesa del periodo, per tipo", "BCDE"),
        [
            periodo.numero_prestazioni,
            periodo.valore + periodo.progettazione,
            periodo.quote,
            periodo.totale,
        ],
    )


def test_riepilogo_rows_carry_the_summary_figures(dati, libro):
    ws = libro["Riepilogo"]
    dal = ws.cell(_riga(ws, "Periodo dal"), 2)
    assert dal.value == datetime(2024, 10, 1) and dal.number_format == FORMATO_DATA
    assert ws.cell(_riga(ws, "Periodo al"), 2).value == datetime(2025, 3, 31)
    assert isinstance(ws.cell(_riga(ws, "Cifre calcolate il"), 2).value, datetime)
    riga = _riga(ws, "Tranche", _riga(ws, "Spesa per tranche"))
    for scarto, tranche in enumerate(dati.spesa_cumulata.tranche, start=1):
        valori = [c.value for c in ws[riga + scarto][:7]]
        assert valori[0] == tranche.etichetta
        assert valori[1:] == [
            float(tranche.importo),
            float(tranche.valore),
            float(tranche.quote),
            float(tranche.progettazione),
            float(tranche.utilizzato),
            float(tranche.disponibile),
        ]
        assert all(c.number_format == FORMATO_EURO for c in ws[riga + scarto][1:7])
    tetto = _riga(ws, "Tetto dell'accordo")
    assert ws.cell(tetto, 2).value == float(dati.progettazione.tetto)
    assert ws.cell(tetto + 3, 1).value == "Disponibile"
    assert ws.cell(tetto + 3, 2).value == float(dati.progettazione.disponibile)
    sessioni = _riga(ws, "Sessioni svolte", _riga(ws, "Attività dei laboratori"))
    assert ws.cell(sessioni, 2).value == dati.attivita_periodo.totale.sessioni_svolte
    assert ws.cell(sessioni, 3).value == dati.attivita_cumulata.totale.sessioni_svolte
    assert ws.cell(_riga(ws, "Partecipanti"), 2).value == 3


def test_riepilogo_ends_with_the_narrative_wrapped(libro):
    ws = libro["Riepilogo"]
    riga = _riga(ws, "Attività svolte", _riga(ws, "Relazione del Consorzio"))
    assert ws.cell(riga, 2).value == "Avvio della ciclofficina."
    assert ws.cell(riga + 1, 2).value == "Apertura della falegnameria a dicembre."
    assert ws.cell(riga, 2).alignment.wrap_text
    assert f"B{riga}:G{riga}" in {str(r) for r in ws.merged_cells.ranges}
    testi = [ws.cell(r, 1).value for r in range(riga, ws.max_row + 1)]
    assert "Criticità" not in testi  # empty, left out
    assert "Prospettive e prossimi passi" in testi
    ultima = ws.cell(ws.max_row, 2)
    assert ultima.value == "= obiettivi del secondo anno confermati"
    assert ultima.data_type == "s" and ultima.alignment.wrap_text


def test_prestazioni_totals_equal_the_summary(dati, libro, calcolati):
    periodo = dati.spesa_periodo
    _uguali(
        _totali(libro, calcolati, "Prestazioni", None, "HJK"),
        [periodo.valore + periodo.progettazione, periodo.quote, periodo.totale],
    )


def test_prestazioni_rows_are_numbers_and_dates(dati, libro):
    ws = libro["Prestazioni"]
    assert [c.value for c in ws[1]] == [c.titolo for c in COLONNE_PRESTAZIONI]
    assert ws.max_row == len(dati.prestazioni) + 2
    for riga, voce in zip(ws.iter_rows(min_row=2), dati.prestazioni, strict=False):
        data, *_testi, valore, aliquota, quota, totale = riga
        assert data.is_date and data.value == datetime.combine(voce.data, time())
        assert data.number_format == FORMATO_DATA
        for cella, atteso in ((valore, voce.valore), (quota, voce.quota), (totale, voce.totale)):
            assert cella.data_type == "n" and isinstance(cella.value, int | float)
            assert Decimal(str(cella.value)) == atteso
            assert cella.number_format == FORMATO_EURO
        assert Decimal(str(aliquota.value)) == voce.aliquota
    beni = ws[2]
    assert [c.value for c in beni[1:7]] == [
        "Beni di consumo",
        "Falegnameria Bodini",
        "Prestazione di prova",
        "2024",
        "Ciclofficina",
        "FT 12/2024",
    ]


def test_text_that_looks_like_a_formula_stays_text(libro, calcolati):
    ws = libro["Prestazioni"]
    cella = ws["D5"]
    assert cella.value == '=HYPERLINK("http://esempio.invalid","clic")'
    assert cella.data_type == "s"
    assert ws["G5"].value == "#N/A" and ws["G5"].data_type == "s"
    assert ("PRESTAZIONI", "D5") not in calcolati or calcolati[("PRESTAZIONI", "D5")] == cella.value


def test_laboratori_totals_sum_activity_but_count_people_once(dati, libro, calcolati):
    totale = dati.attivita_periodo.totale
    _uguali(
        _totali(libro, calcolati, "Laboratori", None, "DEFJK"),
        [
            totale.sessioni_svolte,
            totale.sessioni_previste,
            totale.ore,
            totale.ore_volontari,
            totale.costo,
        ],
    )
    ws = libro["Laboratori"]
    riga = _riga(ws, "Totale")
    assert ws[f"G{riga}"].value == 3  # the summary's unique participants, not 2 + 2
    assert ws[f"H{riga}"].value == float(totale.media_presenze)
    assert "non sono la somma" in ws.cell(riga + 1, 1).value
    ciclofficina = [c.value for c in ws[2]]
    misure = dati.attivita_periodo.laboratori[0].misure
    assert ciclofficina[:7] == ["Ciclofficina", "Ciclofficina", "Solco Cremona Edu", 2, 10, 4.5, 2]
    assert ciclofficina[10] == float(misure.costo)
    assert ws["K2"].number_format == FORMATO_EURO


def test_sessioni_totals_equal_the_summary(dati, libro, calcolati):
    totale = dati.attivita_periodo.totale
    _uguali(
        _totali(libro, calcolati, "Sessioni", None, "FGHI"),
        [totale.ore, totale.ore_educatori, totale.ore_volontari, totale.presenze],
    )
    ws = libro["Sessioni"]
    assert [c.value for c in ws[2]] == [
        datetime(2024, 10, 10),
        "Ciclofficina",
        "Solco Cremona Edu",
        time(15),
        time(17),
        2,
        5,
        0,
        2,
    ]
    assert ws["D2"].number_format == "hh:mm"
    assert ws["A2"].number_format == FORMATO_DATA


@pytest.mark.parametrize(
    ("foglio", "colonne"),
    [
        ("Prestazioni", COLONNE_PRESTAZIONI),
        ("Laboratori", COLONNE_LABORATORI),
        ("Sessioni", COLONNE_SESSIONI),
    ],
)
def test_list_sheets_have_a_frozen_header_a_filter_and_widths(libro, foglio, colonne):
    ws = libro[foglio]
    assert ws.freeze_panes == "A2"
    ultima = _riga(ws, "Totale") - 1
    ultima_colonna = chr(ord("A") + len(colonne) - 1)
    assert ws.auto_filter.ref == f"A1:{ultima_colonna}{ultima}"
    assert [c.value for c in ws[1]] == [c.titolo for c in colonne]
    assert all(c.font.bold for c in ws[1])
    for indice, colonna in enumerate(colonne):
        assert ws.column_dimensions[chr(ord("A") + indice)].width == colonna.larghezza


def test_no_participant_code_in_any_cell(dati, libro):
    codici = set(Partecipante.objects.values_list("codice", flat=True))
    assert len(codici) == 3
    for ws in libro.worksheets:
        for riga in ws.iter_rows(values_only=True):
            for valore in riga:
                testo = str(valore or "")
                assert not any(codice in testo for codice in codici), (ws.title, testo)


def test_a_summary_rebuilt_from_json_gives_the_same_workbook(dati, libro, tmp_path):
    percorso = tmp_path / "congelato.xlsx"
    percorso.write_bytes(xlsx_rendiconto(Riepilogo.from_json(dati.as_json()), narrativa=NARRATIVA))
    congelato = load_workbook(percorso)
    for foglio in libro.sheetnames:
        assert list(congelato[foglio].values) == list(libro[foglio].values), foglio


def test_an_empty_period_totals_zero(accordo, tmp_path):
    riassunto = riepilogo(accordo, date(2025, 6, 1), date(2025, 6, 30))
    percorso = tmp_path / "vuoto.xlsx"
    percorso.write_bytes(xlsx_rendiconto(riassunto))
    libro = load_workbook(percorso)
    ws = libro["Prestazioni"]
    assert ws.auto_filter.ref == "A1:K1"
    assert [ws["A2"].value, ws["H2"].value, ws["K2"].value] == ["Totale", 0, 0]
    assert libro["Sessioni"]["F2"].value == 0
    with pytest.raises(AssertionError):
        _riga(libro["Riepilogo"], "Relazione del Consorzio")


def test_control_characters_pasted_in_a_description_do_not_abort_the_export(
    accordo, tranche_2025, crea_prestazione, tmp_path
):
    crea_prestazione(
        tranche_2025, "10.00", data=date(2025, 6, 10), descrizione="Fattura\x0bincollata"
    )
    riassunto = riepilogo(accordo, date(2025, 6, 1), date(2025, 6, 30))
    percorso = tmp_path / "controllo.xlsx"
    percorso.write_bytes(xlsx_rendiconto(riassunto))
    assert load_workbook(percorso)["Prestazioni"]["D2"].value == "Fatturaincollata"
