"""The report page keeps what it computes in the cache (core.impronta): the
live summary under the fingerprint of riepilogo.FONTI_RIEPILOGO, the
page's parts under the report's last change as well. These tests check
that the fingerprint covers every table the summary reads, and that after
each kind of write the next request shows it."""

import html
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.formati import euro
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, TipoLaboratorio
from rendicontazione import services
from rendicontazione.models import Rendiconto
from rendicontazione.riepilogo import FONTI_RIEPILOGO, riepilogo

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)


def tabelle(queries) -> set[str]:
    """The tables the SQL of `queries` names."""
    return {
        nome
        for query in queries
        for nome in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"], re.IGNORECASE)
    }


def tabelle_delle_fonti() -> set[str]:
    return {modello._meta.db_table for modello in FONTI_RIEPILOGO}


@pytest.fixture
def laboratorio(accordo, cooperativa_a) -> Laboratorio:
    laboratorio = lab_services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Ciclofficina Civico 81",
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa_a,
            luogo="Civico 81, Cremona",
            data_inizio=date(2024, 10, 1),
            data_fine=date(2025, 6, 30),
            sessioni_previste=20,
            ore_previste=Decimal("40"),
        ),
        obiettivi=list(accordo.obiettivi.all()[:1]),
    )
    return laboratorio


@pytest.fixture
def ragazzi(laboratorio):
    return [
        lab_services.partecipante_crea(
            laboratorio=laboratorio,
            fascia_eta="11_13",
            genere=genere,
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for genere in ("M", "F", "M")
    ]


def nuova_sessione(laboratorio, presenti, giorno: date) -> Sessione:
    return lab_services.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=giorno,
            ora_inizio=time(15, 0),
            ora_fine=time(17, 0),
            numero_educatori=1,
            ore_educatori=Decimal("2"),
        ),
        presenti=presenti,
    )


@pytest.fixture
def rendiconto(accordo, utente_consorzio, tranche_2024, crea_prestazione) -> Rendiconto:
    crea_prestazione(tranche_2024, "1000.00", data=date(2024, 10, 4), descrizione="Trasporto")
    return services.rendiconto_salva(
        rendiconto=Rendiconto(accordo=accordo, dal=DAL, al=AL, attivita_svolte="Avvio."),
        utente=utente_consorzio,
    )


def pagina(utente, rendiconto: Rendiconto) -> str:
    client = Client()
    client.force_login(utente)
    risposta = client.get(reverse("rendicontazione:dettaglio", args=[rendiconto.pk]))
    assert risposta.status_code == 200
    return html.unescape(risposta.content.decode())


def indicatore(testo: str, etichetta: str) -> str:
    """The period's figure of a row of the activity table."""
    trovato = re.search(rf'{re.escape(etichetta)}</th><td class="cifra">([^<]*)</td>', testo)
    assert trovato, etichetta
    return trovato.group(1)


# The fingerprint covers what the summary reads


def test_the_sources_cover_every_table_the_summary_reads(rendiconto, laboratorio, ragazzi):
    """A query of the summary on a table outside FONTI_RIEPILOGO would be
    kept in the cache unchanged after a write to that table: add the model
    to the list (and see there what a model without a history needs)."""
    nuova_sessione(laboratorio, ragazzi, date(2024, 10, 15))
    with CaptureQueriesContext(connection) as contesto:
        riepilogo(rendiconto.accordo, DAL, AL)
        riepilogo(rendiconto.accordo, DAL, AL, con_prestazioni=False)
    lette = tabelle(contesto.captured_queries)
    assert "laboratori_presenza" in lette  # the capture saw the summary's queries
    assert lette <= tabelle_delle_fonti(), lette - tabelle_delle_fonti()


def test_a_cold_page_reads_the_sources_and_the_report_only(
    rendiconto, laboratorio, ragazzi, utente_consorzio, utente_comune
):
    """Everything else the page reads is either read at every request
    (session, user, report) or kept under the report's last change
    (submissions, transitions, remarks: see views._cronologia)."""
    sessione = nuova_sessione(laboratorio, ragazzi, date(2024, 10, 15))
    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    services.rimanda(
        rendiconto=rendiconto,
        utente=utente_comune,
        osservazioni="Integrare.",
        osservazioni_voci=[services.OsservazioneVoce(testo="Orario?", sessione_id=sessione.pk)],
    )
    client = Client()
    client.force_login(utente_consorzio)
    with CaptureQueriesContext(connection) as contesto:
        client.get(reverse("rendicontazione:dettaglio", args=[rendiconto.pk]))
    del_rendiconto = {
        "django_session",
        "core_utente",
        "rendicontazione_rendiconto",
        "rendicontazione_invio",
        "rendicontazione_transizione",
        "rendicontazione_osservazione",
    }
    # Less the fingerprint's own query (the sources' history tables).
    lette = tabelle(q for q in contesto.captured_queries if "MAX(history_id)" not in q["sql"])
    altre = lette - tabelle_delle_fonti() - del_rendiconto
    assert not altre


# After each kind of write, the next request shows it


def test_a_new_prestazione_shows_on_the_next_request(
    rendiconto, utente_consorzio, tranche_2024, crea_prestazione
):
    prima = pagina(utente_consorzio, rendiconto)
    assert "Noleggio furgone" not in prima
    crea_prestazione(tranche_2024, "250.00", data=date(2024, 12, 2), descrizione="Noleggio furgone")
    dopo = pagina(utente_consorzio, rendiconto)
    assert "Noleggio furgone" in dopo
    totale = riepilogo(rendiconto.accordo, DAL, AL).spesa_periodo.totale
    assert euro(totale) in dopo
    assert euro(totale) not in prima


def test_a_session_and_its_attendance_show_on_the_next_request(
    rendiconto, laboratorio, ragazzi, utente_consorzio
):
    assert indicatore(pagina(utente_consorzio, rendiconto), "Presenze in tutto") == "0"
    sessione = nuova_sessione(laboratorio, ragazzi, date(2024, 10, 15))
    testo = pagina(utente_consorzio, rendiconto)
    assert indicatore(testo, "Sessioni svolte / previste") == "1"
    assert indicatore(testo, "Presenze in tutto") == "3"
    # Attendance changed on the same session: rows of Presenza deleted.
    lab_services.sessione_salva(sessione=sessione, presenti=ragazzi[:1])
    assert indicatore(pagina(utente_consorzio, rendiconto), "Presenze in tutto") == "1"
    lab_services.sessione_elimina(sessione=sessione)
    testo = pagina(utente_consorzio, rendiconto)
    assert indicatore(testo, "Sessioni svolte / previste") == "0"
    assert indicatore(testo, "Presenze in tutto") == "0"


def test_a_change_of_a_laboratory_shows_on_the_next_request(
    rendiconto, laboratorio, ragazzi, utente_consorzio
):
    nuova_sessione(laboratorio, ragazzi, date(2024, 10, 15))
    assert "Ciclofficina Civico 81" in pagina(utente_consorzio, rendiconto)
    laboratorio.titolo = "Ciclofficina di quartiere"
    lab_services.laboratorio_salva(laboratorio=laboratorio, obiettivi=[])
    testo = pagina(utente_consorzio, rendiconto)
    assert "Ciclofficina di quartiere" in testo
    assert "Ciclofficina Civico 81" not in testo


def test_the_report_transitions_show_on_the_next_request(
    rendiconto, utente_consorzio, utente_comune, tranche_2024, crea_prestazione
):
    assert "Bozza." in pagina(utente_consorzio, rendiconto)
    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    testo = pagina(utente_consorzio, rendiconto)
    assert "Cifre e relazione come inviate con l'invio n. 1" in testo
    assert "Bozza → Inviato" in testo
    assert "I dati attuali differiscono" not in testo
    # Recorded after the submission: the live-vs-frozen comparison sees it.
    crea_prestazione(tranche_2024, "80.00", data=date(2024, 12, 3), descrizione="Voce tardiva")
    testo = pagina(utente_comune, rendiconto)
    assert "I dati attuali differiscono" in testo
    assert "Voce tardiva" in testo
    services.rimanda(
        rendiconto=rendiconto,
        utente=utente_comune,
        osservazioni="Manca la relazione sui risultati.",
        osservazioni_voci=[],
    )
    testo = pagina(utente_consorzio, rendiconto)
    assert "Il Comune ha chiesto integrazioni" in testo
    assert "Manca la relazione sui risultati." in testo
    assert "Inviato → Da integrare" in testo


def test_an_edited_narrative_and_a_renamed_user_show_on_the_next_request(
    rendiconto, utente_consorzio
):
    assert "Nuovi gruppi avviati." not in pagina(utente_consorzio, rendiconto)
    rendiconto.risultati = "Nuovi gruppi avviati."
    services.rendiconto_salva(rendiconto=rendiconto, utente=utente_consorzio)
    assert "Nuovi gruppi avviati." in pagina(utente_consorzio, rendiconto)
    # The users' names are read at every request: not kept with the page.
    utente_consorzio.first_name, utente_consorzio.last_name = "Giulia", "Ferrari"
    utente_consorzio.save()
    assert "Giulia Ferrari" in pagina(utente_consorzio, rendiconto)


def test_what_one_role_sees_is_never_served_to_another(rendiconto, utente_consorzio, utente_comune):
    """The page's parts are shared in the cache by the users who may see the
    report: the buttons of one role must not reach the other, in either
    order, on a draft and on a submitted report."""
    bozza_consorzio = pagina(utente_consorzio, rendiconto)
    bozza_comune = pagina(utente_comune, rendiconto)
    assert "Invia al Comune" in bozza_consorzio
    assert "Invia al Comune" not in bozza_comune

    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    inviato_comune = pagina(utente_comune, rendiconto)
    inviato_consorzio = pagina(utente_consorzio, rendiconto)
    assert "Approva o chiedi integrazioni" in inviato_comune
    assert "Approva o chiedi integrazioni" not in inviato_consorzio
    assert "Invia al Comune" not in inviato_consorzio
