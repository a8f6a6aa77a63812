"""The report workflow on the demo data: bozza -> inviato -> da integrare ->
inviato -> approvato, frozen figures, and the closed period refused
everywhere (services, import, admin, session pages)."""

from datetime import date, time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from accordo.models import Accordo, Ente, PeriodoChiuso
from budget import services as budget_services
from budget.models import Prestazione
from core.models import Utente
from laboratori import services as lab_services
from laboratori.models import Sessione
from rendicontazione import services
from rendicontazione.models import Rendiconto, StatoRendiconto, Transizione
from rendicontazione.riepilogo import Riepilogo, riepilogo

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "password-demo-123")
    call_command("dati_demo", "--senza-rendiconti", stdout=StringIO())
    accordo = Accordo.objects.get()
    return {
        "accordo": accordo,
        "comune": Utente.objects.get(username="comune"),
        "consorzio": Utente.objects.get(username="consorzio"),
        "coop": Utente.objects.get(username="coop_edu"),
        "tranche_2024": accordo.tranche.get(etichetta="2024"),
    }


@pytest.fixture
def fornitore(demo):
    # The demo data already has this supplier (conftest's would clash with it).
    return Ente.objects.get(partita_iva="01967800192")


def _nuovo(demo, **altro) -> Rendiconto:
    return services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=demo["accordo"],
            dal=altro.pop("dal", DAL),
            al=altro.pop("al", AL),
            attivita_svolte="Avvio dei laboratori e della rete.",
            **altro,
        ),
        utente=demo["consorzio"],
    )


def test_report_goes_through_every_state_with_who_and_when(
    demo, django_capture_on_commit_callbacks
):
    rendiconto = _nuovo(demo)
    assert rendiconto.stato == StatoRendiconto.BOZZA

    with django_capture_on_commit_callbacks(execute=True):
        primo = services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    assert primo.numero == 1 and primo.pdf.read(5) == b"%PDF-"

    prestazione = Prestazione.objects.filter(data__range=(DAL, AL)).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.rimanda(
            rendiconto=rendiconto,
            utente=demo["comune"],
            osservazioni="Allegare le ricevute di ottobre.",
            osservazioni_voci=[
                services.OsservazioneVoce(testo="Manca la fattura", prestazione_id=prestazione.pk)
            ],
        )
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.DA_INTEGRARE
    rimando = rendiconto.transizioni.get(a_stato=StatoRendiconto.DA_INTEGRARE)
    assert rimando.osservazioni_voci.get().prestazione == prestazione

    rendiconto.risultati = "Ricevute allegate."
    services.rendiconto_salva(rendiconto=rendiconto, utente=demo["consorzio"])
    secondo = services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    assert secondo.numero == 2
    assert secondo.narrativa["risultati"] == "Ricevute allegate."

    services.approva(rendiconto=rendiconto, utente=demo["comune"])
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.APPROVATO
    passaggi = list(
        Transizione.objects.filter(rendiconto=rendiconto).values_list(
            "da_stato", "a_stato", "utente__username"
        )
    )
    assert passaggi == [
        ("bozza", "inviato", "consorzio"),
        ("inviato", "da_integrare", "comune"),
        ("da_integrare", "inviato", "consorzio"),
        ("inviato", "approvato", "comune"),
    ]
    assert PeriodoChiuso.objects.filter(accordo=demo["accordo"], dal=DAL, al=AL).exists()


def test_only_the_right_role_makes_each_transition(demo):
    rendiconto = _nuovo(demo)
    with pytest.raises(PermissionDenied):
        services.invia(rendiconto=rendiconto, utente=demo["comune"])
    with pytest.raises(PermissionDenied):
        services.invia(rendiconto=rendiconto, utente=demo["coop"])
    services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    with pytest.raises(PermissionDenied):
        services.approva(rendiconto=rendiconto, utente=demo["consorzio"])
    with pytest.raises(PermissionDenied):
        services.rimanda(rendiconto=rendiconto, utente=demo["consorzio"], osservazioni="x")
    with pytest.raises(PermissionDenied):
        services.rendiconto_salva(
            rendiconto=Rendiconto(accordo=demo["accordo"], dal=date(2025, 1, 1), al=AL),
            utente=demo["comune"],
        )
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO


def test_submitted_report_cannot_be_edited_and_send_back_needs_remarks(demo):
    rendiconto = _nuovo(demo)
    services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    rendiconto.refresh_from_db()
    rendiconto.criticita = "Cambiata dopo l'invio"
    with pytest.raises(ValidationError, match="non si può più modificare"):
        services.rendiconto_salva(rendiconto=rendiconto, utente=demo["consorzio"])
    with pytest.raises(ValidationError, match="Indicare cosa il Consorzio deve integrare"):
        services.rimanda(rendiconto=rendiconto, utente=demo["comune"], osservazioni="  ")
    rendiconto.refresh_from_db()
    assert rendiconto.criticita == "" and rendiconto.stato == StatoRendiconto.INVIATO


def test_submission_needs_the_activity_narrative(demo):
    rendiconto = _nuovo(demo)
    rendiconto.attivita_svolte = ""
    services.rendiconto_salva(rendiconto=rendiconto, utente=demo["consorzio"])
    with pytest.raises(ValidationError, match="Descrivere le attività svolte"):
        services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    assert not rendiconto.invii.exists()


def test_overlapping_periodic_reports_and_periods_outside_the_agreement_are_refused(demo):
    _nuovo(demo)
    with pytest.raises(ValidationError, match="si sovrappone"):
        _nuovo(demo, dal=date(2024, 12, 1), al=date(2025, 3, 31))
    with pytest.raises(ValidationError, match="durata dell'accordo"):
        _nuovo(demo, dal=date(2025, 1, 1), al=date(2026, 3, 31))
    assert Rendiconto.objects.count() == 1


def test_frozen_figures_survive_a_later_data_change(demo, fornitore):
    rendiconto = _nuovo(demo)
    invio = services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    congelato = Riepilogo.from_json(invio.riepilogo)
    prima = riepilogo(demo["accordo"], DAL, AL)
    assert congelato.cifre() == prima.cifre()

    budget_services.prestazione_crea(
        tranche=demo["tranche_2024"],
        tipo="servizi",
        fornitore=fornitore,
        descrizione="Spesa aggiunta dopo l'invio",
        data=date(2024, 12, 10),
        importo=Decimal("100.00"),
    )
    invio.refresh_from_db()
    ancora = Riepilogo.from_json(invio.riepilogo)
    assert ancora.cifre() == congelato.cifre()
    assert ancora.spesa_periodo.totale == prima.spesa_periodo.totale
    attuale = riepilogo(demo["accordo"], DAL, AL)
    assert attuale.spesa_periodo.totale == prima.spesa_periodo.totale + Decimal("103.00")


@pytest.fixture
def approvato(demo):
    rendiconto = _nuovo(demo)
    services.invia(rendiconto=rendiconto, utente=demo["consorzio"])
    services.approva(rendiconto=rendiconto, utente=demo["comune"])
    return demo


def test_closed_period_refuses_prestazioni_created_changed_or_deleted(approvato, fornitore):
    prestazione = Prestazione.objects.filter(data__range=(DAL, AL)).first()
    numero = Prestazione.objects.count()
    with pytest.raises(ValidationError, match="è chiuso"):
        budget_services.prestazione_crea(
            tranche=approvato["tranche_2024"],
            tipo="servizi",
            fornitore=fornitore,
            descrizione="Nel periodo chiuso",
            data=date(2024, 11, 5),
            importo=Decimal("10.00"),
        )
    with pytest.raises(ValidationError, match="è chiuso"):
        budget_services.prestazione_modifica(prestazione=prestazione, importo=Decimal("1.00"))
    with pytest.raises(ValidationError, match="è chiuso"):
        budget_services.prestazione_elimina(prestazione=prestazione)
    prestazione.refresh_from_db()
    assert Prestazione.objects.count() == numero and prestazione.importo != Decimal("1.00")


def test_closed_period_refuses_moving_a_prestazione_into_or_out_of_it(approvato, fornitore):
    tranche_2025 = approvato["accordo"].tranche.get(etichetta="2025")
    fuori = budget_services.prestazione_crea(
        tranche=tranche_2025,
        tipo="servizi",
        fornitore=fornitore,
        descrizione="Fuori dal periodo chiuso",
        data=date(2025, 2, 5),
        importo=Decimal("10.00"),
    )
    with pytest.raises(ValidationError, match="è chiuso"):
        budget_services.prestazione_modifica(
            prestazione=fuori, tranche=approvato["tranche_2024"], data=date(2024, 12, 1)
        )


def test_closed_period_refuses_sessions_created_changed_or_deleted(approvato):
    sessione = Sessione.objects.filter(data__range=(DAL, AL)).first()
    numero = Sessione.objects.count()
    with pytest.raises(ValidationError, match="è chiuso"):
        lab_services.sessione_salva(
            sessione=Sessione(
                laboratorio=sessione.laboratorio,
                data=date(2024, 11, 30),
                ora_inizio=time(9, 0),
                ora_fine=time(10, 0),
                ore_educatori=Decimal("1"),
            ),
            presenti=[],
        )
    sessione.note = "Corretta dopo l'approvazione"
    with pytest.raises(ValidationError, match="è chiuso"):
        lab_services.sessione_salva(sessione=sessione, presenti=[], utente=approvato["consorzio"])
    with pytest.raises(ValidationError, match="è chiuso"):
        lab_services.sessione_elimina(sessione=sessione, utente=approvato["consorzio"])
    sessione.refresh_from_db()
    assert Sessione.objects.count() == numero and sessione.note != "Corretta dopo l'approvazione"
    assert sessione.righe_presenza.exists()


def test_closed_period_refuses_the_import(approvato, tmp_path):
    file = tmp_path / "prestazioni.csv"
    file.write_text(
        "data;tipo;fornitore;partita_iva;descrizione;importo\n"
        "05/11/2024;servizi;Falegnameria Bodini;01967800192;Nel periodo chiuso;10,00\n",
        encoding="utf-8",
    )
    numero = Prestazione.objects.count()
    errore = StringIO()
    with pytest.raises(CommandError):
        call_command("importa_prestazioni", str(file), stdout=StringIO(), stderr=errore)
    assert "è chiuso" in errore.getvalue()
    assert Prestazione.objects.count() == numero


def test_closed_period_refuses_the_admin(approvato, client, fornitore):
    client.force_login(approvato["consorzio"])
    numero = Prestazione.objects.count()
    risposta = client.post(
        "/admin/budget/prestazione/add/",
        {
            "tranche": approvato["tranche_2024"].pk,
            "tipo": "servizi",
            "fornitore": fornitore.pk,
            "descrizione": "Nel periodo chiuso",
            "data": "05/11/2024",
            "importo": "10,00",
        },
    )
    assert risposta.status_code == 200
    assert "è chiuso" in risposta.content.decode()
    assert Prestazione.objects.count() == numero
