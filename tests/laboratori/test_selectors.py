"""laboratori.selectors: the activity indicators.

(a) A small agreement whose every figure is computed by hand in the comments
    and asserted exactly, through the real selector `indicatori()`, for the
    whole agreement and for a date range; then `calcola_indicatori()` alone,
    from hand-made rows.
(b) `indicatori()` runs the same fixed number of queries (six) for 10 and
    for 1.000 sessions, and for 1 and for 5 laboratories.
"""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from laboratori import services
from laboratori.access import laboratori_visibili
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, TipoLaboratorio
from laboratori.selectors import (
    RigaLaboratorio,
    RigaPresenza,
    RigaSessione,
    calcola_indicatori,
    indicatori,
)

D = Decimal
QUERY_INDICATORI = 6

FASCE = ("fino a 10 anni", "11-13 anni", "14-15 anni", "16-17 anni", "18 anni e oltre")
GENERI = ("Femminile", "Maschile", "Altro / non indicato")
SERVIZI = (
    "Scuola",
    "Tutela minori",
    "Spazio A.Gio",
    "Educativa territoriale",
    "Famiglia",
    "Altro",
)


def ripartizione(misure):
    """The breakdowns as {label: count}, checking the labels' order."""
    r = misure.ripartizione
    assert tuple(e for e, _n in r.fascia_eta) == FASCE
    assert tuple(e for e, _n in r.genere) == GENERI
    assert tuple(e for e, _n in r.servizio_inviante) == SERVIZI
    return (
        tuple(n for _e, n in r.fascia_eta),
        tuple(n for _e, n in r.genere),
        tuple(n for _e, n in r.servizio_inviante),
    )


def laboratorio(accordo, cooperativa, titolo, obiettivi, **altro) -> Laboratorio:
    dati = {
        "accordo": accordo,
        "titolo": titolo,
        "tipo": TipoLaboratorio.ALTRO,
        "cooperativa": cooperativa,
        "luogo": "Cremona",
        "data_inizio": date(2024, 9, 1),
        "data_fine": date(2025, 12, 31),
    }
    dati.update(altro)
    return services.laboratorio_salva(
        laboratorio=Laboratorio(**dati),
        obiettivi=[accordo.obiettivi.get(numero=n) for n in obiettivi],
    )


def partecipante(lab, fascia, genere, servizio) -> Partecipante:
    return services.partecipante_crea(
        laboratorio=lab,
        fascia_eta=fascia,
        genere=genere,
        livello_scolastico="secondaria_1",
        servizio_inviante=servizio,
    )


def sessione(lab, giorno, dalle, alle, ore_educatori, volontari, ore_volontari, presenti):
    return services.sessione_salva(
        sessione=Sessione(
            laboratorio=lab,
            data=giorno,
            ora_inizio=dalle,
            ora_fine=alle,
            numero_educatori=2,
            ore_educatori=D(ore_educatori),
            volontari=volontari,
            ore_volontari=D(ore_volontari),
        ),
        presenti=presenti,
    )


# (a) The hand-computed example


@pytest.fixture
def esempio(accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione):
    """Three laboratories of the Cremona agreement (7 objectives in Art. 2).

    A «Ciclofficina» (coop A), objectives 1 and 2, 10 sessions planned
    B «Doposcuola»   (coop B), objectives 2 and 3,  3 sessions planned
    C «Teatro»       (coop B), objective 3,          4 sessions planned, none held

    Participants (fascia, genere, servizio inviante):
    P1 11-13 M scuola          A: S1 S2 S3 S4          -> 4 sessions
    P2 11-13 F tutela minori   A: S1 S2 S3             -> 3
    P3 14-15 M scuola          A: S1 S4                -> 2
    P4 16-17 altro famiglia    A: S2                   -> 1
    P5 14-15 F Spazio A.Gio    A: S3, B: T1 T2         -> 1 + 2 = 3 (in both labs)
    P6 fino a 10 M educativa   B: T1                   -> 1
    P7 18+ F altro             enrolled in A, never came: counted nowhere

    Sessions (date, times = hours, educators' hours, volunteers, their hours):
    S1 01/10/2024 15:00-17:00 = 2,00  4,00  1  2,00   P1 P2 P3
    S2 08/10/2024 15:00-17:00 = 2,00  4,00  0  0,00   P1 P2 P4
    S3 15/10/2024 15:00-16:30 = 1,50  3,00  2  3,00   P1 P2 P5
    S4 14/01/2025 14:00-17:00 = 3,00  6,00  1  1,50   P1 P3
    T1 05/11/2024 16:00-18:00 = 2,00  2,00  0  0,00   P5 P6
    T2 12/11/2024 16:00-17:15 = 1,25  2,50  1  1,25   P5

    Prestazioni (value + 3% fee, per prestazione, half up):
    A 10/10/2024 1.000,00 + 30,00 = 1.030,00
    A 20/01/2025   234,56 +  7,04 =   241,60   (234,56 x 3% = 7,0368)
    B 20/11/2024   300,00 +  9,00 =   309,00
    C 01/12/2024    50,00 +  1,50 =    51,50
    - 10/10/2024   500,00 + 15,00   linked to no laboratory: in no figure
    """
    a = laboratorio(accordo, cooperativa_a, "Ciclofficina", [1, 2], sessioni_previste=10)
    b = laboratorio(
        accordo,
        cooperativa_b,
        "Doposcuola",
        [2, 3],
        sessioni_previste=3,
        data_inizio=date(2024, 10, 1),
        data_fine=date(2024, 12, 20),
    )
    c = laboratorio(accordo, cooperativa_b, "Teatro", [3], sessioni_previste=4)

    p1 = partecipante(a, "11_13", "M", "scuola")
    p2 = partecipante(a, "11_13", "F", "tutela_minori")
    p3 = partecipante(a, "14_15", "M", "scuola")
    p4 = partecipante(a, "16_17", "altro", "famiglia")
    p5 = partecipante(b, "14_15", "F", "spazio_agio")
    p6 = partecipante(b, "fino_10", "M", "educativa_territoriale")
    partecipante(a, "18_oltre", "F", "altro")  # P7

    ore = time
    sessione(a, date(2024, 10, 1), ore(15), ore(17), "4", 1, "2", [p1, p2, p3])
    sessione(a, date(2024, 10, 8), ore(15), ore(17), "4", 0, "0", [p1, p2, p4])
    sessione(a, date(2024, 10, 15), ore(15), ore(16, 30), "3", 2, "3", [p1, p2, p5])
    sessione(a, date(2025, 1, 14), ore(14), ore(17), "6", 1, "1.5", [p1, p3])
    sessione(b, date(2024, 11, 5), ore(16), ore(18), "2", 0, "0", [p5, p6])
    sessione(b, date(2024, 11, 12), ore(16), ore(17, 15), "2.5", 1, "1.25", [p5])

    crea_prestazione(tranche_2024, "1000.00", data=date(2024, 10, 10), laboratorio=a)
    crea_prestazione(tranche_2025, "234.56", data=date(2025, 1, 20), laboratorio=a)
    crea_prestazione(tranche_2024, "300.00", data=date(2024, 11, 20), laboratorio=b)
    crea_prestazione(tranche_2024, "50.00", data=date(2024, 12, 1), laboratorio=c)
    crea_prestazione(tranche_2024, "500.00", data=date(2024, 10, 10))
    return accordo


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
    # 2 of 5 = 40,0%. Cost 1.030,00 + 241,60 = 1.271,60; / 5 = 254,32 per
    # participant; / 8,5 = 149,60 per hour.
    assert (a.sessioni_svolte, a.sessioni_previste) == (4, 10)
    assert (a.ore, a.ore_educatori, a.ore_volontari) == (D("8.50"), D("17.00"), D("6.50"))
    assert (a.partecipanti, a.presenze, a.media_presenze) == (5, 11, D("2.8"))
    assert (a.fidelizzati, a.quota_fidelizzati) == (2, D("40.0"))
    assert (a.costo, a.costo_per_partecipante, a.costo_per_ora) == (
        D("1271.60"),
        D("254.32"),
        D("149.60"),
    )
    # Unique people, not ticks: 11-13 P1 P2, 14-15 P3 P5, 16-17 P4 (P7 never came);
    # F P2 P5, M P1 P3, altro P4; scuola P1 P3, tutela P2, A.Gio P5, famiglia P4.
    assert ripartizione(a) == ((0, 2, 2, 1, 0), (2, 2, 1), (2, 1, 1, 0, 1, 0))

    # B: 2 of 3 sessions; 2 + 1,25 = 3,25 h; educators 2 + 2,5 = 4,50; volunteers 1,25.
    # P5 and P6: 2 people, 3 ticks, 3 / 2 = 1,5; nobody 3 times here. Cost 309,00;
    # / 2 = 154,50; / 3,25 = 95,0769 -> 95,08.
    assert (b.sessioni_svolte, b.sessioni_previste) == (2, 3)
    assert (b.ore, b.ore_educatori, b.ore_volontari) == (D("3.25"), D("4.50"), D("1.25"))
    assert (b.partecipanti, b.presenze, b.media_presenze) == (2, 3, D("1.5"))
    assert (b.fidelizzati, b.quota_fidelizzati) == (0, D("0.0"))
    assert (b.costo, b.costo_per_partecipante, b.costo_per_ora) == (
        D("309.00"),
        D("154.50"),
        D("95.08"),
    )
    assert ripartizione(b) == ((1, 0, 1, 0, 0), (1, 1, 0), (0, 0, 1, 1, 0, 0))

    # C: nothing held, 51,50 spent: no figure per participant or per hour.
    assert (c.sessioni_svolte, c.sessioni_previste, c.ore, c.partecipanti) == (
        0,
        4,
        D("0.00"),
        0,
    )
    assert (c.media_presenze, c.quota_fidelizzati) == (D("0.0"), D("0.0"))
    assert (c.costo, c.costo_per_partecipante, c.costo_per_ora) == (D("51.50"), None, None)
    assert ripartizione(c) == ((0,) * 5, (0,) * 3, (0,) * 6)


def test_the_agreement_total_counts_each_participant_once(esempio):
    totale = indicatori(esempio).totale
    # 6 of 10 + 3 + 4 = 17 sessions; 8,50 + 3,25 = 11,75 h; educators 21,50;
    # volunteers 7,75. P1..P6 = 6 people (P5, in A and B, once); 11 + 3 = 14 ticks,
    # 14 / 6 = 2,33 -> 2,3. At least 3 sessions across labs: P1 (4), P2 (3) and P5
    # (1 in A + 2 in B = 3): 3 of 6 = 50,0%, though no lab alone has P5 three times.
    # Cost 1.271,60 + 309,00 + 51,50 = 1.632,10 (the unlinked 515,00 is not a lab's);
    # / 6 = 272,0167 -> 272,02; / 11,75 = 138,9021 -> 138,90.
    assert (totale.sessioni_svolte, totale.sessioni_previste) == (6, 17)
    assert (totale.ore, totale.ore_educatori, totale.ore_volontari) == (
        D("11.75"),
        D("21.50"),
        D("7.75"),
    )
    assert (totale.partecipanti, totale.presenze, totale.media_presenze) == (6, 14, D("2.3"))
    assert (totale.fidelizzati, totale.quota_fidelizzati) == (3, D("50.0"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("1632.10"),
        D("272.02"),
        D("138.90"),
    )
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


def test_a_date_range_cuts_sessions_and_prestazioni(esempio):
    # 08/10/2024 - 20/11/2024, both ends included: S1 (01/10) and S4 (14/01/2025)
    # fall out, S2 (08/10) is in; T1, T2 are in; A's 1.000,00 of 10/10 is in, its
    # 234,56 of 20/01/2025 out; B's 300,00 of 20/11 is in; C's 50,00 of 01/12 out.
    risultato = indicatori(esempio, dal=date(2024, 10, 8), al=date(2024, 11, 20))
    assert (risultato.dal, risultato.al) == (date(2024, 10, 8), date(2024, 11, 20))
    a, b, c = (i.misure for i in risultato.laboratori)

    # A: S2 + S3 = 2 sessions (10 still planned), 2 + 1,5 = 3,50 h, educators 7,
    # volunteers 3. P1 P2 P4 | P1 P2 P5: 4 people, 6 ticks, 3,0 per session; nobody
    # 3 times. 1.030,00 / 4 = 257,50; / 3,5 = 294,2857 -> 294,29.
    assert (a.sessioni_svolte, a.sessioni_previste, a.ore) == (2, 10, D("3.50"))
    assert (a.ore_educatori, a.ore_volontari) == (D("7.00"), D("3.00"))
    assert (a.partecipanti, a.presenze, a.media_presenze) == (4, 6, D("3.0"))
    assert (a.fidelizzati, a.quota_fidelizzati) == (0, D("0.0"))
    assert (a.costo, a.costo_per_partecipante, a.costo_per_ora) == (
        D("1030.00"),
        D("257.50"),
        D("294.29"),
    )
    assert ripartizione(a) == ((0, 2, 1, 1, 0), (2, 1, 1), (1, 1, 1, 0, 1, 0))

    # B: wholly inside the range, as before.
    assert (b.sessioni_svolte, b.ore, b.partecipanti, b.presenze) == (2, D("3.25"), 2, 3)
    assert (b.costo, b.costo_per_partecipante, b.costo_per_ora) == (
        D("309.00"),
        D("154.50"),
        D("95.08"),
    )
    assert (c.costo, c.costo_per_partecipante) == (D("0.00"), None)

    # Total: 4 sessions, 6,75 h, educators 11,50, volunteers 4,25; P1 P2 P4 P5 P6 =
    # 5 people, 9 ticks, 9 / 4 = 2,25 -> 2,3 (half up); P5 came 3 times (S3 T1 T2):
    # 1 of 5 = 20,0%. 1.339,00 / 5 = 267,80; / 6,75 = 198,3704 -> 198,37.
    totale = risultato.totale
    assert (totale.sessioni_svolte, totale.sessioni_previste, totale.ore) == (4, 17, D("6.75"))
    assert (totale.ore_educatori, totale.ore_volontari) == (D("11.50"), D("4.25"))
    assert (totale.partecipanti, totale.presenze, totale.media_presenze) == (5, 9, D("2.3"))
    assert (totale.fidelizzati, totale.quota_fidelizzati) == (1, D("20.0"))
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("1339.00"),
        D("267.80"),
        D("198.37"),
    )

    righe = [(o.laboratori, o.ore, o.partecipanti) for o in risultato.obiettivi[:3]]
    assert righe == [
        (("Ciclofficina",), D("3.50"), 4),
        (("Ciclofficina", "Doposcuola"), D("6.75"), 5),
        (("Doposcuola", "Teatro"), D("3.25"), 2),
    ]


def test_an_open_ended_range(esempio):
    # From 01/01/2025 on: only S4 (P1, P3; 3 h) and the 241,60 of 20/01/2025.
    totale = indicatori(esempio, dal=date(2025, 1, 1)).totale
    assert (totale.sessioni_svolte, totale.ore, totale.partecipanti) == (1, D("3.00"), 2)
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("241.60"),
        D("120.80"),
        D("80.53"),  # 241,60 / 3 = 80,5333
    )
    # Up to 30/09/2024: nothing at all.
    vuoto = indicatori(esempio, al=date(2024, 9, 30)).totale
    assert (vuoto.sessioni_svolte, vuoto.partecipanti, vuoto.costo) == (0, 0, D("0.00"))
    assert vuoto.costo_per_partecipante is None


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


# (b) A fixed number of queries


ORARI = [(time(9), time(11)), (time(12), time(14)), (time(15), time(17))]


def aggiungi_sessioni(lab, partecipanti, da: int, a: int) -> None:
    """Sessions number da..a-1 of `lab`, three a day from 02/09/2024, each of
    2 hours attended by everyone in `partecipanti`, written in bulk."""
    sessioni = Sessione.objects.bulk_create(
        Sessione(
            laboratorio=lab,
            data=date(2024, 9, 2) + timedelta(days=n // 3),
            ora_inizio=ORARI[n % 3][0],
            ora_fine=ORARI[n % 3][1],
            numero_educatori=1,
            ore_educatori=D("2"),
            volontari=1,
            ore_volontari=D("1"),
        )
        for n in range(da, a)
    )
    Presenza.objects.bulk_create(
        Presenza(sessione=s, partecipante=p) for s in sessioni for p in partecipanti
    )


@pytest.fixture
def laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione):
    lab = laboratorio(accordo, cooperativa_a, "Centro estivo", [1, 4, 7], sessioni_previste=1000)
    partecipanti = [
        partecipante(lab, fascia, genere, "scuola")
        for fascia, genere in [("11_13", "M"), ("11_13", "F"), ("14_15", "F"), ("16_17", "altro")]
    ]
    crea_prestazione(tranche_2024, "1000.00", laboratorio=lab)
    crea_prestazione(tranche_2024, "2000.00", laboratorio=lab)
    return lab, partecipanti


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
    # 1.030,00 + 2.060,00 = 3.090,00; / 4 = 772,50; / 2.000 h = 1,545 -> 1,55.
    assert (totale.costo, totale.costo_per_partecipante, totale.costo_per_ora) == (
        D("3090.00"),
        D("772.50"),
        D("1.55"),
    )
    assert [o.ore for o in risultato.obiettivi if o.laboratori] == [D("2000.00")] * 3

    assert query_10 == query_1000 == QUERY_INDICATORI

    # A range costs the same six queries.
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
