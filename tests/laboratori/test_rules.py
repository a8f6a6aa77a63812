"""laboratori.rules: the checks on a session, as pure functions (no database).

Each bad input is refused on the right field with an Italian message that
says what is wrong; a good session gives no error at all.
"""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from laboratori import rules

D = Decimal
OGGI = date(2025, 3, 20)
INIZIO_LAB = date(2024, 10, 1)
FINE_LAB = date(2025, 6, 30)


def errori(**modifiche) -> dict[str, list[str]]:
    """The errors of a valid session (15:00-17:00, 2 educators, 4 h, one
    volunteer for 2 h, on 18/03/2025 in a lab of 01/10/2024-30/06/2025)
    with `modifiche` applied."""
    dati = {
        "data": date(2025, 3, 18),
        "ora_inizio": time(15, 0),
        "ora_fine": time(17, 0),
        "numero_educatori": 2,
        "ore_educatori": D("4"),
        "volontari": 1,
        "ore_volontari": D("2"),
        "inizio_laboratorio": INIZIO_LAB,
        "fine_laboratorio": FINE_LAB,
        "oggi": OGGI,
    }
    dati.update(modifiche)
    return rules.errori_sessione(**dati)


def test_a_valid_session_has_no_errors():
    assert errori() == {}


@pytest.mark.parametrize(
    "modifiche",
    [
        {"data": OGGI},  # today is not the future
        {"data": INIZIO_LAB},  # first day of the laboratory
        {"data": FINE_LAB, "oggi": FINE_LAB},  # last day
        {"ora_inizio": time(8, 0), "ora_fine": time(20, 0), "ore_educatori": D("24")},  # 12 h
        {"numero_educatori": 1, "ore_educatori": D("12")},  # 12 h for one educator
        {"ore_educatori": D("0.25")},
        {"volontari": 0, "ore_volontari": D("0")},
        {"volontari": 2, "ore_volontari": D("24.00")},
    ],
)
def test_boundary_values_are_accepted(modifiche):
    assert errori(**modifiche) == {}


def test_a_future_date_is_refused():
    assert errori(data=date(2025, 3, 21)) == {
        "data": ["La data 21/03/2025 è nel futuro: si registrano solo le sessioni già svolte."]
    }


@pytest.mark.parametrize("giorno", [INIZIO_LAB - timedelta(days=1), FINE_LAB + timedelta(days=1)])
def test_a_date_outside_the_laboratory_period_is_refused(giorno):
    assert errori(data=giorno, oggi=date(2025, 12, 31)) == {
        "data": [
            f"La data {giorno:%d/%m/%Y} è fuori dal periodo del laboratorio "
            "(01/10/2024 - 30/06/2025)."
        ]
    }


def test_a_future_date_outside_the_period_gets_both_messages():
    messaggi = errori(data=date(2025, 7, 1))["data"]
    assert len(messaggi) == 2
    assert "nel futuro" in messaggi[0]
    assert "fuori dal periodo del laboratorio" in messaggi[1]


@pytest.mark.parametrize(
    ("inizio", "fine"),
    [(time(15, 0), time(15, 0)), (time(17, 0), time(15, 0)), (time(15, 30), time(15, 29))],
    ids=["fine-uguale-inizio", "fine-prima-di-inizio", "un-minuto-prima"],
)
def test_an_end_not_after_the_start_is_refused(inizio, fine):
    assert errori(ora_inizio=inizio, ora_fine=fine) == {
        "ora_fine": ["L'ora di fine deve essere successiva all'ora di inizio."]
    }


def test_a_session_longer_than_twelve_hours_is_refused():
    assert errori(ora_inizio=time(8, 0), ora_fine=time(20, 1), ore_educatori=D("20")) == {
        "ora_fine": ["Una sessione di 12,02 ore supera il massimo di 12 ore: verificare gli orari."]
    }


@pytest.mark.parametrize("ore", [D("0"), D("0.00"), D("-1"), D("-0.5")])
def test_educator_hours_must_be_positive(ore):
    assert errori(ore_educatori=ore) == {
        "ore_educatori": ["Le ore degli educatori devono essere maggiori di zero."]
    }


def test_educator_hours_with_three_decimals_are_refused():
    assert errori(ore_educatori=D("2.125")) == {
        "ore_educatori": ["Indicare le ore con al massimo due decimali."]
    }


def test_absurd_educator_hours_are_refused():
    assert errori(numero_educatori=2, ore_educatori=D("200")) == {
        "ore_educatori": [
            "200,00 ore per 2 educatori sono più di 12 ore a testa: verificare il dato."
        ]
    }


def test_educator_hours_just_above_twelve_each_are_refused():
    assert "ore_educatori" in errori(numero_educatori=2, ore_educatori=D("24.01"))


def test_volunteer_hours_without_volunteers_are_refused():
    assert errori(volontari=0, ore_volontari=D("1.5")) == {
        "volontari": ["Indicare quanti volontari erano presenti."]
    }


def test_negative_volunteer_hours_are_refused():
    assert errori(ore_volontari=D("-1")) == {
        "ore_volontari": ["Le ore dei volontari non possono essere negative."]
    }


def test_volunteer_hours_with_three_decimals_are_refused():
    assert errori(ore_volontari=D("1.001")) == {
        "ore_volontari": ["Indicare le ore con al massimo due decimali."]
    }


def test_absurd_volunteer_hours_are_refused():
    assert errori(volontari=1, ore_volontari=D("13")) == {
        "ore_volontari": [
            "13,00 ore per 1 volontario sono più di 12 ore a testa: verificare il dato."
        ]
    }


def test_several_errors_are_reported_together():
    risultato = errori(
        data=date(2026, 1, 1),
        ora_fine=time(14, 0),
        ore_educatori=D("-2"),
        volontari=0,
        ore_volontari=D("3"),
    )
    assert set(risultato) == {"data", "ora_fine", "ore_educatori", "volontari"}
    assert len(risultato["data"]) == 2


@pytest.mark.parametrize(
    ("inizio", "fine", "ore"),
    [
        (time(15, 0), time(17, 0), D("2.00")),
        (time(15, 0), time(16, 30), D("1.50")),
        (time(16, 0), time(17, 15), D("1.25")),
        (time(9, 0), time(9, 20), D("0.33")),
        (time(9, 0), time(9, 10), D("0.17")),
        (time(14, 0), time(17, 0), D("3.00")),
    ],
)
def test_durata_ore(inizio, fine, ore):
    durata = rules.durata_ore(inizio, fine)
    assert durata == ore
    assert durata.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("giorni_dopo", "ammesso"),
    [(-1, True), (0, True), (6, True), (7, True), (8, False), (30, False)],
)
def test_modificabile_da_cooperativa_up_to_exactly_n_days(giorni_dopo, ammesso):
    giorno = date(2025, 2, 24)
    oggi = giorno + timedelta(days=giorni_dopo)
    assert rules.modificabile_da_cooperativa(giorno, oggi, 7) is ammesso


def test_modificabile_da_cooperativa_with_zero_days_only_the_same_day():
    giorno = date(2025, 2, 28)
    assert rules.modificabile_da_cooperativa(giorno, giorno, 0)
    assert not rules.modificabile_da_cooperativa(giorno, date(2025, 3, 1), 0)
