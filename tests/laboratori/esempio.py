"""The hand-computed example of the activity indicators, shared by the
tests of laboratori.selectors (activity) and of budget.selectors (the
laboratories' costs, which the report hands to the same counting).

A test module wraps the builders (`crea_esempio`, `crea_laboratorio_grande`)
in fixtures of its own, with the conftest's fixtures as arguments.
"""

from datetime import date, time, timedelta
from decimal import Decimal

from laboratori import services
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, TipoLaboratorio

D = Decimal

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


def crea_esempio(
    accordo, cooperativa_a, cooperativa_b, tranche_2024, tranche_2025, crea_prestazione
):
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


# A laboratorio with as many sessions as a test needs


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


def crea_laboratorio_grande(accordo, cooperativa_a, tranche_2024, crea_prestazione):
    """«Centro estivo» with four participants and two prestazioni (1.000,00
    and 2.000,00 + fees), and no session yet: add them with
    aggiungi_sessioni."""
    lab = laboratorio(accordo, cooperativa_a, "Centro estivo", [1, 4, 7], sessioni_previste=1000)
    partecipanti = [
        partecipante(lab, fascia, genere, "scuola")
        for fascia, genere in [("11_13", "M"), ("11_13", "F"), ("14_15", "F"), ("16_17", "altro")]
    ]
    crea_prestazione(tranche_2024, "1000.00", laboratorio=lab)
    crea_prestazione(tranche_2024, "2000.00", laboratorio=lab)
    return lab, partecipanti
