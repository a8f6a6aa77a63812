"""History of money, reports and sessions (django-simple-history).

DESIGN.md, "Data that must never be lost or leaked": money records and
report states keep a history, who changed what, when, from what to what.
Each change below goes through the application's real write path (the
services, or the pages and the admin through the test client as a real
user) and must leave a history row with the user, the time, the kind of
change (+ created, ~ changed, - deleted) and, against the previous row, the
field that changed from the old value to the new one.

The service-level changes run without a request, so django-simple-history's
middleware cannot fill in the user: they check that each service passes the
user it was given.
"""

from datetime import date, time
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import HistoryManager

from accordo.models import Accordo, Ente, PeriodoChiuso
from budget import services
from budget.importazione import importa_prestazioni
from budget.models import Prestazione, Tranche
from laboratori import services as servizi_lab
from laboratori.models import (
    Laboratorio,
    Partecipante,
    Presenza,
    Sessione,
    StatoLaboratorio,
    TipoLaboratorio,
)
from rendicontazione import services as servizi_rendiconto
from rendicontazione.models import Rendiconto, StatoRendiconto
from tests.conftest import crea_utente

MODELLI = [
    Accordo,
    Tranche,
    Prestazione,
    Ente,
    PeriodoChiuso,
    Rendiconto,
    Laboratorio,
    Sessione,
    Presenza,
]
# Kept in the history but not registered in the admin: PeriodoChiuso is
# written only by an approval, Presenza only from the session page.
NON_IN_ADMIN = {PeriodoChiuso, Presenza}

OGGI = date(2025, 3, 12)  # the session pages' today (laboratori.services.oggi)


# Helpers


def righe(modello, pk) -> list:
    """The object's history rows, oldest first."""
    return list(modello.history.filter(id=pk).order_by("history_date", "history_id"))


def ultima(modello, pk):
    return righe(modello, pk)[-1]


def cambi(riga) -> dict[str, tuple]:
    """field -> (old, new) of a history row against the row before it.

    diff_against() compares the fields a form can edit, like the admin's
    history page; the computed ones (the fee, the report's state, who
    created the record) are compared here from the rows themselves.
    Automatic timestamps are left out: they change with every save.
    """
    precedente = riga.prev_record
    assert precedente is not None, "no earlier history row to compare with"
    modifiche = {c.field: (c.old, c.new) for c in riga.diff_against(precedente).changes}
    for campo in riga.tracked_fields:
        if campo.editable or getattr(campo, "auto_now", False):
            continue
        prima, dopo = getattr(precedente, campo.attname), getattr(riga, campo.attname)
        if prima != dopo:
            modifiche[campo.name] = (prima, dopo)
    return modifiche


def verifica(riga, *, tipo: str, utente, dal) -> None:
    """Who (`utente`), when (between `dal` and now) and what kind of change."""
    assert riga.history_type == tipo, riga.history_type
    assert riga.history_user_id == utente.pk, (riga.history_user, utente)
    assert dal <= riga.history_date <= timezone.now()


@pytest.fixture
def adesso():
    return timezone.now()


# Every listed model keeps a history, stored in its own table


@pytest.mark.parametrize("modello", MODELLI, ids=lambda m: m.__name__)
def test_every_money_report_and_session_model_keeps_a_history(db, modello):
    assert isinstance(getattr(modello, "history", None), HistoryManager), modello
    storico = modello.history.model
    assert storico._meta.db_table in connection.introspection.table_names()
    campi = {f.name for f in storico._meta.get_fields()}
    assert {"history_id", "history_date", "history_type", "history_user"} <= campi
    # Every column of the model is recorded, so "from what to what" is complete.
    registrati = {f.attname for f in storico._meta.concrete_fields}
    assert {f.attname for f in modello._meta.concrete_fields} <= registrati


@pytest.mark.parametrize(
    "modello", [m for m in MODELLI if m not in NON_IN_ADMIN], ids=lambda m: m.__name__
)
def test_the_admin_of_each_model_shows_its_history(modello):
    assert isinstance(admin.site._registry[modello], SimpleHistoryAdmin)


# Money: prestazioni through the admin, as the consortium's user


def _dati_prestazione(tranche, fornitore, importo: str) -> dict:
    return {
        "tranche": str(tranche.pk),
        "tipo": "servizi",
        "fornitore": str(fornitore.pk),
        "descrizione": "Trasporto per l'uscita al museo",
        "data": "15/10/2024",
        "importo": importo,
        "numero_documento": "",
        "data_documento": "",
        "_save": "Salva",
    }


@pytest.fixture
def prestazione_admin(client, tranche_2024, fornitore, utente_consorzio):
    """A prestazione of 100,00 added and then changed to 150,00 in the admin."""
    client.force_login(utente_consorzio)
    risposta = client.post(
        reverse("admin:budget_prestazione_add"),
        _dati_prestazione(tranche_2024, fornitore, "100,00"),
    )
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    prestazione = Prestazione.objects.get()
    risposta = client.post(
        reverse("admin:budget_prestazione_change", args=[prestazione.pk]),
        _dati_prestazione(tranche_2024, fornitore, "150,00"),
    )
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    return prestazione


def test_prestazione_added_changed_and_deleted_in_the_admin_leaves_who_when_and_what(
    client, adesso, prestazione_admin, utente_consorzio
):
    pk = prestazione_admin.pk
    creata, modificata = righe(Prestazione, pk)
    verifica(creata, tipo="+", utente=utente_consorzio, dal=adesso)
    assert creata.importo == Decimal("100.00")
    assert creata.quota_amministrativa == Decimal("3.00")

    verifica(modificata, tipo="~", utente=utente_consorzio, dal=creata.history_date)
    assert cambi(modificata) == {
        "importo": (Decimal("100.00"), Decimal("150.00")),
        "quota_amministrativa": (Decimal("3.00"), Decimal("4.50")),
    }

    risposta = client.post(reverse("admin:budget_prestazione_delete", args=[pk]), {"post": "yes"})
    assert risposta.status_code == 302
    assert not Prestazione.objects.filter(pk=pk).exists()
    eliminata = ultima(Prestazione, pk)
    verifica(eliminata, tipo="-", utente=utente_consorzio, dal=modificata.history_date)
    assert eliminata.importo == Decimal("150.00")  # what was deleted stays readable


def test_the_admin_history_page_shows_who_changed_which_field(
    client, prestazione_admin, utente_consorzio
):
    url = reverse("admin:budget_prestazione_history", args=[prestazione_admin.pk])
    assert url == f"/admin/budget/prestazione/{prestazione_admin.pk}/history/"
    risposta = client.get(url)
    assert risposta.status_code == 200
    pagina = risposta.content.decode()
    assert str(utente_consorzio) in pagina  # the user, on both rows
    assert pagina.count(str(utente_consorzio)) >= 2
    verbose = str(Prestazione._meta.get_field("importo").verbose_name)
    assert verbose[:1].upper() + verbose[1:] in pagina  # the changed field...
    assert "100.00" in pagina and "150.00" in pagina  # ...from what to what


def test_the_history_page_is_for_the_agreements_users_only(
    client, prestazione_admin, utente_comune
):
    # The Comune of the same agreement reads it; staff with no agreement do not.
    client.force_login(utente_comune)
    url = reverse("admin:budget_prestazione_history", args=[prestazione_admin.pk])
    assert client.get(url).status_code == 200
    estraneo = crea_utente("estraneo", None, staff=True)
    client.force_login(estraneo)
    assert client.get(url).status_code in (302, 403, 404)


# Money: tranche and agreement through the services, as the Comune's user


def test_tranche_amount_change_records_the_comune_user(adesso, tranche_2024, utente_comune):
    tranche_2024.importo = Decimal("14000.00")
    services.tranche_salva(tranche=tranche_2024, utente=utente_comune)
    riga = ultima(Tranche, tranche_2024.pk)
    verifica(riga, tipo="~", utente=utente_comune, dal=adesso)
    assert cambi(riga) == {"importo": (Decimal("13000.00"), Decimal("14000.00"))}


def test_agreement_fee_rate_change_records_the_comune_user(adesso, accordo, utente_comune):
    vecchia = accordo.aliquota_quota_amministrativa
    assert vecchia == Decimal("3.00")
    accordo.aliquota_quota_amministrativa = Decimal("2.50")
    services.accordo_salva(accordo=accordo, utente=utente_comune)
    riga = ultima(Accordo, accordo.pk)
    verifica(riga, tipo="~", utente=utente_comune, dal=adesso)
    assert cambi(riga) == {"aliquota_quota_amministrativa": (vecchia, Decimal("2.50"))}


def test_refused_change_leaves_no_history_row(tranche_2024, crea_prestazione, utente_comune):
    crea_prestazione(tranche_2024, "12000.00")
    prima = Tranche.history.count()
    tranche_2024.importo = Decimal("100.00")  # below what is already charged
    with pytest.raises(ValidationError):
        services.tranche_salva(tranche=tranche_2024, utente=utente_comune)
    assert Tranche.history.count() == prima


# Money: the import, with no request (the services must pass the user on)


def test_import_records_its_user_on_the_prestazioni_and_the_new_supplier(
    adesso, accordo, tranche_2024, utente_consorzio
):
    righe_csv = [
        "data;tipo;fornitore;partita_iva;descrizione;importo",
        "15/10/2024;servizi;Cartoleria Nuova;01234560017;Materiale;1.234,56",
    ]
    esito = importa_prestazioni(
        ("\r\n".join(righe_csv) + "\r\n").encode(), accordo=accordo, utente=utente_consorzio
    )
    assert esito.riuscita, esito.errori
    prestazione = esito.prestazioni[0]
    riga = ultima(Prestazione, prestazione.pk)
    verifica(riga, tipo="+", utente=utente_consorzio, dal=adesso)
    assert (riga.importo, riga.quota_amministrativa) == (Decimal("1234.56"), Decimal("37.04"))
    ente = Ente.objects.get(partita_iva="01234560017")
    verifica(ultima(Ente, ente.pk), tipo="+", utente=utente_consorzio, dal=adesso)


def test_supplier_change_in_the_admin_records_the_user(client, adesso, fornitore, utente_consorzio):
    client.force_login(utente_consorzio)
    dati = {
        "nome": "Falegnameria Bodini snc",
        "tipo": fornitore.tipo,
        "consorzio": "",
        "codice_fiscale": fornitore.codice_fiscale,
        "partita_iva": fornitore.partita_iva,
        "indirizzo": "",
        "cap": "",
        "citta": "",
        "provincia": "",
        "legale_rappresentante": "",
        "email": "",
        "pec": "",
        "note": "",
        "_save": "Salva",
    }
    risposta = client.post(reverse("admin:accordo_ente_change", args=[fornitore.pk]), dati)
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    riga = ultima(Ente, fornitore.pk)
    verifica(riga, tipo="~", utente=utente_consorzio, dal=adesso)
    assert cambi(riga) == {"nome": ("Falegnameria Bodini", "Falegnameria Bodini snc")}


# Reports: states and the closed period


def test_report_states_and_closed_period_record_who_moved_them(
    adesso, accordo, utente_consorzio, utente_comune
):
    rendiconto = servizi_rendiconto.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo,
            dal=date(2024, 9, 1),
            al=date(2024, 12, 31),
            attivita_svolte="Avvio dei laboratori.",
        ),
        utente=utente_consorzio,
    )
    verifica(ultima(Rendiconto, rendiconto.pk), tipo="+", utente=utente_consorzio, dal=adesso)

    servizi_rendiconto.invia(rendiconto=rendiconto, utente=utente_consorzio)
    inviato = ultima(Rendiconto, rendiconto.pk)
    verifica(inviato, tipo="~", utente=utente_consorzio, dal=adesso)
    assert cambi(inviato)["stato"] == (StatoRendiconto.BOZZA, StatoRendiconto.INVIATO)

    servizi_rendiconto.approva(rendiconto=rendiconto, utente=utente_comune)
    approvato = ultima(Rendiconto, rendiconto.pk)
    verifica(approvato, tipo="~", utente=utente_comune, dal=inviato.history_date)
    assert cambi(approvato)["stato"] == (StatoRendiconto.INVIATO, StatoRendiconto.APPROVATO)

    periodo = PeriodoChiuso.objects.get(accordo=accordo)
    riga = ultima(PeriodoChiuso, periodo.pk)
    verifica(riga, tipo="+", utente=utente_comune, dal=inviato.history_date)
    assert (riga.dal, riga.al) == (date(2024, 9, 1), date(2024, 12, 31))


# Sessions: laboratories through the services, sessions and attendance on the pages


@pytest.fixture
def laboratorio(accordo, cooperativa_a, utente_consorzio) -> Laboratorio:
    return servizi_lab.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Ciclofficina Civico 81",
            cooperativa=cooperativa_a,
            tipo=TipoLaboratorio.CICLOFFICINA,
            luogo="Civico 81, Cremona",
            data_inizio=date(2025, 1, 7),
            data_fine=date(2025, 6, 30),
            stato=StatoLaboratorio.ATTIVO,
        ),
        utente=utente_consorzio,
    )


def test_laboratory_creation_and_change_record_the_consortium_user(
    adesso, laboratorio, utente_consorzio
):
    verifica(ultima(Laboratorio, laboratorio.pk), tipo="+", utente=utente_consorzio, dal=adesso)
    laboratorio.luogo = "Quartiere Zaist, Cremona"
    servizi_lab.laboratorio_salva(laboratorio=laboratorio, utente=utente_consorzio)
    riga = ultima(Laboratorio, laboratorio.pk)
    verifica(riga, tipo="~", utente=utente_consorzio, dal=adesso)
    assert cambi(riga) == {"luogo": ("Civico 81, Cremona", "Quartiere Zaist, Cremona")}


def _partecipante(laboratorio) -> Partecipante:
    return servizi_lab.partecipante_crea(
        laboratorio=laboratorio,
        fascia_eta="11_13",
        genere="F",
        livello_scolastico="secondaria_1",
        servizio_inviante="scuola",
    )


def _dati_sessione(presenti, note: str) -> dict:
    return {
        "data": "2025-03-11",
        "ora_inizio": "15:00",
        "ora_fine": "17:00",
        "educatori": "Marta, Luca",
        "numero_educatori": "2",
        "ore_educatori": "4",
        "volontari": "0",
        "ore_volontari": "0",
        "note": note,
        "presenti": [str(p.pk) for p in presenti],
        "nuovi_quanti": "0",
    }


def test_session_and_attendance_on_the_pages_record_the_cooperative_user(
    client, monkeypatch, adesso, laboratorio, utente_coop_a
):
    monkeypatch.setattr(servizi_lab, "oggi", lambda: OGGI)
    primo, secondo = _partecipante(laboratorio), _partecipante(laboratorio)
    client.force_login(utente_coop_a)

    risposta = client.post(
        reverse("laboratori:sessione_nuova", args=[laboratorio.pk]),
        _dati_sessione([primo, secondo], "Riparazione di due biciclette."),
    )
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    sessione = Sessione.objects.get()
    assert (sessione.data, sessione.ora_inizio) == (date(2025, 3, 11), time(15))
    verifica(ultima(Sessione, sessione.pk), tipo="+", utente=utente_coop_a, dal=adesso)
    presenze = {p.partecipante_id: p.pk for p in Presenza.objects.filter(sessione=sessione)}
    assert set(presenze) == {primo.pk, secondo.pk}
    for pk in presenze.values():
        verifica(ultima(Presenza, pk), tipo="+", utente=utente_coop_a, dal=adesso)

    # The educator corrects the notes and unticks the second participant.
    risposta = client.post(
        reverse("laboratori:sessione_modifica", args=[sessione.pk]),
        _dati_sessione([primo], "Riparazione di tre biciclette."),
    )
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    riga = ultima(Sessione, sessione.pk)
    verifica(riga, tipo="~", utente=utente_coop_a, dal=adesso)
    modifiche = cambi(riga)
    assert modifiche["note"] == ("Riparazione di due biciclette.", "Riparazione di tre biciclette.")
    assert set(modifiche) == {"note"}
    tolta = ultima(Presenza, presenze[secondo.pk])
    verifica(tolta, tipo="-", utente=utente_coop_a, dal=adesso)
    assert tolta.partecipante_id == secondo.pk and tolta.sessione_id == sessione.pk
    assert len(righe(Presenza, presenze[primo.pk])) == 1  # the kept tick is untouched

    risposta = client.post(reverse("laboratori:sessione_elimina", args=[sessione.pk]))
    assert risposta.status_code == 302
    assert not Sessione.objects.filter(pk=sessione.pk).exists()
    eliminata = ultima(Sessione, sessione.pk)
    verifica(eliminata, tipo="-", utente=utente_coop_a, dal=adesso)
    assert eliminata.note == "Riparazione di tre biciclette."
    verifica(ultima(Presenza, presenze[primo.pk]), tipo="-", utente=utente_coop_a, dal=adesso)
