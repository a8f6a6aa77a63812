"""The `stato_budget` command: JSON shape and figures, text output, errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

FIGURE = {
    # Hand computation for the prestazioni created by `prestazioni` below:
    # 2024: 1.234,56 (fee 37,04) + 1,50 (fee 0,05) + design 500,00
    # 2025: 1.000,00 (fee 30,00) + design 1.000,00
    "2024": {
        "importo": "13000.00",
        "valore_prestazioni": "1236.06",
        "quote_amministrative": "37.09",
        "quota_progettazione": "500.00",
        "utilizzato": "1773.15",
        "disponibile": "11226.85",
    },
    "2025": {
        "importo": "27000.00",
        "valore_prestazioni": "1000.00",
        "quote_amministrative": "30.00",
        "quota_progettazione": "1000.00",
        "utilizzato": "2030.00",
        "disponibile": "24970.00",
    },
}
PROGETTAZIONE = {"tetto": "6000.00", "utilizzato": "1500.00", "disponibile": "4500.00"}
TOTALE = {
    "importo": "40000.00",
    "valore_prestazioni": "2236.06",
    "quote_amministrative": "67.09",
    "quota_progettazione": "1500.00",
    "utilizzato": "3803.15",
    "disponibile": "36196.85",
}


@pytest.fixture
def prestazioni(tranche_2024, tranche_2025, crea_prestazione):
    crea_prestazione(tranche_2024, "1234.56")
    crea_prestazione(tranche_2024, "1.50")
    crea_prestazione(tranche_2024, "500.00", tipo="progettazione", fornitore=None)
    crea_prestazione(tranche_2025, "1000.00")
    crea_prestazione(tranche_2025, "1000.00", tipo="progettazione", fornitore=None)
    return tranche_2024.accordo


def esegui(*args) -> str:
    uscita = StringIO()
    call_command("stato_budget", *args, stdout=uscita)
    return uscita.getvalue()


def test_json_has_the_documented_shape(prestazioni):
    documento = json.loads(esegui("--json"))
    assert list(documento) == ["accordi"]
    (accordo,) = documento["accordi"]
    assert {
        "accordo_id",
        "titolo",
        "data_inizio",
        "data_fine",
        "aliquota_quota_amministrativa",
        "aliquota_iva",
        "riporto_residui",
        "tranche",
        "progettazione",
        "totale",
    } <= set(accordo)
    assert accordo["accordo_id"] == prestazioni.pk
    assert accordo["data_inizio"] == "2024-09-01"
    assert accordo["data_fine"] == "2025-12-31"
    assert accordo["aliquota_quota_amministrativa"] == "3.00"
    assert accordo["aliquota_iva"] == "5.00"
    assert accordo["riporto_residui"] is False
    assert [t["etichetta"] for t in accordo["tranche"]] == ["2024", "2025"]
    riga = accordo["tranche"][0]
    assert {
        "id",
        "etichetta",
        "data_inizio",
        "data_fine",
        "importo",
        "valore_prestazioni",
        "quote_amministrative",
        "quota_progettazione",
        "utilizzato",
        "disponibile",
        "nota",
    } <= set(riga)
    assert (riga["data_inizio"], riga["data_fine"]) == ("2024-09-01", "2024-12-31")
    assert set(accordo["progettazione"]) == {"tetto", "utilizzato", "disponibile"}
    assert set(accordo["totale"]) == set(TOTALE)


def test_json_amounts_are_strings_with_two_decimals(prestazioni):
    (accordo,) = json.loads(esegui("--json"))["accordi"]
    importi = [
        *(v for t in accordo["tranche"] for k, v in t.items() if k in FIGURE["2024"]),
        *accordo["progettazione"].values(),
        *accordo["totale"].values(),
    ]
    assert importi
    for valore in importi:
        assert isinstance(valore, str)
        assert len(valore.split(".")[1]) == 2, valore


def test_json_figures_equal_the_hand_computation(prestazioni):
    (accordo,) = json.loads(esegui("--json", "--accordo", str(prestazioni.pk)))["accordi"]
    for riga in accordo["tranche"]:
        assert {k: riga[k] for k in FIGURE[riga["etichetta"]]} == FIGURE[riga["etichetta"]]
    assert accordo["progettazione"] == PROGETTAZIONE
    assert accordo["totale"] == TOTALE


def test_text_output_shows_euro_formatted_figures(prestazioni):
    testo = esegui()
    assert f"Accordo {prestazioni.pk}:" in testo
    assert "quota amministrativa 3%; IVA 5%; riporto residui no" in testo
    for figura in [
        "€ 13.000,00",
        "€ 1.236,06",
        "€ 37,09",
        "€ 1.773,15",
        "€ 11.226,85",
        "€ 24.970,00",
        "€ 40.000,00",
        "€ 36.196,85",
    ]:
        assert figura in testo
    assert "Tetto progettazione: € 6.000,00; utilizzato € 1.500,00; disponibile € 4.500,00" in testo


def test_text_output_has_one_line_per_tranche_and_a_total(prestazioni):
    righe = esegui().splitlines()
    riga_2024 = next(r for r in righe if r.strip().startswith("2024"))
    # Columns: importo, prestazioni, quote, progettazione, utilizzato, disponibile.
    assert riga_2024.rstrip().endswith("€ 1.773,15  € 11.226,85")
    riga_totale = next(r for r in righe if r.strip().startswith("Totale"))
    assert riga_totale.rstrip().endswith("€ 3.803,15  € 36.196,85")


def test_unknown_agreement_is_a_command_error(accordo):
    with pytest.raises(CommandError, match="Nessun accordo con id 999999"):
        esegui("--accordo", "999999")


@pytest.mark.django_db
def test_without_agreements_it_says_to_load_one():
    assert "carica_accordo" in esegui()
    assert json.loads(esegui("--json")) == {"accordi": []}
