"""The admin of organisations and agreements: tax codes checked with their
checksum, the money rules of the agreement enforced as form errors, the
budget table shown as `stato_budget --json` computes it, and each user kept
to their own agreement."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accordo.models import Accordo, Ente, TipoEnte
from core.formati import euro
from core.models import Utente
from tests.budget.test_admin import (
    crea_altro_accordo,
    dati_modulo,
    errori,
    partita_iva,
    righe_elenco,
    stato_json,
)

URL_ENTE = "admin:accordo_ente_add"


@pytest.fixture
def come_consorzio(client, utente_consorzio):
    client.force_login(utente_consorzio)
    return client


@pytest.fixture
def come_comune(client, utente_comune):
    client.force_login(utente_comune)
    return client


def _nuovo_ente(client, **campi):
    dati = {**dati_modulo(client.get(reverse(URL_ENTE))), "nome": "Nuovo ente", **campi}
    return client.post(reverse(URL_ENTE), dati)


# Ente


def test_ente_valido_salvato_con_la_storia(come_consorzio, utente_consorzio):
    risposta = _nuovo_ente(
        come_consorzio,
        tipo=TipoEnte.FORNITORE,
        partita_iva=partita_iva("0678901019"),
        codice_fiscale="RSSMRA85T10A562S",
        cap="26100",
    )
    assert risposta.status_code == 302, errori(risposta)
    ente = Ente.objects.get(nome="Nuovo ente")
    assert ente.history.get().history_user == utente_consorzio


@pytest.mark.parametrize(
    ("campi", "messaggio"),
    [
        (
            {"partita_iva": "00903210194"},
            "La partita IVA «00903210194» non è valida: la cifra di controllo non torna.",
        ),
        ({"partita_iva": "1234"}, "La partita IVA «1234» deve avere 11 cifre."),
        ({"partita_iva": "ABCDEFGHILM"}, "deve avere 11 cifre."),
        (
            {"codice_fiscale": "RSSMRA85T10A562T"},
            "Il codice fiscale «RSSMRA85T10A562T» non è valido: il carattere di controllo non torna.",
        ),
        (
            {"codice_fiscale": "00903210194"},
            "Il codice fiscale «00903210194» non è valido: la cifra di controllo non torna.",
        ),
        ({"codice_fiscale": "RSSMRA85"}, "deve avere 16 caratteri (persona) o 11 cifre (ente)."),
        (
            {"tipo": TipoEnte.COOPERATIVA, "consorzio": ""},
            "Indicare il consorzio della cooperativa.",
        ),
        ({"cap": "2100"}, "Il CAP deve avere 5 cifre."),
        ({"partita_iva": "00903210193"}, "Esiste già un ente con questa partita IVA."),
        ({"email": "non-una-mail"}, "Inserisci un indirizzo email valido."),
    ],
)
def test_ente_sbagliato_non_salvato(come_consorzio, accordo, campi, messaggio):
    prima = Ente.objects.count()
    risposta = _nuovo_ente(come_consorzio, **{"tipo": TipoEnte.FORNITORE, **campi})
    assert risposta.status_code == 200
    assert any(messaggio in e for e in errori(risposta)), errori(risposta)
    assert Ente.objects.count() == prima


def test_cooperativa_di_un_fornitore_rifiutata(come_consorzio, fornitore):
    risposta = _nuovo_ente(
        come_consorzio, tipo=TipoEnte.COOPERATIVA, consorzio=fornitore.pk
    )  # the choices are consortia only
    assert risposta.status_code == 200
    assert any("Scegli un'opzione valida" in e for e in errori(risposta))


def test_un_altro_accordo_non_modifica_le_parti_di_questo(client, accordo, consorzio, fornitore):
    altro = crea_altro_accordo()
    client.force_login(altro["utente_consorzio"])
    for ente in (accordo.ente_pubblico, consorzio):
        url = reverse("admin:accordo_ente_change", args=[ente.pk])
        pagina = client.get(url)
        assert pagina.status_code == 200  # organisations are a shared register
        assert 'name="partita_iva"' not in pagina.content.decode()  # read-only
        assert client.post(url, {"nome": "Rinominato", "tipo": ente.tipo}).status_code == 403
        ente.refresh_from_db()
        assert ente.nome != "Rinominato"
    # Suppliers are shared and stay editable.
    url = reverse("admin:accordo_ente_change", args=[fornitore.pk])
    dati = {**dati_modulo(client.get(url)), "citta": "Crema"}
    assert client.post(url, dati).status_code == 302
    fornitore.refresh_from_db()
    assert fornitore.citta == "Crema"


# Accordo


def test_elenco_accordi_coincide_con_stato_budget_json(
    come_comune, accordo, tranche_2024, crea_prestazione
):
    crea_prestazione(tranche_2024, "1234.56")
    crea_prestazione(tranche_2024, "700.00", tipo="progettazione", fornitore=None)
    righe = righe_elenco(come_comune.get(reverse("admin:accordo_accordo_changelist")))
    (stato,) = stato_json()["accordi"]
    riga = righe[accordo.pk]
    assert riga["budget_totale"] == euro(Decimal(stato["totale"]["importo"])) == "€ 40.000,00"
    assert riga["budget_disponibile"] == euro(Decimal(stato["totale"]["disponibile"]))
    assert riga["progettazione_disponibile"] == euro(Decimal(stato["progettazione"]["disponibile"]))
    assert riga["progettazione_disponibile"] == "€ 5.300,00"


def test_pagina_accordo_mostra_la_tabella_del_budget(
    come_consorzio, accordo, tranche_2024, crea_prestazione
):
    crea_prestazione(tranche_2024, "1234.56")
    pagina = come_consorzio.get(reverse("admin:accordo_accordo_change", args=[accordo.pk]))
    assert pagina.status_code == 200
    testo = pagina.content.decode()
    assert 'class="situazione-budget"' in testo
    (stato,) = stato_json()["accordi"]
    for riga in stato["tranche"]:
        for chiave in ("importo", "utilizzato", "disponibile"):
            assert euro(Decimal(riga[chiave])) in testo
    assert "2025 gennaio" in testo or "31 gennaio 2025" in testo  # the tranche's note
    assert 'name="tetto_progettazione"' not in testo  # the consortium only reads


def test_abbassare_il_tetto_progettazione_sotto_l_utilizzato_e_un_errore(
    come_comune, accordo, tranche_2024, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2024, "2500.00", tipo="progettazione", fornitore=None)
    crea_prestazione(tranche_2025, "1500.00", tipo="progettazione", fornitore=None)
    url = reverse("admin:accordo_accordo_change", args=[accordo.pk])
    dati = dati_modulo(come_comune.get(url))
    assert dati["tetto_progettazione"] == "6.000,00"
    dati["tetto_progettazione"] = "3.999,99"
    risposta = come_comune.post(url, dati)
    assert risposta.status_code == 200
    assert errori(risposta) == [
        "Tetto della quota progettazione superato: sono già utilizzati € 4.000,00, più del "
        "tetto di € 3.999,99."
    ]
    accordo.refresh_from_db()
    assert accordo.tetto_progettazione == Decimal("6000.00")

    dati["tetto_progettazione"] = "4.000"
    risposta = come_comune.post(url, dati)
    assert risposta.status_code == 200  # «4.000» reads as 4 with three decimals: refused
    assert any("più di due decimali" in e for e in errori(risposta))

    dati["tetto_progettazione"] = "4.000,00"
    risposta = come_comune.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    accordo.refresh_from_db()
    assert accordo.tetto_progettazione == Decimal("4000.00")


@pytest.mark.parametrize(
    ("campi", "messaggio"),
    [
        ({"data_fine": "30/11/2025"}, "uscirebbero dalla durata dell'accordo"),
        ({"data_fine": "01/01/2024"}, "La scadenza non può precedere la data di inizio."),
        ({"aliquota_quota_amministrativa": "-1"}, "maggiore o uguale a 0"),
        ({"aliquota_iva": "101"}, "minore o uguale a 100"),
        ({"tetto_progettazione": "abc"}, "«abc» non è un importo valido."),
    ],
)
def test_accordo_sbagliato_non_salvato(come_comune, accordo, tranche_2025, campi, messaggio):
    url = reverse("admin:accordo_accordo_change", args=[accordo.pk])
    risposta = come_comune.post(url, {**dati_modulo(come_comune.get(url)), **campi})
    assert risposta.status_code == 200
    assert any(messaggio in e for e in errori(risposta)), errori(risposta)
    accordo.refresh_from_db()
    assert accordo.data_fine.year == 2025
    assert accordo.aliquota_quota_amministrativa == Decimal("3.00")


def test_iva_zero_e_riporto_si_salvano(come_comune, utente_comune, accordo):
    url = reverse("admin:accordo_accordo_change", args=[accordo.pk])
    dati = {**dati_modulo(come_comune.get(url)), "aliquota_iva": "0", "riporto_residui": "on"}
    dati["data_sottoscrizione"] = "02/09/2024"
    risposta = come_comune.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    accordo.refresh_from_db()
    assert accordo.aliquota_iva == Decimal("0")
    assert accordo.riporto_residui is True
    assert accordo.history.latest().history_user == utente_comune


def test_il_comune_crea_un_accordo_solo_per_se(come_comune, comune, consorzio):
    url = reverse("admin:accordo_accordo_add")
    pagina = come_comune.get(url)
    altro = crea_altro_accordo()
    dati = {
        **dati_modulo(pagina),
        "titolo": "Accordo estate ragazzi",
        "ente_partner": consorzio.pk,
        "firmatario_pubblico": "Dirigente",
        "firmatario_partner": "Presidente",
        "data_inizio": "01/06/2026",
        "data_fine": "30/09/2026",
    }
    assert dati["ente_pubblico"] == str(comune.pk)
    risposta = come_comune.post(url, {**dati, "ente_pubblico": altro["accordo"].ente_pubblico_id})
    assert risposta.status_code == 200
    assert any("Scegli un'opzione valida" in e for e in errori(risposta))
    risposta = come_comune.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    assert Accordo.objects.get(titolo="Accordo estate ragazzi").ente_pubblico == comune


def test_il_consorzio_non_modifica_l_accordo(come_consorzio, accordo):
    url = reverse("admin:accordo_accordo_change", args=[accordo.pk])
    assert come_consorzio.post(url, {"titolo": "Altro"}).status_code == 403
    assert come_consorzio.get(reverse("admin:accordo_accordo_add")).status_code == 403


def test_un_altro_accordo_non_vede_questo(client, accordo):
    altro = crea_altro_accordo()
    client.force_login(altro["utente_comune"])
    elenco = client.get(reverse("admin:accordo_accordo_changelist"))
    assert set(righe_elenco(elenco)) == {altro["accordo"].pk}
    risposta = client.get(reverse("admin:accordo_accordo_change", args=[accordo.pk]))
    assert risposta.status_code == 302
    assert risposta["Location"] == reverse("admin:index")
    assert client.post(
        reverse("admin:accordo_accordo_change", args=[accordo.pk]), {"titolo": "Preso"}
    ).status_code in (302, 403)
    accordo.refresh_from_db()
    assert accordo.titolo != "Preso"


# Utente


def test_il_gruppo_segue_l_ente(client, superutente, consorzio, comune):
    client.force_login(superutente)
    url = reverse("admin:core_utente_add")
    dati = {
        **dati_modulo(client.get(url)),
        "username": "nuovo",
        "password1": "una-password-lunga-123",
        "password2": "una-password-lunga-123",
        "usable_password": "true",
        "ente": consorzio.pk,
    }
    risposta = client.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    utente = Utente.objects.get(username="nuovo")
    assert list(utente.groups.values_list("name", flat=True)) == ["Consorzio"]

    url = reverse("admin:core_utente_change", args=[utente.pk])
    dati = dati_modulo(client.get(url))
    dati["ente"] = comune.pk
    dati["groups"] = [Group.objects.get(name="Consorzio").pk]  # a stale choice
    risposta = client.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    assert list(utente.groups.values_list("name", flat=True)) == ["Comune"]


def test_un_fornitore_non_e_un_ente_da_cui_si_accede(client, superutente, fornitore):
    client.force_login(superutente)
    url = reverse("admin:core_utente_add")
    dati = {
        **dati_modulo(client.get(url)),
        "username": "fornitore",
        "password1": "una-password-lunga-123",
        "password2": "una-password-lunga-123",
        "usable_password": "true",
        "ente": fornitore.pk,
    }
    risposta = client.post(url, dati)
    assert risposta.status_code == 200
    assert any("Solo il personale di un Comune" in e for e in errori(risposta))
    assert not Utente.objects.filter(username="fornitore").exists()
