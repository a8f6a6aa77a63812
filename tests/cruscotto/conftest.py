"""Fixtures and helpers of the dashboard's tests: a few prestazioni, one
report in each waiting state, a cooperative's laboratories, and the page as
text. The clock is frozen through core.orologio.oggi, which the dashboard
reads (and laboratori.services.oggi too).
"""

import html
import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from accordo.models import Accordo
from budget.models import Tranche
from core import orologio
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, StatoLaboratorio, TipoLaboratorio
from rendicontazione import services as rend_services
from rendicontazione.models import Rendiconto

D = Decimal
# After the Cremona agreement's end, as the real today is.
OGGI = date(2026, 11, 25)
# Inside the 2025 tranche, for the laboratories' sessions.
OGGI_2025 = date(2025, 3, 20)


def fissa_oggi(monkeypatch, giorno: date) -> None:
    monkeypatch.setattr(orologio, "oggi", lambda: giorno)


def pagina(client, utente) -> str:
    client.force_login(utente)
    risposta = client.get("/")
    assert risposta.status_code == 200
    return html.unescape(risposta.content.decode())


def senza_marcatori(testo: str) -> str:
    testo = re.sub(r"<(style|svg)\b.*?</\1>", " ", testo, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", testo))


@pytest.fixture
def spesa(tranche_2024, tranche_2025, crea_prestazione, utente_consorzio):
    crea_prestazione(tranche_2024, "1234.56", data=date(2024, 10, 15), utente=utente_consorzio)
    crea_prestazione(tranche_2024, "800.00", tipo="progettazione", data=date(2024, 11, 29))
    crea_prestazione(tranche_2024, "99.99", tipo="beni_consumo", data=date(2024, 10, 2))
    crea_prestazione(tranche_2025, "2350.00", tipo="personale_interno", data=date(2025, 2, 12))


@pytest.fixture
def rendiconti(accordo, utente_consorzio, utente_comune, monkeypatch):
    """One report of each state that waits for someone: sent (for the
    Comune), sent back with remarks and draft (for the Consorzio)."""
    monkeypatch.setattr(rend_services, "send_mail", lambda *a, **k: 1)

    def nuovo(dal, al):
        return rend_services.rendiconto_salva(
            rendiconto=Rendiconto(accordo=accordo, dal=dal, al=al, attivita_svolte="Attività."),
            utente=utente_consorzio,
        )

    inviato = nuovo(date(2024, 9, 1), date(2024, 12, 31))
    rend_services.invia(rendiconto=inviato, utente=utente_consorzio)
    rimandato = nuovo(date(2025, 1, 1), date(2025, 6, 30))
    rend_services.invia(rendiconto=rimandato, utente=utente_consorzio)
    rend_services.rimanda(
        rendiconto=rimandato,
        utente=utente_comune,
        osservazioni="Allegare le ricevute della falegnameria.",
    )
    bozza = nuovo(date(2025, 7, 1), date(2025, 12, 31))
    return {"inviato": inviato, "rimandato": rimandato, "bozza": bozza}


def laboratorio(accordo, cooperativa, titolo, **altro) -> Laboratorio:
    dati = {
        "tipo": TipoLaboratorio.CICLOFFICINA,
        "luogo": "Civico 81, Cremona",
        "data_inizio": date(2025, 1, 7),
        "data_fine": date(2025, 6, 30),
        "sessioni_previste": 30,
        "stato": StatoLaboratorio.ATTIVO,
    }
    dati.update(altro)
    return lab_services.laboratorio_salva(
        laboratorio=Laboratorio(accordo=accordo, titolo=titolo, cooperativa=cooperativa, **dati)
    )


def sessioni(lab: Laboratorio, giorni) -> None:
    Sessione.objects.bulk_create(
        Sessione(
            laboratorio=lab,
            data=giorno,
            ora_inizio=time(16),
            ora_fine=time(18),
            ore_educatori=D("4"),
        )
        for giorno in giorni
    )


@pytest.fixture
def laboratori(accordo, cooperativa_a, cooperativa_b, monkeypatch):
    """Coop A's two laboratories (one meeting on Mondays and Thursdays, with
    Monday 17 March missing) and coop B's one, on Thursday 20 March 2025."""
    fissa_oggi(monkeypatch, OGGI_2025)
    ciclofficina = laboratorio(accordo, cooperativa_a, "Ciclofficina Civico 81")
    giorni = [
        OGGI_2025 - timedelta(days=n)
        for n in range(0, 29)
        if (OGGI_2025 - timedelta(days=n)).weekday() in (0, 3)
    ]
    sessioni(ciclofficina, [g for g in giorni if g != date(2025, 3, 17)])
    falegnameria = laboratorio(
        accordo, cooperativa_a, "Falegnameria creativa", tipo=TipoLaboratorio.FALEGNAMERIA
    )
    sessioni(falegnameria, [date(2025, 3, 4)])
    zaist = laboratorio(accordo, cooperativa_b, "Doposcuola Zaist", tipo=TipoLaboratorio.DOPOSCUOLA)
    sessioni(zaist, [date(2025, 3, 18)])
    return {"ciclofficina": ciclofficina, "falegnameria": falegnameria, "zaist": zaist}


@pytest.fixture
def sette_accordi(accordo):
    """The Cremona agreement and six more between the same parties, each
    starting a month later than the one before, all ended."""
    altri = [
        Accordo.objects.create(
            titolo=f"Accordo {numero}",
            ente_pubblico=accordo.ente_pubblico,
            ente_partner=accordo.ente_partner,
            firmatario_pubblico="Sindaco",
            firmatario_partner="Presidente",
            data_inizio=date(2025, numero, 1),
            data_fine=date(2025, 12, 31),
        )
        for numero in range(1, 7)
    ]
    # The most recent first, as the dashboard orders them.
    return [*reversed(altri), accordo]


@pytest.fixture
def sette_accordi_con_tranche(sette_accordi):
    """The same, each new agreement with a tranche of its own."""
    for altro in sette_accordi[:-1]:
        Tranche.objects.create(
            accordo=altro,
            etichetta="2025",
            data_inizio=altro.data_inizio,
            data_fine=altro.data_fine,
            importo=Decimal("1000.00"),
        )
    return sette_accordi
