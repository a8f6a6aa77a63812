"""The laboratories' pages (laboratori/views.py) and admin, through the test
client: who sees what, logging a session with its attendance, every refusal
in Italian with nothing saved, and the edit window of the cooperatives.

The clock is frozen through laboratori.services.oggi, which the pages use
too: the real today (late 2026) is after the agreement's end.
"""

import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum import luhn

from accordo.models import Accordo, Ente, TipoEnte
from laboratori import services
from laboratori.forms import SenzaVincoliDelDatabase, SessioneForm
from laboratori.models import (
    LUNGHEZZA_CODICE,
    Laboratorio,
    Partecipante,
    Presenza,
    Sessione,
    StatoLaboratorio,
    TipoLaboratorio,
)

INIZIO_LAB = date(2025, 1, 7)
FINE_LAB = date(2025, 6, 30)
GIORNO_SESSIONE = date(2025, 3, 10)


def nuovo_laboratorio(accordo, cooperativa, titolo, **altro) -> Laboratorio:
    dati = {
        "tipo": TipoLaboratorio.CICLOFFICINA,
        "luogo": "Civico 81, Cremona",
        "data_inizio": INIZIO_LAB,
        "data_fine": FINE_LAB,
        "sessioni_previste": 20,
        "stato": StatoLaboratorio.ATTIVO,
    }
    dati.update(altro)
    return services.laboratorio_salva(
        laboratorio=Laboratorio(accordo=accordo, titolo=titolo, cooperativa=cooperativa, **dati)
    )


def nuovo_partecipante(laboratorio, fascia="11_13", genere="F") -> Partecipante:
    return services.partecipante_crea(
        laboratorio=laboratorio,
        fascia_eta=fascia,
        genere=genere,
        livello_scolastico="secondaria_1",
        servizio_inviante="scuola",
    )


def nuova_sessione(laboratorio, giorno, presenti, utente=None, dalle=16) -> Sessione:
    return services.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=giorno,
            ora_inizio=time(dalle),
            ora_fine=time(dalle + 2),
            numero_educatori=2,
            ore_educatori=Decimal("4"),
        ),
        presenti=presenti,
        utente=utente,
    )


@pytest.fixture
def laboratorio_a(accordo, cooperativa_a) -> Laboratorio:
    return nuovo_laboratorio(accordo, cooperativa_a, "Ciclofficina Civico 81")


@pytest.fixture
def laboratorio_b(accordo, cooperativa_b) -> Laboratorio:
    return nuovo_laboratorio(
        accordo,
        cooperativa_b,
        "Doposcuola Zaist",
        tipo=TipoLaboratorio.DOPOSCUOLA,
        luogo="Quartiere Zaist",
    )


@pytest.fixture
def iscritti_a(laboratorio_a) -> list[Partecipante]:
    return [nuovo_partecipante(laboratorio_a) for _ in range(3)]


@pytest.fixture
def iscritto_b(laboratorio_b) -> Partecipante:
    return nuovo_partecipante(laboratorio_b, fascia="16_17", genere="M")


@pytest.fixture
def sessione_a(laboratorio_a, iscritti_a) -> Sessione:
    return nuova_sessione(laboratorio_a, GIORNO_SESSIONE, iscritti_a[:2])


@pytest.fixture
def sessione_b(laboratorio_b, iscritto_b) -> Sessione:
    return nuova_sessione(laboratorio_b, GIORNO_SESSIONE, [iscritto_b])


@pytest.fixture
def iscritto_altro_accordo(accordo, cooperativa_a) -> Partecipante:
    """A participant of coop A's laboratory in a second agreement of the same
    parties: coop A sees the code, but it cannot attend this agreement's
    laboratories."""
    secondo = Accordo.objects.create(
        titolo="Secondo accordo",
        ente_pubblico=accordo.ente_pubblico,
        ente_partner=accordo.ente_partner,
        firmatario_pubblico="Sindaco",
        firmatario_partner="Presidente",
        data_inizio=date(2025, 1, 1),
        data_fine=date(2025, 12, 31),
    )
    laboratorio = nuovo_laboratorio(secondo, cooperativa_a, "Falegnameria del secondo accordo")
    return nuovo_partecipante(laboratorio)


def fissa_oggi(monkeypatch, giorno: date) -> None:
    monkeypatch.setattr(services, "oggi", lambda: giorno)


@pytest.fixture
def oggi_12_marzo(monkeypatch):
    """Two days after GIORNO_SESSIONE: inside the cooperatives' 7 days."""
    fissa_oggi(monkeypatch, date(2025, 3, 12))


def entra(client, utente):
    client.force_login(utente)
    return client


def html(risposta) -> str:
    return risposta.content.decode()


def conteggi() -> tuple[int, int, int]:
    return Sessione.objects.count(), Presenza.objects.count(), Partecipante.objects.count()


def dati_sessione(**modifiche) -> dict:
    dati = {
        "data": "2025-03-11",
        "ora_inizio": "15:00",
        "ora_fine": "17:30",
        "educatori": "Marta, Luca",
        "numero_educatori": "2",
        "ore_educatori": "5",
        "volontari": "1",
        "ore_volontari": "2.5",
        "note": "Riparazione di due biciclette.",
        "presenti": [],
        "nuovi_quanti": "0",
        "nuovi_fascia_eta": "",
        "nuovi_genere": "",
        "nuovi_livello_scolastico": "",
        "nuovi_servizio_inviante": "",
    }
    dati.update(modifiche)
    return dati


UN_NUOVO = {
    "nuovi_quanti": "1",
    "nuovi_fascia_eta": "14_15",
    "nuovi_genere": "M",
    "nuovi_livello_scolastico": "secondaria_2",
    "nuovi_servizio_inviante": "spazio_agio",
}


# Who gets in


@pytest.mark.parametrize("nome", ["elenco", "dettaglio", "sessione_nuova"])
def test_anonymous_is_sent_to_the_login(client, laboratorio_a, nome):
    url = reverse(f"laboratori:{nome}", args=[] if nome == "elenco" else [laboratorio_a.pk])
    risposta = client.get(url)
    assert risposta.status_code == 302
    assert risposta["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "chi", ["utente_coop_a", "utente_consorzio", "utente_comune", "superutente"]
)
def test_the_read_pages_open_for_every_role_that_sees_the_laboratory(
    client, request, chi, laboratorio_a, sessione_a
):
    entra(client, request.getfixturevalue(chi))
    for url in (
        reverse("laboratori:elenco"),
        reverse("laboratori:dettaglio", args=[laboratorio_a.pk]),
    ):
        risposta = client.get(url)
        assert risposta.status_code == 200
        assert "Ciclofficina Civico 81" in html(risposta)


@pytest.mark.parametrize("chi", ["utente_coop_a", "utente_consorzio", "superutente"])
def test_the_write_pages_open_for_who_may_change_the_laboratory(
    client, request, chi, laboratorio_a, sessione_a, oggi_12_marzo
):
    entra(client, request.getfixturevalue(chi))
    for url in (
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        reverse("laboratori:sessione_modifica", args=[sessione_a.pk]),
        reverse("laboratori:sessione_elimina", args=[sessione_a.pk]),
    ):
        assert client.get(url).status_code == 200


def test_the_list_takes_no_post(client, utente_coop_a):
    entra(client, utente_coop_a)
    assert client.post(reverse("laboratori:elenco")).status_code == 405


# The list


def test_a_cooperative_sees_my_laboratories_and_only_its_own(
    client, utente_coop_a, laboratorio_a, laboratorio_b, sessione_a, sessione_b
):
    risposta = entra(client, utente_coop_a).get(reverse("laboratori:elenco"))
    pagina = html(risposta)
    assert "I miei laboratori" in pagina
    assert "Ciclofficina Civico 81" in pagina
    assert "Doposcuola Zaist" not in pagina
    assert "Quartiere Zaist" not in pagina
    # No choice of cooperative for a cooperative's staff.
    assert 'name="cooperativa"' not in pagina


def test_cooperative_b_never_sees_cooperative_a_s_titles_or_codes(
    client, utente_coop_b, laboratorio_a, iscritti_a, sessione_a, laboratorio_b, sessione_b
):
    entra(client, utente_coop_b)
    pagine = html(client.get(reverse("laboratori:elenco"))) + html(
        client.get(reverse("laboratori:dettaglio", args=[laboratorio_b.pk]))
    )
    assert "Doposcuola Zaist" in pagine
    assert "Ciclofficina Civico 81" not in pagine
    for partecipante in iscritti_a:
        assert partecipante.codice not in pagine
    # A search does not reveal it either.
    cercato = client.get(reverse("laboratori:elenco"), {"titolo": "Ciclofficina"})
    assert "Ciclofficina Civico 81" not in html(cercato)
    assert "Nessun laboratorio corrisponde ai filtri" in html(cercato)


def test_the_list_shows_each_laboratory_s_figures(
    client, utente_consorzio, laboratorio_a, iscritti_a, sessione_a, laboratorio_b
):
    nuova_sessione(laboratorio_a, date(2025, 3, 17), iscritti_a[1:])
    risposta = entra(client, utente_consorzio).get(reverse("laboratori:elenco"))
    righe = {riga.laboratorio.titolo: riga for riga in risposta.context["righe"]}
    a = righe["Ciclofficina Civico 81"]
    assert (a.sessioni_svolte, a.laboratorio.sessioni_previste) == (2, 20)
    assert a.partecipanti == 3
    assert a.ultima_sessione == date(2025, 3, 17)
    assert a.modificabile
    assert righe["Doposcuola Zaist"].sessioni_svolte == 0
    pagina = html(risposta)
    assert "Laboratori" in pagina and "I miei laboratori" not in pagina
    assert "2 / 20" in pagina
    assert "17/03/2025" in pagina
    assert "Solco Young" in pagina  # the cooperative column, for the consortium
    assert pagina.count("Registra sessione</a>") == 2


def test_the_list_needs_the_same_queries_for_one_or_many_sessions(
    client, utente_consorzio, laboratorio_a, iscritti_a
):
    entra(client, utente_consorzio)
    nuova_sessione(laboratorio_a, date(2025, 2, 3), iscritti_a)
    with CaptureQueriesContext(connection) as prima:
        client.get(reverse("laboratori:elenco"))
    for giorno in range(4, 20):
        nuova_sessione(laboratorio_a, date(2025, 2, giorno), iscritti_a)
    with CaptureQueriesContext(connection) as dopo:
        client.get(reverse("laboratori:elenco"))
    assert len(dopo) == len(prima)


def test_the_comune_reads_the_list_without_write_buttons(
    client, utente_comune, laboratorio_a, laboratorio_b
):
    pagina = html(entra(client, utente_comune).get(reverse("laboratori:elenco")))
    assert "Ciclofficina Civico 81" in pagina and "Doposcuola Zaist" in pagina
    assert "Registra sessione" not in pagina
    assert reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]) not in pagina


def test_the_list_filters_by_state_kind_cooperative_and_title(
    client, utente_consorzio, laboratorio_a, laboratorio_b, cooperativa_b
):
    laboratorio_b.stato = StatoLaboratorio.CONCLUSO
    services.laboratorio_salva(laboratorio=laboratorio_b)
    entra(client, utente_consorzio)

    def titoli(**filtri):
        risposta = client.get(reverse("laboratori:elenco"), filtri)
        return [riga.laboratorio.titolo for riga in risposta.context["righe"]]

    assert titoli() == ["Ciclofficina Civico 81", "Doposcuola Zaist"]
    assert titoli(stato="concluso") == ["Doposcuola Zaist"]
    assert titoli(tipo="ciclofficina") == ["Ciclofficina Civico 81"]
    assert titoli(cooperativa=cooperativa_b.pk) == ["Doposcuola Zaist"]
    assert titoli(titolo="officina") == ["Ciclofficina Civico 81"]
    assert titoli(titolo="teatro") == []


def test_the_list_is_paginated_by_25(client, utente_consorzio, accordo, cooperativa_a):
    for numero in range(30):
        nuovo_laboratorio(accordo, cooperativa_a, f"Laboratorio {numero:02d}")
    entra(client, utente_consorzio)
    prima = client.get(reverse("laboratori:elenco"))
    assert len(prima.context["righe"]) == 25
    assert "Pagina 1 di 2" in html(prima)
    seconda = client.get(reverse("laboratori:elenco"), {"pagina": 2})
    assert [r.laboratorio.titolo for r in seconda.context["righe"]] == [
        f"Laboratorio {n}" for n in range(25, 30)
    ]


def test_an_empty_list_says_so(client, utente_coop_a):
    pagina = html(entra(client, utente_coop_a).get(reverse("laboratori:elenco")))
    assert "Nessun laboratorio" in pagina
    assert "Non ci sono ancora laboratori da mostrare" in pagina


# One laboratory


def test_the_detail_shows_data_indicators_sessions_and_codes(
    client, utente_coop_a, laboratorio_a, iscritti_a, sessione_a, oggi_12_marzo
):
    obiettivo = laboratorio_a.accordo.obiettivi.order_by("numero").first()
    laboratorio_a.obiettivi.add(obiettivo)
    risposta = entra(client, utente_coop_a).get(
        reverse("laboratori:dettaglio", args=[laboratorio_a.pk])
    )
    pagina = html(risposta)
    assert "Civico 81, Cremona" in pagina
    assert "07/01/2025" in pagina and "30/06/2025" in pagina
    assert obiettivo.testo[:40] in pagina
    misure = risposta.context["misure"]
    assert (misure.sessioni_svolte, misure.partecipanti, misure.presenze) == (1, 2, 2)
    assert "10/03/2025" in pagina
    for partecipante in iscritti_a:
        assert partecipante.codice in pagina
    assert reverse("laboratori:sessione_modifica", args=[sessione_a.pk]) in pagina
    assert "entro 7 giorni" in pagina


def test_the_detail_needs_the_same_queries_for_few_or_many_sessions(
    client, utente_coop_a, laboratorio_a, iscritti_a, oggi_12_marzo
):
    entra(client, utente_coop_a)
    url = reverse("laboratori:dettaglio", args=[laboratorio_a.pk])
    nuova_sessione(laboratorio_a, date(2025, 2, 3), iscritti_a)
    with CaptureQueriesContext(connection) as prima:
        client.get(url)
    for giorno in range(4, 28):
        nuova_sessione(laboratorio_a, date(2025, 2, giorno), iscritti_a)
    with CaptureQueriesContext(connection) as dopo:
        client.get(url)
    assert len(dopo) == len(prima)


@pytest.mark.parametrize("chi", ["utente_comune", "utente_consorzio"])
def test_who_sees_money_follows_the_detail_to_the_laboratorio_s_prestazioni(
    client, request, chi, laboratorio_a, laboratorio_b, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2025, "1234.56", data=date(2025, 2, 3), laboratorio=laboratorio_a)
    crea_prestazione(tranche_2025, "987.65", data=date(2025, 2, 3), laboratorio=laboratorio_b)
    entra(client, request.getfixturevalue(chi))
    pagina = html(client.get(reverse("laboratori:dettaglio", args=[laboratorio_a.pk])))
    assert "€" not in pagina and "1.271,60" not in pagina  # 1.234,56 + 3%: not here
    url = f"{reverse('budget:prestazioni')}?laboratorio={laboratorio_a.pk}"
    assert f'href="{url}"' in pagina
    prestazioni = html(client.get(url))
    assert "1.271,60" in prestazioni  # but there, for the laboratorio's prestazione
    assert "1.017,28" not in prestazioni  # 987,65 + 3%: laboratorio B's


def test_a_cooperative_gets_no_link_to_the_prestazioni(
    client, utente_coop_a, laboratorio_a, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2025, "1234.56", data=date(2025, 2, 3), laboratorio=laboratorio_a)
    pagina = html(
        entra(client, utente_coop_a).get(reverse("laboratori:dettaglio", args=[laboratorio_a.pk]))
    )
    assert reverse("budget:prestazioni") not in pagina
    assert "€" not in pagina and "1.271,60" not in pagina and "Costo" not in pagina


def test_the_comune_reads_the_detail_with_codes_and_no_write_links(
    client, utente_comune, laboratorio_a, iscritti_a, sessione_a
):
    pagina = html(
        entra(client, utente_comune).get(reverse("laboratori:dettaglio", args=[laboratorio_a.pk]))
    )
    assert iscritti_a[0].codice in pagina
    assert "Registra sessione" not in pagina
    assert reverse("laboratori:sessione_modifica", args=[sessione_a.pk]) not in pagina
    assert reverse("laboratori:sessione_elimina", args=[sessione_a.pk]) not in pagina


# Logging a session


def test_the_form_offers_the_enrolled_participants_and_phone_friendly_inputs(
    client, utente_coop_a, laboratorio_a, iscritti_a, iscritto_b
):
    risposta = entra(client, utente_coop_a).get(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk])
    )
    pagina = html(risposta)
    for partecipante in iscritti_a:
        assert partecipante.codice in pagina
    assert iscritto_b.codice not in pagina
    assert 'type="date"' in pagina and pagina.count('type="time"') == 2
    assert 'class="elenco-presenze"' in pagina
    # Every visible input, select and textarea has its <label for=...>.
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', pagina)
    assert len(ids) >= 15
    for id_ in ids:
        assert f'for="{id_}"' in pagina, id_


def test_a_cooperative_logs_a_session_with_attendance_and_a_new_participant(
    client, utente_coop_a, laboratorio_a, iscritti_a
):
    entra(client, utente_coop_a)
    url = reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk])
    risposta = client.post(
        url, dati_sessione(presenti=[iscritti_a[0].pk, iscritti_a[2].pk], **UN_NUOVO)
    )

    assert risposta.status_code == 302
    assert risposta["Location"] == reverse("laboratori:dettaglio", args=[laboratorio_a.pk])
    sessione = Sessione.objects.get()
    assert sessione.laboratorio == laboratorio_a
    assert (sessione.data, sessione.ora_inizio, sessione.ora_fine) == (
        date(2025, 3, 11),
        time(15),
        time(17, 30),
    )
    assert sessione.ore_educatori == Decimal("5") and sessione.ore_volontari == Decimal("2.5")
    assert sessione.creata_da == utente_coop_a
    nuovo = Partecipante.objects.exclude(pk__in=[p.pk for p in iscritti_a]).get()
    assert len(nuovo.codice) == LUNGHEZZA_CODICE
    assert (nuovo.fascia_eta, nuovo.genere, nuovo.servizio_inviante) == (
        "14_15",
        "M",
        "spazio_agio",
    )
    assert nuovo.accordo == laboratorio_a.accordo
    assert laboratorio_a in nuovo.laboratori.all()
    assert set(Presenza.objects.values_list("partecipante_id", flat=True)) == {
        iscritti_a[0].pk,
        iscritti_a[2].pk,
        nuovo.pk,
    }
    messaggio = html(client.get(risposta["Location"]))
    assert "Sessione del 11/03/2025 salvata con 3 presenti." in messaggio
    assert f'Nuovo partecipante: <strong class="codice">{nuovo.codice}</strong>.' in messaggio


def test_several_new_participants_get_one_code_each(client, utente_coop_a, laboratorio_a):
    entra(client, utente_coop_a)
    client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(**{**UN_NUOVO, "nuovi_quanti": "3"}),
    )
    codici = set(Partecipante.objects.values_list("codice", flat=True))
    assert len(codici) == 3
    assert Presenza.objects.count() == 3
    assert set(laboratorio_a.iscritti.values_list("codice", flat=True)) == codici


def test_the_form_starts_from_today_and_the_last_session_s_times(
    client, utente_coop_a, laboratorio_a, sessione_a, oggi_12_marzo
):
    risposta = entra(client, utente_coop_a).get(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk])
    )
    pagina = html(risposta)
    assert 'value="2025-03-12"' in pagina
    assert 'value="16:00"' in pagina and 'value="18:00"' in pagina


ERRATI = {
    "future": (
        {"data": "2025-03-20"},
        "data",
        "La data 20/03/2025 è nel futuro: si registrano solo le sessioni già svolte.",
    ),
    "outside_the_laboratory_period": (
        {"data": "2025-09-10"},
        "data",
        "La data 10/09/2025 è fuori dal periodo del laboratorio (07/01/2025 - 30/06/2025).",
    ),
    "end_before_start": (
        {"ora_inizio": "17:00", "ora_fine": "15:00"},
        "ora_fine",
        "L'ora di fine deve essere successiva all'ora di inizio.",
    ),
    "negative_hours": (
        {"ore_educatori": "-3"},
        "ore_educatori",
        "Le ore degli educatori devono essere maggiori di zero.",
    ),
    "absurd_hours": (
        {"ore_educatori": "200"},
        "ore_educatori",
        "200,00 ore per 2 educatori sono più di 12 ore a testa: verificare il dato.",
    ),
    "negative_volunteer_hours": (
        {"ore_volontari": "-1"},
        "ore_volontari",
        "Le ore dei volontari non possono essere negative.",
    ),
    "duplicate": (
        {"data": "2025-03-10", "ora_inizio": "17:00", "ora_fine": "19:00"},
        None,
        "Esiste già una sessione di questo laboratorio il 10/03/2025 dalle 16:00 alle 18:00: "
        "non registrarla due volte.",
    ),
    "missing_date": ({"data": ""}, "data", "Questo campo è obbligatorio."),
}


@pytest.mark.parametrize("caso", ERRATI.keys())
def test_bad_input_gets_an_italian_message_and_saves_nothing(
    client, utente_coop_a, laboratorio_a, iscritti_a, sessione_a, oggi_12_marzo, caso
):
    modifiche, campo, messaggio = ERRATI[caso]
    entra(client, utente_coop_a)
    prima = conteggi()
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(presenti=[iscritti_a[2].pk], **UN_NUOVO, **modifiche),
    )
    assert risposta.status_code == 200
    form = risposta.context["form"]
    errori = form.errors.get(campo) if campo else form.non_field_errors()
    assert messaggio in errori
    assert messaggio.replace("'", "&#x27;") in html(risposta)
    assert "La sessione non è stata salvata" in html(risposta)
    assert conteggi() == prima


def test_a_participant_of_another_agreement_is_refused(
    client, utente_coop_a, laboratorio_a, iscritti_a, iscritto_altro_accordo
):
    entra(client, utente_coop_a)
    prima = conteggi()
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(presenti=[iscritti_a[0].pk, iscritto_altro_accordo.pk], **UN_NUOVO),
    )
    assert risposta.status_code == 200
    assert risposta.context["form"].errors["presenti"] == [
        f"Questi partecipanti appartengono a un altro accordo: {iscritto_altro_accordo.codice}."
    ]
    assert conteggi() == prima


def test_a_participant_of_another_cooperative_is_refused_without_revealing_it(
    client, utente_coop_a, laboratorio_a, iscritti_a, iscritto_b
):
    entra(client, utente_coop_a)
    prima = conteggi()
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(presenti=[iscritto_b.pk], **UN_NUOVO),
    )
    assert risposta.status_code == 200
    assert risposta.context["form"].errors["presenti"] == [
        f"Il partecipante indicato ({iscritto_b.pk}) non è tra quelli che può registrare."
    ]
    assert iscritto_b.codice not in html(risposta)
    assert conteggi() == prima


def test_a_refusal_at_save_time_leaves_no_new_participant_behind(
    client, utente_coop_a, laboratorio_a, iscritti_a, sessione_a, oggi_12_marzo, monkeypatch
):
    # As if another educator saved the same session between the form's check
    # and the save: the service refuses it inside the transaction that has
    # already registered the new participant, and that participant goes too.
    monkeypatch.setattr(SessioneForm, "_post_clean", SenzaVincoliDelDatabase._post_clean)
    entra(client, utente_coop_a)
    prima = conteggi()
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(data="2025-03-10", ora_inizio="16:00", ora_fine="18:00", **UN_NUOVO),
    )
    assert risposta.status_code == 200
    assert "Esiste già una sessione di questo laboratorio il 10/03/2025" in html(risposta)
    assert conteggi() == prima


def test_new_participants_need_their_characteristics(client, utente_coop_a, laboratorio_a):
    entra(client, utente_coop_a)
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(nuovi_quanti="2", nuovi_genere="F"),
    )
    errori = risposta.context["form"].errors
    assert errori["nuovi_fascia_eta"] == ["Indicare questo dato per i nuovi partecipanti."]
    assert "nuovi_genere" not in errori
    assert conteggi() == (0, 0, 0)

    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(
            nuovi_quanti="21", **{k: v for k, v in UN_NUOVO.items() if k != "nuovi_quanti"}
        ),
    )
    assert "nuovi_quanti" in risposta.context["form"].errors
    assert conteggi() == (0, 0, 0)


def test_characteristics_without_a_number_are_not_silently_dropped(
    client, utente_coop_a, laboratorio_a
):
    entra(client, utente_coop_a)
    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio_a.pk]),
        dati_sessione(**{**UN_NUOVO, "nuovi_quanti": "0"}),
    )
    assert risposta.context["form"].errors["nuovi_quanti"] == [
        "Indicare quanti nuovi partecipanti registrare con queste caratteristiche."
    ]
    assert conteggi() == (0, 0, 0)


# Row-level permissions


def urls_scrittura(laboratorio, sessione) -> list[str]:
    return [
        reverse("laboratori:sessione_nuova", args=[laboratorio.pk]),
        reverse("laboratori:sessione_modifica", args=[sessione.pk]),
        reverse("laboratori:sessione_elimina", args=[sessione.pk]),
    ]


def test_another_cooperative_gets_404_on_every_page_of_the_laboratory(
    client, utente_coop_b, laboratorio_a, iscritti_a, sessione_a, oggi_12_marzo
):
    entra(client, utente_coop_b)
    prima = conteggi()
    dettaglio = client.get(reverse("laboratori:dettaglio", args=[laboratorio_a.pk]))
    assert dettaglio.status_code == 404
    assert "Ciclofficina" not in html(dettaglio)
    for url in urls_scrittura(laboratorio_a, sessione_a):
        assert client.get(url).status_code == 404
        risposta = client.post(url, dati_sessione(presenti=[iscritti_a[0].pk], **UN_NUOVO))
        assert risposta.status_code == 404
        assert "Ciclofficina" not in html(risposta)
    assert conteggi() == prima
    sessione_a.refresh_from_db()
    assert sessione_a.data == GIORNO_SESSIONE


def test_an_unknown_id_is_the_same_404(client, utente_coop_b):
    entra(client, utente_coop_b)
    assert client.get(reverse("laboratori:dettaglio", args=[999999])).status_code == 404
    assert client.get(reverse("laboratori:sessione_modifica", args=[999999])).status_code == 404


def test_the_comune_gets_403_on_every_write_page(
    client, utente_comune, laboratorio_a, iscritti_a, sessione_a, oggi_12_marzo
):
    entra(client, utente_comune)
    prima = conteggi()
    for url in urls_scrittura(laboratorio_a, sessione_a):
        assert client.get(url).status_code == 403
        assert client.post(url, dati_sessione(**UN_NUOVO)).status_code == 403
    assert conteggi() == prima


# Editing and deleting, and the cooperatives' window


def test_a_cooperative_corrects_a_recent_session(
    client, utente_coop_a, sessione_a, iscritti_a, oggi_12_marzo
):
    entra(client, utente_coop_a)
    url = reverse("laboratori:sessione_modifica", args=[sessione_a.pk])
    pagina = html(client.get(url))
    # The present are ticked.
    for partecipante in iscritti_a[:2]:
        assert re.search(rf'value="{partecipante.pk}"[^>]*checked', pagina)

    risposta = client.post(
        url,
        dati_sessione(
            data="2025-03-10", ora_inizio="16:00", ora_fine="18:00", presenti=[iscritti_a[2].pk]
        ),
    )
    assert risposta.status_code == 302
    sessione_a.refresh_from_db()
    assert sessione_a.ore_educatori == Decimal("5")
    assert list(sessione_a.righe_presenza.values_list("partecipante_id", flat=True)) == [
        iscritti_a[2].pk
    ]


def test_after_the_window_a_cooperative_can_no_longer_edit_or_delete(
    client, utente_coop_a, laboratorio_a, sessione_a, iscritti_a, monkeypatch
):
    fissa_oggi(monkeypatch, date(2025, 3, 18))  # 8 days after, the agreement allows 7
    entra(client, utente_coop_a)
    dettaglio = reverse("laboratori:dettaglio", args=[laboratorio_a.pk])
    assert reverse("laboratori:sessione_modifica", args=[sessione_a.pk]) not in html(
        client.get(dettaglio)
    )
    for url in urls_scrittura(laboratorio_a, sessione_a)[1:]:
        risposta = client.get(url, follow=True)
        assert risposta.redirect_chain[-1][0] == dettaglio
        assert "La sessione del 10/03/2025 non è più modificabile" in html(risposta)
        client.post(url, dati_sessione(data="2025-03-10", presenti=[]))
    sessione_a.refresh_from_db()
    assert sessione_a.ore_educatori == Decimal("4")
    assert sessione_a.righe_presenza.count() == 2


def test_the_window_is_the_agreement_s_number_of_days(
    client, utente_coop_a, laboratorio_a, sessione_a, monkeypatch
):
    accordo = laboratorio_a.accordo
    accordo.giorni_modifica_sessioni = 10
    accordo.save()
    fissa_oggi(monkeypatch, date(2025, 3, 20))
    entra(client, utente_coop_a)
    url = reverse("laboratori:sessione_modifica", args=[sessione_a.pk])
    assert client.get(url).status_code == 200
    fissa_oggi(monkeypatch, date(2025, 3, 21))
    assert client.get(url).status_code == 302


def test_the_consortium_edits_an_old_session(
    client, utente_consorzio, laboratorio_a, sessione_a, monkeypatch
):
    fissa_oggi(monkeypatch, date(2025, 6, 30))
    entra(client, utente_consorzio)
    risposta = client.post(
        reverse("laboratori:sessione_modifica", args=[sessione_a.pk]),
        dati_sessione(data="2025-03-10", ora_inizio="16:00", ora_fine="18:00", note="Corretta"),
    )
    assert risposta.status_code == 302
    sessione_a.refresh_from_db()
    assert sessione_a.note == "Corretta"


def test_a_cooperative_deletes_a_recent_session_after_confirming(
    client, utente_coop_a, laboratorio_a, sessione_a, iscritti_a, oggi_12_marzo
):
    entra(client, utente_coop_a)
    url = reverse("laboratori:sessione_elimina", args=[sessione_a.pk])
    conferma = html(client.get(url))
    assert "Eliminare la sessione?" in conferma and "10/03/2025" in conferma
    assert Sessione.objects.filter(pk=sessione_a.pk).exists()

    risposta = client.post(url, follow=True)
    assert "Sessione del 10/03/2025 eliminata." in html(risposta)
    assert not Sessione.objects.exists()
    assert not Presenza.objects.exists()
    assert Partecipante.objects.count() == 3  # still enrolled in the laboratory
    assert laboratorio_a.iscritti.count() == 3


# Admin


@pytest.mark.parametrize("modello", ["laboratorio", "sessione", "partecipante"])
@pytest.mark.parametrize("chi", ["utente_consorzio", "utente_comune", "superutente"])
def test_the_admin_lists_open_for_the_consortium_and_the_comune(
    client, request, chi, modello, sessione_a, sessione_b
):
    entra(client, request.getfixturevalue(chi))
    risposta = client.get(reverse(f"admin:laboratori_{modello}_changelist"))
    assert risposta.status_code == 200


def test_the_comune_reads_but_cannot_change_in_the_admin(client, utente_comune, sessione_a):
    entra(client, utente_comune)
    url = reverse("admin:laboratori_sessione_change", args=[sessione_a.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"note": "modificata"})
    sessione_a.refresh_from_db()
    assert sessione_a.note == ""
    assert client.get(reverse("admin:laboratori_sessione_add")).status_code == 403


def test_nobody_adds_a_participant_in_the_admin(client, utente_consorzio, superutente):
    for utente in (utente_consorzio, superutente):
        entra(client, utente)
        assert client.get(reverse("admin:laboratori_partecipante_add")).status_code == 403


def test_the_admin_does_not_bypass_the_session_rules(
    client, utente_consorzio, laboratorio_a, sessione_a
):
    entra(client, utente_consorzio)
    url = reverse("admin:laboratori_sessione_change", args=[sessione_a.pk])
    dati = {
        "laboratorio": laboratorio_a.pk,
        "data": "10/03/2025",
        "ora_inizio": "18:00",
        "ora_fine": "16:00",
        "educatori": "",
        "numero_educatori": "2",
        "ore_educatori": "4",
        "volontari": "0",
        "ore_volontari": "0",
        "note": "",
    }
    risposta = client.post(url, dati)
    assert risposta.status_code == 200
    assert "L&#x27;ora di fine deve essere successiva all&#x27;ora di inizio." in html(risposta)
    sessione_a.refresh_from_db()
    assert sessione_a.ora_fine == time(18)

    risposta = client.post(url, {**dati, "ora_inizio": "16:00", "ora_fine": "18:00", "note": "ok"})
    assert risposta.status_code == 302
    sessione_a.refresh_from_db()
    assert sessione_a.note == "ok"
    assert sessione_a.righe_presenza.count() == 2  # the attendance is kept


def partita_iva(numero: int) -> str:
    base = f"{numero:07d}019"
    return base + luhn.calc_check_digit(base)


def nuovo_ente(nome, tipo, numero, **altro) -> Ente:
    ente = Ente(nome=nome, tipo=tipo, partita_iva=partita_iva(numero), **altro)
    ente.full_clean()
    ente.save()
    return ente


def test_the_admin_shows_the_consortium_only_its_agreements_rows(
    client, utente_consorzio, iscritti_a, sessione_a
):
    comune = nuovo_ente("Comune di Crema", TipoEnte.COMUNE, 2500000)
    consorzio = nuovo_ente("Consorzio Altro", TipoEnte.CONSORZIO, 2500001)
    cooperativa = nuovo_ente(
        "Cooperativa Altra", TipoEnte.COOPERATIVA, 2500002, consorzio=consorzio
    )
    altro = Accordo.objects.create(
        titolo="Accordo altrui",
        ente_pubblico=comune,
        ente_partner=consorzio,
        firmatario_pubblico="Sindaca",
        firmatario_partner="Presidente",
        data_inizio=date(2025, 1, 1),
        data_fine=date(2025, 12, 31),
    )
    laboratorio_altrui = nuovo_laboratorio(altro, cooperativa, "Teatro altrui")
    altrui = nuovo_partecipante(laboratorio_altrui)
    sessione_altrui = nuova_sessione(laboratorio_altrui, GIORNO_SESSIONE, [altrui])

    entra(client, utente_consorzio)
    for modello in ("laboratorio", "sessione", "partecipante"):
        pagina = html(client.get(reverse(f"admin:laboratori_{modello}_changelist")))
        assert "Teatro altrui" not in pagina and altrui.codice not in pagina
    assert iscritti_a[0].codice in html(
        client.get(reverse("admin:laboratori_partecipante_changelist"))
    )
    for url in (
        reverse("admin:laboratori_laboratorio_change", args=[laboratorio_altrui.pk]),
        reverse("admin:laboratori_sessione_change", args=[sessione_altrui.pk]),
        reverse("admin:laboratori_partecipante_change", args=[altrui.pk]),
    ):
        risposta = client.get(url)
        assert risposta.status_code == 302  # the admin's "not found": back to its index
        assert "Teatro altrui" not in html(client.get(risposta["Location"]))


def test_a_cooperative_user_does_not_reach_the_admin(client, utente_coop_a, sessione_a):
    entra(client, utente_coop_a)
    risposta = client.get(reverse("admin:laboratori_sessione_changelist"))
    assert risposta.status_code == 302
