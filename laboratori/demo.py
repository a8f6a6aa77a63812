"""Demo laboratories with sessions and attendance over both tranches.

Deterministic (a fixed random seed), written through the services so the
demo obeys every rule; a laboratory that already exists is left alone, so
running the demo again adds nothing.
"""

import random
from datetime import date, time, timedelta
from decimal import Decimal

from accordo.models import Accordo, Obiettivo
from laboratori import services
from laboratori.models import (
    FasciaEta,
    Genere,
    Laboratorio,
    LivelloScolastico,
    PartnerLaboratorio,
    ServizioInviante,
    Sessione,
    StatoLaboratorio,
)

# title, kind, cooperative, place, from, to, objectives (Art. 2 numbers),
# weekdays (0 = Monday), start, end, educators, participants, age range,
# volunteers per session, partner association (index in dati_demo.FORNITORI)
LABORATORI = [
    ("Ciclofficina Civico 81", "ciclofficina", "Solco Cremona Edu", "Civico 81, Cremona",
     date(2024, 10, 1), date(2025, 12, 20), (3, 4, 5), (2,), time(15, 0), time(17, 30), 2, 14, (11, 17), 2, 0),
    ("Doposcuola Civico 81", "doposcuola", "Solco Cremona Edu", "Civico 81, Cremona",
     date(2024, 9, 16), date(2025, 12, 19), (3, 6), (0, 3), time(14, 30), time(17, 0), 2, 18, (11, 14), 0, None),
    ("Falegnameria creativa", "falegnameria", "Solco Young", "Laboratorio di via Bergamo, Cremona",
     date(2024, 10, 7), date(2025, 11, 28), (4, 5), (4,), time(15, 0), time(18, 0), 1, 10, (12, 17), 1, None),
    ("Educativa territoriale nei quartieri", "educativa_territoriale", "Solco Young", "Quartieri Cambonino e Zaist",
     date(2024, 10, 1), date(2025, 12, 15), (1, 2, 7), (1,), time(18, 0), time(21, 0), 2, 16, (13, 18), 0, None),
    ("Cucina e autonomia", "cucina", "Solco06", "Cucina sociale di via Mantova, Cremona",
     date(2024, 12, 2), date(2025, 5, 30), (5,), (2,), time(16, 0), time(18, 30), 1, 8, (14, 18), 0, None),
    ("Centro estivo preadolescenti", "centro_estivo", "Solco06", "Parco del Vecchio Passeggio, Cremona",
     date(2025, 6, 16), date(2025, 7, 25), (3, 4, 6), (0, 1, 2, 3, 4), time(9, 0), time(13, 0), 3, 20, (11, 14), 1, None),
]  # fmt: skip

FESTIVITA = {date(2024, 12, 25), date(2024, 12, 26), date(2025, 1, 1), date(2025, 1, 6),
             date(2025, 4, 21), date(2025, 4, 25), date(2025, 5, 1), date(2025, 6, 2),
             date(2025, 8, 15), date(2025, 12, 8)}  # fmt: skip


def _fascia(eta_minima: int, eta_massima: int, rng: random.Random) -> str:
    eta = rng.randint(eta_minima, eta_massima)
    if eta <= 10:
        return FasciaEta.FINO_10
    if eta <= 13:
        return FasciaEta.DA_11_A_13
    if eta <= 15:
        return FasciaEta.DA_14_A_15
    if eta <= 17:
        return FasciaEta.DA_16_A_17
    return FasciaEta.DA_18


def _giorni(dal: date, al: date, giorni_settimana: tuple[int, ...]):
    giorno = dal
    while giorno <= al:
        # No sessions in August or over the Christmas break, as in real life.
        pausa = giorno.month == 8 or (giorno.month == 12 and giorno.day > 22)
        if giorno.weekday() in giorni_settimana and giorno not in FESTIVITA and not pausa:
            yield giorno
        giorno += timedelta(days=1)


def crea_laboratori(accordo: Accordo, enti: dict) -> tuple[dict[str, Laboratorio], int]:
    rng = random.Random(2024)
    obiettivi = {o.numero: o for o in Obiettivo.objects.filter(accordo=accordo)}
    laboratori: dict[str, Laboratorio] = {}
    sessioni_create = 0
    for (
        titolo,
        tipo,
        cooperativa,
        luogo,
        dal,
        al,
        numeri_obiettivi,
        giorni_settimana,
        inizio,
        fine,
        educatori,
        iscritti,
        (eta_minima, eta_massima),
        volontari,
        partner,
    ) in LABORATORI:
        esistente = Laboratorio.objects.filter(accordo=accordo, titolo=titolo).first()
        if esistente is not None:
            laboratori[titolo] = esistente
            continue
        giorni = list(_giorni(dal, al, giorni_settimana))
        durata = Decimal((fine.hour * 60 + fine.minute) - (inizio.hour * 60 + inizio.minute)) / 60
        laboratorio = services.laboratorio_salva(
            laboratorio=Laboratorio(
                accordo=accordo,
                titolo=titolo,
                tipo=tipo,
                cooperativa=enti[cooperativa],
                luogo=luogo,
                data_inizio=dal,
                data_fine=al,
                eta_minima=eta_minima,
                eta_massima=eta_massima,
                sessioni_previste=len(giorni) + rng.randint(2, 6),
                ore_previste=(durata * (len(giorni) + 4)).quantize(Decimal("0.01")),
                stato=StatoLaboratorio.CONCLUSO,
            ),
            obiettivi=[obiettivi[n] for n in numeri_obiettivi],
        )
        laboratori[titolo] = laboratorio
        if partner is not None:
            PartnerLaboratorio.objects.create(
                laboratorio=laboratorio, ente=enti[partner], ruolo="volontari esperti"
            )
        gruppo = [
            services.partecipante_crea(
                laboratorio=laboratorio,
                fascia_eta=_fascia(eta_minima, eta_massima, rng),
                genere=rng.choice([Genere.FEMMINILE, Genere.MASCHILE, Genere.MASCHILE]),
                livello_scolastico=rng.choice(
                    [LivelloScolastico.SECONDARIA_PRIMO, LivelloScolastico.SECONDARIA_SECONDO]
                ),
                servizio_inviante=rng.choice(ServizioInviante.values),
            )
            for _ in range(iscritti)
        ]
        # Some young people join later and some drift away: each has a
        # personal attendance rate, so retention is realistic, not uniform.
        assiduita = {p.pk: rng.uniform(0.25, 0.9) for p in gruppo}
        ingresso = {p.pk: rng.choice([0, 0, 0, rng.randint(0, len(giorni) // 2)]) for p in gruppo}
        uscita = {
            p.pk: ingresso[p.pk] + rng.randint(1, 4) if rng.random() < 0.25 else len(giorni)
            for p in gruppo
        }
        for indice, giorno in enumerate(giorni):
            presenti = [
                p
                for p in gruppo
                if ingresso[p.pk] <= indice < uscita[p.pk] and rng.random() < assiduita[p.pk]
            ]
            ore = Decimal(educatori) * durata + Decimal("0.5")
            services.sessione_salva(
                sessione=Sessione(
                    laboratorio=laboratorio,
                    data=giorno,
                    ora_inizio=inizio,
                    ora_fine=fine,
                    numero_educatori=educatori,
                    educatori=", ".join(["Educatore/trice dell'équipe"] * 1),
                    ore_educatori=ore.quantize(Decimal("0.01")),
                    volontari=volontari,
                    ore_volontari=(Decimal(volontari) * durata).quantize(Decimal("0.01")),
                    note="Attività svolta come da programma.",
                ),
                presenti=presenti,
            )
            sessioni_create += 1
    return laboratori, sessioni_create
