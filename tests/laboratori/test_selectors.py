"""laboratori.selectors: the activity indicators and the pages' reads.

(a) A small agreement whose every figure is computed by hand in the comments
    (tests/laboratori/esempio.py) and asserted exactly, through the real
    selector `indicatori()`, for the whole agreement and for a date range;
    then `calcola_indicatori()` alone, from hand-made rows. The example's
    prestazioni are in no figure here: the laboratori app reads no money
    (their costs are tested with budget.selectors, in
    tests/budget/test_selectors_costi.py).
(b) `misure_laboratori()`, the pages' sums in the database, gives each
    laboratorio the same figures as `indicatori()`.
(c) `indicatori()` runs the same fixed number of queries (five) for 10 and
    for 1.000 sessions, and for 1 and for 5 laboratories; `misure_laboratori()`
    two.
"""

from datetime import date, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from laboratori.access import laboratori_visibili
from laboratori.models import Laboratorio, Sessione
from laboratori.selectors import (
    RigaLaboratorio,
    RigaPresenza,
    RigaSessione,
    calcola_indicatori,
    indicatori,
    misure_laboratori,
)
from tests.laboratori.esempio import (
    aggiungi_sessioni,
    crea_esempio,
    crea_laboratorio_grande,
    laboratorio,
    ripartizione,
)

D = Decimal
QUERY_INDICATORI = 5
NESSUN_COSTO = (None, None, None)


@pytest.fixture
def esempio(accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione):
    return crea_esempio(
        accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione
    )


@pytest.fixture
def laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione):
    return crea_laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione)


# (a) The hand-computed example


def test_each_laboratory_over_the_whole_agreement(esempio):
    risultato = indicatori(esempio)
    assert (risultato.dal, risultato.al) == (None, None)
    assert [i.laboratorio.titolo for i in risultato.laboratori] == [
        "Ciclofficina",
        "Doposcuola",
        "Teatro",
    ]
    a, b, c = (i.misure for i in risultato.laboratori)
    assert risultato.laboratori[0].laboratorio.cooperativa == "Solco Cremona Edu"
    assert risultato.laboratori[1].laboratorio.cooperativa == "Solco Young"

    # A: 4 of 10 sessions; 2 + 2 + 1,5 + 3 = 8,50 h; educators 4 + 4 + 3 + 6 = 17;
    # volunteers 2 + 0 + 3 + 1,5 = 6,50. Attended: P1..P5 = 5 people, 3 + 3 + 3 + 2 = 11
    # ticks, 11 / 4 = 2,75 -> 2,8 per session. P1 (4) and P2 (3) came >= 3 times:
    # 2 of 5 = 40,0%. Its prestazioni are no figure here.
    assert (a.sessioni_svolte, a.sessioni_previste) == (4, 10)
    assert (a.ore, a.ore_educatori, a.ore_volontari) == (D("8.50"), D("17.00"), D("6.50"))
    assert (a.partecipanti, a.presenze, a.media_presenze) == (5, 11, D("2.8"))
    assert (a.fidelizzati, a.quota_fidelizzati) == (2, D("40.0"))
    assert (a.costo, a.costo_per_partecipante, a.costo_per_ora) == NESSUN_COSTO
    # Unique people, not ticks: 11-13 P1 P2, 14-15 P3 P5, 16-17 P4 (P7 never came);
    # F P2 P5, M P1 P3, altro P4; scuola P1 P3, tutela P2, A.Gio P5, famiglia P4.
    assert ripartizione(a) == ((0, 2, 2, 1, 0), (2, 2, 1), (2, 1, 1, 0, 1, 0))

    # B: 2 of 3 sessions; 2 + 1,25 = 3,25 h; educators 2 + 2,5 = 4,50; volunteers 1,25.
    # P5 and P6: 2 people, 3 ticks, 3 / 2 = 1,5; nobody 3 times here.
    assert (b.sessioni_svolte, b.sessioni_previste) == (2, 3)
    assert (b.ore, b.ore_educatori, b.ore_volontari) == (D("3.25"), D("4.50"), D("1.25"))
    assert (b.partecipanti, b.presenze, b.media_presenze) == (2, 3, D("1.5"))
    assert (b.fidelizzati, b.quota_fidelizzati) == (0, D("0.0"))
    assert (b.costo, b.costo_per_partecipante, b.costo_per_ora) == NESSUN_COSTO
    assert ripartizione(b) == ((1, 0, 1, 0, 0), (1, 1, 0), (0, 0, 1, 1, 0, 0))

    # C: nothing held.
    assert (c.sessioni_svolte, c.sessioni_previste, c.ore, c.partecipanti) == (
        0,
        4,
        D("0.00"),
        0,
    )
    assert (c.media_presenze, c.quota_fidelizzati) == (D("0.0"), D("0.0"))
    assert (c.costo, c.costo_per_partecipante, c.costo_per_ora) == NESSUN_COSTO
    assert ripartizione(c) == ((0,) * 5, (0,) * 3, (0,) * 6)


def test_the_agreement_total_counts_each_participant_once(esempio):
    totale = indicatori(esempio).totale
    # 6 of 10 + 3 + 4 = 17 sessions; 8,50 + 3,25 = 11,75 h; educators 21,50;
    # volunteers 7,75. P1..P6 = 6 people (P5, in A and B, once); 11 + 3 = 14 ticks,
    # 14 / 6 = 2,33 -> 2,3. At least 3 sessions across labs: P1 (4), P2 (3) and P5
    # (1 in A + 2 in B = 3): 3 of 6 = 50,0%, though no lab alone has P5 three times.
    assert (totale.sessioni_svolte, totale.sessioni_previste) == (6, 17)
    assert (totale.ore, totale.ore_educatori, totale.ore_volontari) == (
        D("11.75"),
        D("21.50"),
        D("7.75"),
    )
    assert (totale.partecipanti, totale.presenze, totale.media_presenze) == (6, 14, D("2.3"))
    assert (totale.fidelizzati, totale.quota_fidelizzati) == (3, D("50.0"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == NESSUN_COSTO
    # fino_10 P6; 11-13 P1 P2; 14-15 P3 P5; 16-17 P4. F P2 P5; M P1 P3 P6; altro P4.
    assert ripartizione(totale) == ((1, 2, 2, 1, 0), (2, 3, 1), (2, 1, 1, 1, 1, 0))


def test_each_objective_of_art_2_with_its_laboratories_hours_and_participants(esempio):
    obiettivi = indicatori(esempio).obiettivi
    assert [o.numero for o in obiettivi] == [1, 2, 3, 4, 5, 6, 7]
    assert obiettivi[0].testo.startswith("Approfondire i bisogni emergenti")
    righe = [(o.laboratori, o.ore, o.partecipanti) for o in obiettivi]
    assert righe == [
        (("Ciclofficina",), D("8.50"), 5),  # A: P1..P5
        (("Ciclofficina", "Doposcuola"), D("11.75"), 6),  # A + B, P5 once
        (("Doposcuola", "Teatro"), D("3.25"), 2),  # B (C held nothing)
        ((), D("0.00"), 0),
        ((), D("0.00"), 0),
        ((), D("0.00"), 0),
        ((), D("0.00"), 0),
    ]


def test_a_date_range_cuts_sessions(esempio):
    # 08/10/2024 - 20/11/2024, both ends included: S1 (01/10) and S4 (14/01/2025)
    # fall out, S2 (08/10) is in; T1, T2 are in.
    risultato = indicatori(esempio, dal=date(2024, 10, 8), al=date(2024, 11, 20))
    assert (risultato.dal, risultato.al) == (date(2024, 10, 8), date(2024, 11, 20))
    a, b, c = (i.misure for i in risultato.laboratori)

    # A: S2 + S3 = 2 sessions (10 still planned), 2 + 1,5 = 3,50 h, educators 7,
    # volunteers 3. P1 P2 P4 | P1 P2 P5: 4 people, 6 ticks, 3,0 per session; nobody
    # 3 times.
    assert (a.sessioni_svolte, a.sessioni_previste, a.ore) == (2, 10, D("3.50"))
    assert (a.ore_educatori, a.ore_volontari) == (D("7.00"), D("3.00"))
    assert (a.partecipanti, a.presenze, a.media_presenze) == (4, 6, D("3.0"))
    assert (a.fidelizzati, a.quota_fidelizzati) == (0, D("0.0"))
    assert ripartizione(a) == ((0, 2, 1, 1, 0), (2, 1, 1), (1, 1, 1, 0, 1, 0))

    # B: wholly inside the range, as before.
    assert (b.sessioni_svolte, b.ore, b.partecipanti, b.presenze) == (2, D("3.25"), 2, 3)
    assert (c.sessioni_svolte, c.costo) == (0, None)

    # Total: 4 sessions, 6,75 h, educators 11,50, volunteers 4,25; P1 P2 P4 P5 P6 =
    # 5 people, 9 ticks, 9 / 4 = 2,25 -> 2,3 (half up); P5 came 3 times (S3 T1 T2):
    # 1 of 5 = 20,0%.
    totale = risultato.totale
    assert (totale.sessioni_svolte, totale.sessioni_previste, totale.ore) == (4, 17, D("6.75"))
    assert (totale.ore_educatori, totale.ore_volontari) == (D("11.50"), D("4.25"))
    assert (totale.partecipanti, totale.presenze, totale.media_presenze) == (5, 9, D("2.3"))
    assert (totale.fidelizzati, totale.quota_fidelizzati) == (1, D("20.0"))

    righe = [(o.laboratori, o.ore, o.partecipanti) for o in risultato.obiettivi[:3]]
    assert righe == [
        (("Ciclofficina",), D("3.50"), 4),
        (("Ciclofficina", "Doposcuola"), D("6.75"), 5),
        (("Doposcuola", "Teatro"), D("3.25"), 2),
    ]


def test_an_open_ended_range(esempio):
    # From 01/01/2025 on: only S4 (P1, P3; 3 h).
    totale = indicatori(esempio, dal=date(2025, 1, 1)).totale
    assert (totale.sessioni_svolte, totale.ore, totale.partecipanti) == (1, D("3.00"), 2)
    # Up to 30/09/2024: nothing at all.
    vuoto = indicatori(esempio, al=date(2024, 9, 30)).totale
    assert (vuoto.sessioni_svolte, vuoto.partecipanti, vuoto.presenze) == (0, 0, 0)
    assert (vuoto.costo, vuoto.costo_per_partecipante) == (None, None)


def test_the_indicators_of_the_laboratories_a_cooperative_sees(esempio, utente_coop_a):
    risultato = indicatori(esempio, laboratori=laboratori_visibili(utente_coop_a))
    assert [i.laboratorio.titolo for i in risultato.laboratori] == ["Ciclofficina"]
    assert risultato.totale == risultato.laboratori[0].misure
    assert risultato.obiettivi[1].laboratori == ("Ciclofficina",)
    assert risultato.obiettivi[1].partecipanti == 5


# calcola_indicatori alone, from hand-made rows


def _lab(id_, titolo, obiettivi, previste=0):
    return RigaLaboratorio(
        id=id_,
        titolo=titolo,
        tipo="Altro",
        cooperativa="Coop",
        luogo="Cremona",
        stato="Attivo",
        sessioni_previste=previste,
        ore_previste=D("0"),
        obiettivi=obiettivi,
    )


def _sess(id_, lab, dalle, alle, educatori="1", volontari="0"):
    return RigaSessione(
        id=id_,
        laboratorio_id=lab,
        data=date(2025, 2, id_),
        ora_inizio=dalle,
        ora_fine=alle,
        ore_educatori=D(educatori),
        ore_volontari=D(volontari),
    )


def _pres(sessione, lab, persona, fascia="11_13", genere="M", servizio="scuola"):
    return RigaPresenza(
        sessione_id=sessione,
        laboratorio_id=lab,
        partecipante_id=persona,
        fascia_eta=fascia,
        genere=genere,
        servizio_inviante=servizio,
    )


def test_calcola_indicatori_by_hand():
    # Lab 1 (objective 10): sessions 1 (09:00-10:20 = 1,33 h) and 2 (09:00-09:40 =
    # 0,67 h), so 2,00 h; lab 2 (objectives 10 and 20): session 3, 10:00-11:00 = 1 h.
    # Persons 100 (s1 s2 s3), 200 (s1), 300 (s3, F, tutela minori).
    risultato = calcola_indicatori(
        laboratori=[_lab(1, "Uno", (10,), previste=5), _lab(2, "Due", (10, 20), previste=2)],
        sessioni=[
            _sess(1, 1, time(9), time(10, 20), educatori="2", volontari="1.5"),
            _sess(2, 1, time(9), time(9, 40), educatori="1"),
            _sess(3, 2, time(10), time(11), educatori="1.25", volontari="0.5"),
        ],
        presenze=[
            _pres(1, 1, 100),
            _pres(1, 1, 200, fascia="16_17"),
            _pres(2, 1, 100),
            _pres(3, 2, 100),
            _pres(3, 2, 300, fascia="14_15", genere="F", servizio="tutela_minori"),
        ],
        costi={1: D("100.00"), 2: D("33.33")},
        obiettivi=[(10, 1, "primo"), (20, 2, "secondo"), (30, 3, "terzo")],
        dal=date(2025, 2, 1),
        al=date(2025, 2, 28),
    )
    uno, due = (i.misure for i in risultato.laboratori)
    # Lab 1: 2 of 5; 100 twice, 200 once: 2 people, 3 ticks, 1,5; nobody 3 times.
    # 100,00 / 2 = 50,00; / 2,00 h = 50,00.
    assert (uno.sessioni_svolte, uno.sessioni_previste, uno.ore) == (2, 5, D("2.00"))
    assert (uno.ore_educatori, uno.ore_volontari) == (D("3.00"), D("1.50"))
    assert (uno.partecipanti, uno.presenze, uno.media_presenze) == (2, 3, D("1.5"))
    assert (uno.fidelizzati, uno.costo_per_partecipante, uno.costo_per_ora) == (
        0,
        D("50.00"),
        D("50.00"),
    )
    # Lab 2: 1 session, 2 people, 2,0 each; 33,33 / 2 = 16,665 -> 16,67 (half up).
    assert (due.partecipanti, due.media_presenze, due.costo_per_partecipante) == (
        2,
        D("2.0"),
        D("16.67"),
    )
    assert due.costo_per_ora == D("33.33")
    # Total: 3 sessions of 7; 3,00 h; 3 people, 5 ticks, 1,7; 100 came 3 times:
    # 1 of 3 = 33,3%. 133,33 / 3 = 44,4433 -> 44,44; / 3 = 44,44.
    totale = risultato.totale
    assert (totale.sessioni_svolte, totale.sessioni_previste, totale.ore) == (3, 7, D("3.00"))
    assert (totale.ore_educatori, totale.ore_volontari) == (D("4.25"), D("2.00"))
    assert (totale.partecipanti, totale.presenze, totale.media_presenze) == (3, 5, D("1.7"))
    assert (totale.fidelizzati, totale.quota_fidelizzati) == (1, D("33.3"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("133.33"),
        D("44.44"),
        D("44.44"),
    )
    # 100 counted once (11-13, M, scuola) though it came three times.
    assert ripartizione(totale) == ((0, 1, 1, 1, 0), (1, 2, 0), (2, 1, 0, 0, 0, 0))
    assert [(o.numero, o.laboratori, o.ore, o.partecipanti) for o in risultato.obiettivi] == [
        (1, ("Uno", "Due"), D("3.00"), 3),
        (2, ("Due",), D("1.00"), 2),
        (3, (), D("0.00"), 0),
    ]
    assert (risultato.dal, risultato.al) == (date(2025, 2, 1), date(2025, 2, 28))


def test_calcola_indicatori_with_nothing():
    risultato = calcola_indicatori(laboratori=[], sessioni=[], presenze=[], costi={})
    totale = risultato.totale
    assert (totale.sessioni_svolte, totale.ore, totale.partecipanti) == (0, D("0.00"), 0)
    assert (totale.media_presenze, totale.quota_fidelizzati) == (D("0.0"), D("0.0"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("0.00"),
        None,
        None,
    )
    assert risultato.laboratori == () and risultato.obiettivi == ()


# (b) The pages' sums in the database


def test_the_pages_sums_are_the_indicators_of_each_laboratory(esempio):
    laboratori = list(esempio.laboratori.order_by("titolo"))
    somme = misure_laboratori(laboratori)
    attese = {i.laboratorio.id: i.misure for i in indicatori(esempio).laboratori}
    assert somme == attese
    a = somme[laboratori[0].pk]
    assert (a.sessioni_svolte, a.ore, a.partecipanti, a.presenze, a.fidelizzati) == (
        4,
        D("8.50"),
        5,
        11,
        2,
    )
    assert misure_laboratori([]) == {}


def test_the_hours_are_rounded_session_by_session_as_in_the_report(accordo, laboratorio_grande):
    # Three sessions of 20 minutes are 0,33 h each, 0,99 h in all (not 1,00),
    # and one of 70 minutes 1,17 h: 2,16 h, as durata_ore() counts them.
    lab, _partecipanti = laboratorio_grande
    Sessione.objects.bulk_create(
        Sessione(
            laboratorio=lab,
            data=date(2024, 10, giorno),
            ora_inizio=dalle,
            ora_fine=alle,
            numero_educatori=1,
            ore_educatori=D("0.5"),
        )
        for giorno, dalle, alle in [
            (1, time(9), time(9, 20)),
            (2, time(9), time(9, 20)),
            (3, time(14, 40), time(15)),
            (4, time(10), time(11, 10)),
        ]
    )
    misure = misure_laboratori([lab])[lab.pk]
    assert (misure.sessioni_svolte, misure.ore, misure.ore_educatori) == (4, D("2.16"), D("2.00"))
    assert misure == indicatori(accordo).laboratori[0].misure


def test_the_pages_sums_take_two_queries_for_10_or_1000_sessions_and_1_or_5_laboratories(
    accordo, cooperativa_a, cooperativa_b, laboratorio_grande, django_assert_num_queries
):
    lab, partecipanti = laboratorio_grande
    aggiungi_sessioni(lab, partecipanti, 0, 10)
    with django_assert_num_queries(2):
        misure = misure_laboratori([lab])[lab.pk]
    assert (misure.sessioni_svolte, misure.presenze) == (10, 40)

    aggiungi_sessioni(lab, partecipanti, 10, 1000)
    for n in range(4):
        altro = laboratorio(
            accordo, [cooperativa_a, cooperativa_b][n % 2], f"Laboratorio {n}", [2, 3]
        )
        aggiungi_sessioni(altro, partecipanti[n:], 0, 10 + n)
    laboratori = list(Laboratorio.objects.filter(accordo=accordo).order_by("titolo"))
    with django_assert_num_queries(2):
        somme = misure_laboratori(laboratori)
    assert somme == {i.laboratorio.id: i.misure for i in indicatori(accordo).laboratori}
    misure = somme[lab.pk]
    assert (misure.sessioni_svolte, misure.presenze, misure.partecipanti) == (1000, 4000, 4)
    assert (misure.ore, misure.ore_educatori, misure.ore_volontari) == (
        D("2000.00"),
        D("2000.00"),
        D("1000.00"),
    )
    assert (misure.fidelizzati, misure.quota_fidelizzati) == (4, D("100.0"))


# (c) A fixed number of queries


def conta_query(accordo, **kwargs):
    with CaptureQueriesContext(connection) as contesto:
        risultato = indicatori(accordo, **kwargs)
    return len(contesto.captured_queries), risultato


def test_the_same_number_of_queries_for_10_and_for_1000_sessions(accordo, laboratorio_grande):
    lab, partecipanti = laboratorio_grande

    aggiungi_sessioni(lab, partecipanti, 0, 10)
    query_10, risultato = conta_query(accordo)
    assert risultato.totale.sessioni_svolte == 10
    assert risultato.totale.presenze == 40

    aggiungi_sessioni(lab, partecipanti, 10, 1000)
    assert Sessione.objects.filter(data__gt=date(2025, 12, 31)).count() == 0
    query_1000, risultato = conta_query(accordo)
    totale = risultato.totale
    assert (totale.sessioni_svolte, totale.presenze, totale.partecipanti) == (1000, 4000, 4)
    assert (totale.ore, totale.ore_educatori, totale.ore_volontari) == (
        D("2000.00"),
        D("2000.00"),
        D("1000.00"),
    )
    assert (totale.media_presenze, totale.quota_fidelizzati) == (D("4.0"), D("100.0"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == NESSUN_COSTO
    assert [o.ore for o in risultato.obiettivi if o.laboratori] == [D("2000.00")] * 3

    assert query_10 == query_1000 == QUERY_INDICATORI

    # A range costs the same five queries.
    query_periodo, risultato = conta_query(accordo, dal=date(2024, 9, 2), al=date(2024, 9, 4))
    assert risultato.totale.sessioni_svolte == 9
    assert query_periodo == QUERY_INDICATORI


def test_the_same_number_of_queries_for_1_and_for_5_laboratories(
    accordo, cooperativa_a, cooperativa_b, laboratorio_grande, django_assert_num_queries
):
    lab, partecipanti = laboratorio_grande
    aggiungi_sessioni(lab, partecipanti, 0, 10)
    with django_assert_num_queries(QUERY_INDICATORI):
        indicatori(accordo)

    for n in range(4):
        altro = laboratorio(
            accordo, [cooperativa_a, cooperativa_b][n % 2], f"Laboratorio {n}", [2, 3]
        )
        aggiungi_sessioni(altro, partecipanti, 0, 10 + n)
    with django_assert_num_queries(QUERY_INDICATORI):
        risultato = indicatori(accordo)
    assert len(risultato.laboratori) == 5
    assert risultato.totale.sessioni_svolte == 10 + 10 + 11 + 12 + 13
