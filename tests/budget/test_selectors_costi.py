"""budget.selectors.costi_laboratori: what the laboratories cost, and the
cost per laboratorio, per participant and per hour that the report shows.

The laboratori app reads no money (its pages show none); the report hands
these costs to laboratori.selectors' counting, as `con_costi()` does here
the way rendicontazione.riepilogo does. The figures are those of the
hand-computed example of tests/laboratori/esempio.py.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from budget.selectors import costi_laboratori
from laboratori.selectors import RigaCosto, indicatori_da_righe, leggi_attivita
from tests.laboratori.esempio import aggiungi_sessioni, crea_esempio, crea_laboratorio_grande

D = Decimal


@pytest.fixture
def esempio(accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione):
    return crea_esempio(
        accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione
    )


@pytest.fixture
def laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione):
    return crea_laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione)


def con_costi(accordo, *, dal=None, al=None):
    righe = leggi_attivita(accordo, dal=dal, al=al)
    costi = costi_laboratori([lab.id for lab in righe.laboratori], dal=dal, al=al)
    return indicatori_da_righe(replace(righe, costi=costi), dal=dal, al=al)


def test_each_prestazione_of_a_laboratorio_is_a_cost_row_with_its_fee(esempio):
    laboratori = {lab.titolo: lab.pk for lab in esempio.laboratori.all()}
    righe = costi_laboratori(laboratori.values())
    a, b, c = laboratori["Ciclofficina"], laboratori["Doposcuola"], laboratori["Teatro"]
    # Value + 3% fee, half up: 234,56 x 3% = 7,0368 -> 7,04. The 500,00 linked
    # to no laboratorio is in no row.
    assert sorted(righe, key=lambda r: (r.laboratorio_id, r.data)) == sorted(
        [
            RigaCosto(laboratorio_id=a, data=date(2024, 10, 10), costo=D("1030.00")),
            RigaCosto(laboratorio_id=a, data=date(2025, 1, 20), costo=D("241.60")),
            RigaCosto(laboratorio_id=b, data=date(2024, 11, 20), costo=D("309.00")),
            RigaCosto(laboratorio_id=c, data=date(2024, 12, 1), costo=D("51.50")),
        ],
        key=lambda r: (r.laboratorio_id, r.data),
    )
    assert costi_laboratori([b]) == [
        RigaCosto(laboratorio_id=b, data=date(2024, 11, 20), costo=D("309.00"))
    ]
    assert costi_laboratori([]) == []
    periodo = costi_laboratori(laboratori.values(), dal=date(2024, 10, 11), al=date(2024, 12, 1))
    assert sorted(r.costo for r in periodo) == [D("51.50"), D("309.00")]


def test_each_laboratory_s_cost_over_the_whole_agreement(esempio):
    a, b, c = (i.misure for i in con_costi(esempio).laboratori)
    # A: 1.030,00 + 241,60 = 1.271,60; / 5 participants = 254,32; / 8,5 h = 149,60.
    assert (a.costo, a.costo_per_partecipante, a.costo_per_ora) == (
        D("1271.60"),
        D("254.32"),
        D("149.60"),
    )
    # B: 309,00; / 2 = 154,50; / 3,25 = 95,0769 -> 95,08.
    assert (b.costo, b.costo_per_partecipante, b.costo_per_ora) == (
        D("309.00"),
        D("154.50"),
        D("95.08"),
    )
    # C: nothing held, 51,50 spent: no figure per participant or per hour.
    assert (c.costo, c.costo_per_partecipante, c.costo_per_ora) == (D("51.50"), None, None)


def test_the_agreement_s_cost_counts_each_participant_once(esempio):
    totale = con_costi(esempio).totale
    # 1.271,60 + 309,00 + 51,50 = 1.632,10 (the unlinked 515,00 is not a lab's);
    # / 6 = 272,0167 -> 272,02; / 11,75 = 138,9021 -> 138,90.
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("1632.10"),
        D("272.02"),
        D("138.90"),
    )


def test_a_date_range_cuts_the_prestazioni(esempio):
    # 08/10/2024 - 20/11/2024: A's 1.000,00 of 10/10 is in, its 234,56 of
    # 20/01/2025 out; B's 300,00 of 20/11 is in; C's 50,00 of 01/12 out.
    risultato = con_costi(esempio, dal=date(2024, 10, 8), al=date(2024, 11, 20))
    a, b, c = (i.misure for i in risultato.laboratori)
    # A: 1.030,00 / 4 = 257,50; / 3,5 = 294,2857 -> 294,29.
    assert (a.costo, a.costo_per_partecipante, a.costo_per_ora) == (
        D("1030.00"),
        D("257.50"),
        D("294.29"),
    )
    assert (b.costo, b.costo_per_partecipante, b.costo_per_ora) == (
        D("309.00"),
        D("154.50"),
        D("95.08"),
    )
    assert (c.costo, c.costo_per_partecipante) == (D("0.00"), None)
    # Total: 1.339,00 / 5 = 267,80; / 6,75 = 198,3704 -> 198,37.
    totale = risultato.totale
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("1339.00"),
        D("267.80"),
        D("198.37"),
    )


def test_an_open_ended_range(esempio):
    # From 01/01/2025 on: only S4 (P1, P3; 3 h) and the 241,60 of 20/01/2025.
    totale = con_costi(esempio, dal=date(2025, 1, 1)).totale
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("241.60"),
        D("120.80"),
        D("80.53"),  # 241,60 / 3 = 80,5333
    )
    # Up to 30/09/2024: nothing at all.
    vuoto = con_costi(esempio, al=date(2024, 9, 30)).totale
    assert (vuoto.sessioni_svolte, vuoto.partecipanti, vuoto.costo) == (0, 0, D("0.00"))
    assert vuoto.costo_per_partecipante is None


def test_the_cost_per_hour_of_1000_sessions(accordo, laboratorio_grande):
    lab, partecipanti = laboratorio_grande
    aggiungi_sessioni(lab, partecipanti, 0, 1000)
    totale = con_costi(accordo).totale
    assert (totale.ore, totale.partecipanti) == (D("2000.00"), 4)
    # 1.030,00 + 2.060,00 = 3.090,00; / 4 = 772,50; / 2.000 h = 1,545 -> 1,55.
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("3090.00"),
        D("772.50"),
        D("1.55"),
    )
