"""`manage.py rendiconto`: the report's PDF and workbook from the command
line, a short account of the figures, and clear errors in Italian."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from rendicontazione import services
from rendicontazione.models import Rendiconto


def rendiconto(accordo, *argomenti: str) -> str:
    uscita = StringIO()
    call_command("rendiconto", "--accordo", str(accordo.pk), *argomenti, stdout=uscita)
    return uscita.getvalue()


@pytest.fixture
def spese(tranche_2024, crea_prestazione):
    crea_prestazione(tranche_2024, "1000.00", data=date(2024, 10, 1))
    crea_prestazione(tranche_2024, "500.00", tipo="progettazione", data=date(2024, 11, 1))


def test_writes_the_pdf_and_the_workbook(accordo, spese, tmp_path):
    pdf, xlsx = tmp_path / "rendiconto.pdf", tmp_path / "rendiconto.xlsx"

    uscita = rendiconto(
        accordo, "--dal", "2024-09-01", "--al", "2024-12-31", "--pdf", str(pdf), "--xlsx", str(xlsx)
    )

    assert pdf.read_bytes().startswith(b"%PDF")
    libro = load_workbook(xlsx)
    assert libro.sheetnames == ["Riepilogo", "Prestazioni", "Laboratori", "Sessioni"]
    prestazioni = libro["Prestazioni"]
    assert [prestazioni["H2"].value, prestazioni["H3"].value] == [1000, 500]
    assert prestazioni["H4"].value == "=SUM(H2:H3)"
    assert f"File PDF scritto: {pdf}" in uscita
    assert f"File Excel scritto: {xlsx}" in uscita


def test_prints_the_figures_of_the_period(accordo, spese, tmp_path):
    uscita = rendiconto(accordo, "--dal", "01/09/2024", "--al", "31/12/2024")

    assert "Periodo: 01/09/2024 - 31/12/2024" in uscita
    # 1000 + 3% fee + 500 of design work
    assert (
        "Spesa del periodo: € 1.530,00 (2 prestazioni; quote amministrative € 30,00; "
        "quota progettazione € 500,00)"
    ) in uscita
    assert "Tranche 2024: utilizzati € 1.530,00 di € 13.000,00 al 31/12/2024" in uscita
    assert "disponibili € 11.470,00" in uscita
    assert "Quota progettazione: utilizzati € 500,00 di € 6.000,00" in uscita
    assert "Attività del periodo: 0 sessioni, 0,00 ore, 0 partecipanti, 0 presenze" in uscita
    assert "File" not in uscita
    assert list(tmp_path.iterdir()) == []


def test_uses_the_narrative_of_the_report_of_that_period_and_flags_changed_figures(
    accordo, spese, tranche_2024, crea_prestazione, utente_consorzio, tmp_path
):
    bozza = services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo,
            dal=date(2024, 9, 1),
            al=date(2024, 12, 31),
            attivita_svolte="Avvio della ciclofficina in via Bonomelli.",
        ),
        utente=utente_consorzio,
    )
    services.invia(rendiconto=bozza, utente=utente_consorzio)
    periodo = ("--dal", "2024-09-01", "--al", "2024-12-31")

    assert "coincidono con quelle congelate nell'invio n. 1" in rendiconto(accordo, *periodo)

    crea_prestazione(tranche_2024, "200.00", data=date(2024, 12, 1))
    xlsx = tmp_path / "rendiconto.xlsx"
    uscita = rendiconto(accordo, *periodo, "--xlsx", str(xlsx))

    assert "differiscono da quelle congelate nell'invio n. 1" in uscita
    assert "Spesa totale del periodo: € 1.530,00 → € 1.736,00" in uscita
    testi = {c for riga in load_workbook(xlsx)["Riepilogo"].values for c in riga}
    assert "Avvio della ciclofficina in via Bonomelli." in testi


@pytest.mark.parametrize(
    ("argomenti", "messaggio"),
    [
        (
            ("--dal", "2024-13-01", "--al", "2024-12-31"),
            "--dal: «2024-13-01» non è una data valida",
        ),
        (("--dal", "2024-09-01", "--al", "ieri"), "--al: «ieri» non è una data valida"),
        (
            ("--dal", "2024-12-31", "--al", "2024-09-01"),
            "La fine del periodo (01/09/2024) non può precedere l'inizio (31/12/2024).",
        ),
        (
            ("--dal", "2024-06-01", "--al", "2024-12-31"),
            "Il periodo deve stare nella durata dell'accordo (01/09/2024 - 31/12/2025).",
        ),
        (
            ("--dal", "2025-01-01", "--al", "2026-01-31"),
            "Il periodo deve stare nella durata dell'accordo",
        ),
    ],
)
def test_bad_periods_are_refused_in_italian(accordo, argomenti, messaggio):
    with pytest.raises(CommandError, match=re.escape(messaggio)):
        rendiconto(accordo, *argomenti)


def test_an_unknown_agreement_is_refused_with_the_ones_available(accordo):
    with pytest.raises(CommandError) as errore:
        call_command("rendiconto", "--accordo", "999", "--dal", "2024-09-01", "--al", "2024-12-31")
    assert str(errore.value).startswith("Nessun accordo con id 999. Accordi disponibili: ")
    assert f"{accordo.pk} (" in str(errore.value)


def test_a_missing_folder_is_refused_before_computing(accordo, tmp_path):
    destinazione = tmp_path / "manca" / "rendiconto.xlsx"
    with pytest.raises(CommandError, match=r"La cartella .*manca non esiste\."):
        rendiconto(
            accordo, "--dal", "2024-09-01", "--al", "2024-12-31", "--xlsx", str(destinazione)
        )
