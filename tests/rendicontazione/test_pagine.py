"""The report pages through the Django test client: the whole workflow as
the Consorzio and the Comune click through it, frozen figures, e-mails,
downloads, and who may see and do what."""

import html
from datetime import date, time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accordo.context_processors import _menu
from accordo.models import Accordo, Ente, PeriodoChiuso, TipoEnte
from budget import services as budget_services
from core.formati import euro
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, TipoLaboratorio
from rendicontazione import services
from rendicontazione.models import Invio, Osservazione, Rendiconto, StatoRendiconto
from rendicontazione.riepilogo import Riepilogo
from tests.conftest import crea_utente

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)
CONTENT_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def entra(utente) -> Client:
    client = Client()
    client.force_login(utente)
    return client


def leggi(risposta) -> str:
    """The page's text with entities decoded, for assertions on Italian
    sentences with apostrophes."""
    return html.unescape(risposta.content.decode())


@pytest.fixture
def comune_u(utente_comune):
    utente_comune.email = "politiche.sociali@comune.cremona.it"
    utente_comune.save()
    return utente_comune


@pytest.fixture
def consorzio_u(utente_consorzio):
    utente_consorzio.email = "coordinamento@solco.example"
    utente_consorzio.save()
    return utente_consorzio


@pytest.fixture
def spesa(tranche_2024, crea_prestazione):
    """Three prestazioni in the period: a service, a purchase, design work."""
    return [
        crea_prestazione(tranche_2024, "1234.56", data=date(2024, 10, 4), descrizione="Trasporto"),
        crea_prestazione(
            tranche_2024, "612.40", tipo="beni_consumo", data=date(2024, 11, 8), descrizione="Legno"
        ),
        crea_prestazione(
            tranche_2024,
            "800.00",
            tipo="progettazione",
            fornitore=None,
            data=date(2024, 11, 29),
            descrizione="Tavoli di co-progettazione",
        ),
    ]


@pytest.fixture
def sessione(accordo, cooperativa_a) -> Sessione:
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
        )
    )
    ragazzi = [
        lab_services.partecipante_crea(
            laboratorio=laboratorio,
            fascia_eta="11_13",
            genere=genere,
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for genere in ("M", "F")
    ]
    return lab_services.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=date(2024, 10, 15),
            ora_inizio=time(15, 0),
            ora_fine=time(17, 0),
            numero_educatori=1,
            ore_educatori=Decimal("2"),
        ),
        presenti=ragazzi,
    )


def bozza(accordo, utente, **altro) -> Rendiconto:
    return services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo,
            dal=altro.pop("dal", DAL),
            al=altro.pop("al", AL),
            attivita_svolte=altro.pop("attivita_svolte", "Avvio dei laboratori."),
            **altro,
        ),
        utente=utente,
    )


def inviato(accordo, utente) -> Rendiconto:
    rendiconto = bozza(accordo, utente)
    services.invia(rendiconto=rendiconto, utente=utente)
    rendiconto.refresh_from_db()
    return rendiconto


def dati_rendiconto(accordo, **altro) -> dict:
    dati = {
        "accordo": accordo.pk,
        "dal": "2024-09-01",
        "al": "2024-12-31",
        "tipo": "periodico",
        "attivita_svolte": "",
        "risultati": "",
        "criticita": "",
        "prospettive": "",
    }
    dati.update(altro)
    return dati


def dati_rimando(osservazioni="", voci=()) -> dict:
    dati = {
        "rimanda-osservazioni": osservazioni,
        "voci-TOTAL_FORMS": "5",
        "voci-INITIAL_FORMS": "0",
        "voci-MIN_NUM_FORMS": "0",
        "voci-MAX_NUM_FORMS": "5",
    }
    for indice, (voce, testo_voce) in enumerate(voci):
        dati[f"voci-{indice}-voce"] = voce
        dati[f"voci-{indice}-testo"] = testo_voce
    return dati


def url(nome, rendiconto=None) -> str:
    if rendiconto is None:
        return reverse(f"rendicontazione:{nome}")
    return reverse(f"rendicontazione:{nome}", args=[rendiconto.pk])


# The whole workflow


def test_full_workflow_through_the_pages(
    accordo,
    tranche_2024,
    crea_prestazione,
    spesa,
    sessione,
    fornitore,
    comune_u,
    consorzio_u,
    django_capture_on_commit_callbacks,
):
    consorzio, comune = entra(consorzio_u), entra(comune_u)

    # The Consorzio creates the report...
    risposta = consorzio.post(url("nuovo"), dati_rendiconto(accordo))
    rendiconto = Rendiconto.objects.get()
    assert risposta.status_code == 302
    assert risposta.url == url("dettaglio", rendiconto)
    assert (rendiconto.dal, rendiconto.al, rendiconto.stato) == (DAL, AL, StatoRendiconto.BOZZA)
    assert rendiconto.creato_da == consorzio_u

    # ...cannot submit it without describing the activity...
    risposta = consorzio.post(url("invia", rendiconto), follow=True)
    assert "Descrivere le attività svolte" in leggi(risposta)
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.BOZZA and not rendiconto.invii.exists()

    # ...edits it...
    risposta = consorzio.post(
        url("modifica", rendiconto),
        dati_rendiconto(accordo, attivita_svolte="Avviata la ciclofficina al Civico 81."),
    )
    assert risposta.status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.attivita_svolte == "Avviata la ciclofficina al Civico 81."

    # ...and submits it: the Comune's users get one e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        risposta = consorzio.post(url("invia", rendiconto))
    assert risposta.status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [comune_u.email]

    # The Comune sends it back, with a remark overall and one on a prestazione.
    trasporto = spesa[0]
    pagina = comune.get(url("dettaglio", rendiconto))
    assert "Chiedi integrazioni" in leggi(pagina)
    with django_capture_on_commit_callbacks(execute=True):
        risposta = comune.post(
            url("rimanda", rendiconto),
            dati_rimando(
                "Allegare i giustificativi di ottobre.",
                [(f"p-{trasporto.pk}", "Manca la fattura del trasporto.")],
            ),
        )
    assert risposta.status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.DA_INTEGRARE
    osservazione = Osservazione.objects.get()
    assert osservazione.prestazione == trasporto
    assert osservazione.testo == "Manca la fattura del trasporto."
    assert osservazione.transizione.osservazioni == "Allegare i giustificativi di ottobre."
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == [consorzio_u.email]

    # The Consorzio sees the remarks on its page.
    pagina = leggi(consorzio.get(url("dettaglio", rendiconto)))
    assert "Il Comune ha chiesto integrazioni" in pagina
    assert "Allegare i giustificativi di ottobre." in pagina
    assert "Manca la fattura del trasporto." in pagina

    # It adds the missing prestazione, edits the narrative and submits again.
    budget_services.prestazione_crea(
        tranche=tranche_2024,
        tipo="servizi",
        descrizione="Noleggio attrezzi per la ciclofficina",
        fornitore=fornitore,
        data=date(2024, 12, 10),
        importo=Decimal("250.00"),
    )
    risposta = consorzio.post(
        url("modifica", rendiconto),
        dati_rendiconto(
            accordo,
            attivita_svolte="Avviata la ciclofficina al Civico 81.",
            risultati="Giustificativi allegati.",
        ),
    )
    assert risposta.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        consorzio.post(url("invia", rendiconto))
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    assert rendiconto.invii.count() == 2
    assert len(mail.outbox) == 3

    # The page says what changed since the previous submission.
    primo, secondo = rendiconto.invii.order_by("numero")
    prima = Riepilogo.from_json(primo.riepilogo)
    dopo = Riepilogo.from_json(secondo.riepilogo)
    pagina = leggi(comune.get(url("dettaglio", rendiconto)))
    assert "Cosa è cambiato rispetto all'invio precedente" in pagina
    assert "Prestazione aggiunta" in pagina
    assert "Noleggio attrezzi per la ciclofficina" in pagina
    assert euro(prima.spesa_periodo.totale) in pagina
    assert euro(dopo.spesa_periodo.totale) in pagina
    assert "Relazione, «Risultati»: testo cambiato" in pagina

    # The Comune approves: the Consorzio is told, the period is closed.
    with django_capture_on_commit_callbacks(execute=True):
        risposta = comune.post(
            url("approva", rendiconto), {"approva-osservazioni": "Tutto in ordine."}
        )
    assert risposta.status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.APPROVATO
    assert rendiconto.transizioni.last().osservazioni == "Tutto in ordine."
    assert len(mail.outbox) == 4
    assert mail.outbox[3].to == [consorzio_u.email]
    assert PeriodoChiuso.objects.filter(accordo=accordo, dal=DAL, al=AL).exists()

    with pytest.raises(ValidationError, match=r"periodo .* è chiuso"):
        crea_prestazione(tranche_2024, "10.00", data=date(2024, 11, 5))

    # The history lists every transition with who and the remarks.
    pagina = leggi(consorzio.get(url("dettaglio", rendiconto)))
    assert "Storia del rendiconto" in pagina
    assert pagina.count("Inviato → Da integrare") == 1
    assert pagina.count("Inviato → Approvato") == 1
    assert "Tutto in ordine." in pagina
    assert "Approva il rendiconto" not in pagina
    assert "Invia al Comune" not in pagina


def test_frozen_figures_survive_a_later_change_and_the_page_says_so(
    accordo, tranche_2024, crea_prestazione, spesa, consorzio_u, comune_u
):
    rendiconto = inviato(accordo, consorzio_u)
    invio = rendiconto.invii.get()
    congelato = Riepilogo.from_json(invio.riepilogo)
    pdf_inviato = invio.pdf.open("rb").read()

    # Not approved yet: the period is open, so a prestazione can still land in it.
    crea_prestazione(tranche_2024, "999.99", data=date(2024, 12, 20), descrizione="Arrivata dopo")

    invio.refresh_from_db()
    assert Riepilogo.from_json(invio.riepilogo).cifre() == congelato.cifre()
    pagina = leggi(entra(comune_u).get(url("dettaglio", rendiconto)))
    assert "I dati attuali differiscono da quelli inviati il" in pagina
    assert "Prestazione aggiunta" in pagina
    # The summary tables show the sent figures; the new one only in the warning.
    tabella_prestazioni = pagina.split('id="titolo-prestazioni"')[1]
    assert "Arrivata dopo" not in tabella_prestazioni
    assert euro(congelato.spesa_periodo.totale) in tabella_prestazioni
    # The PDF is the one sent, byte for byte.
    risposta = entra(comune_u).get(url("pdf", rendiconto))
    assert b"".join(risposta.streaming_content) == pdf_inviato


def test_a_draft_shows_live_figures_without_warning(accordo, spesa, consorzio_u):
    rendiconto = bozza(accordo, consorzio_u)
    pagina = leggi(entra(consorzio_u).get(url("dettaglio", rendiconto)))
    assert "Cifre calcolate il" in pagina
    assert "differiscono" not in pagina
    assert "Cosa è cambiato" not in pagina
    assert "Trasporto" in pagina and "Tavoli di co-progettazione" in pagina


def test_remark_on_a_session_and_errors_keep_what_was_typed(
    accordo, spesa, sessione, consorzio_u, comune_u
):
    rendiconto = inviato(accordo, consorzio_u)
    comune = entra(comune_u)

    # An item chosen with no text: nothing changes, the typed remark stays.
    risposta = comune.post(
        url("rimanda", rendiconto),
        dati_rimando("Rivedere le ore.", [(f"s-{sessione.pk}", "")]),
    )
    assert risposta.status_code == 200
    pagina = leggi(risposta)
    assert "Scrivere l'osservazione sulla voce scelta." in pagina
    assert "Rivedere le ore." in pagina
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO

    # Nothing at all to say: the service's refusal lands on the form.
    risposta = comune.post(url("rimanda", rendiconto), dati_rimando())
    assert risposta.status_code == 200
    assert "Indicare cosa il Consorzio deve integrare" in leggi(risposta)
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO

    # An item that is not in the report is not a valid choice.
    risposta = comune.post(url("rimanda", rendiconto), dati_rimando("x", [("p-999999", "y")]))
    assert risposta.status_code == 200
    assert not Osservazione.objects.exists()

    risposta = comune.post(
        url("rimanda", rendiconto),
        dati_rimando("", [(f"s-{sessione.pk}", "Le ore degli educatori non tornano.")]),
    )
    assert risposta.status_code == 302
    assert Osservazione.objects.get().sessione == sessione
    pagina = leggi(entra(consorzio_u).get(url("dettaglio", rendiconto)))
    assert "Sessione del 15/10/2024, Ciclofficina Civico 81" in pagina
    assert "Le ore degli educatori non tornano." in pagina


def test_form_errors_from_the_form_and_the_service(accordo, consorzio_u):
    consorzio = entra(consorzio_u)
    risposta = consorzio.post(url("nuovo"), dati_rendiconto(accordo, al="2024-08-01"))
    assert risposta.status_code == 200
    assert "non può precedere l'inizio" in leggi(risposta)

    bozza(accordo, consorzio_u)
    risposta = consorzio.post(url("nuovo"), dati_rendiconto(accordo, dal="2024-12-01"))
    assert risposta.status_code == 200
    assert "si sovrappone" in leggi(risposta)
    assert Rendiconto.objects.count() == 1


def test_period_is_fixed_after_submission_and_approved_report_not_editable(
    accordo, consorzio_u, comune_u
):
    rendiconto = inviato(accordo, consorzio_u)
    services.rimanda(rendiconto=rendiconto, utente=comune_u, osservazioni="Integrare.")
    consorzio = entra(consorzio_u)
    risposta = consorzio.get(url("modifica", rendiconto))
    assert risposta.context["form"].fields["dal"].disabled
    # A forged period is ignored: disabled fields keep the saved value.
    consorzio.post(
        url("modifica", rendiconto),
        dati_rendiconto(accordo, dal="2024-10-01", attivita_svolte="Integrato."),
    )
    rendiconto.refresh_from_db()
    assert rendiconto.dal == DAL and rendiconto.attivita_svolte == "Integrato."

    services.invia(rendiconto=rendiconto, utente=consorzio_u)
    services.approva(rendiconto=rendiconto, utente=comune_u)
    risposta = consorzio.post(
        url("modifica", rendiconto), dati_rendiconto(accordo, attivita_svolte="Dopo")
    )
    assert risposta.status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.attivita_svolte == "Integrato."


def test_approving_twice_changes_nothing(accordo, consorzio_u, comune_u):
    rendiconto = inviato(accordo, consorzio_u)
    comune = entra(comune_u)
    comune.post(url("approva", rendiconto))
    risposta = comune.post(url("approva", rendiconto), follow=True)
    assert "Si può approvare solo un rendiconto inviato." in leggi(risposta)
    assert rendiconto.transizioni.count() == 2


# The list


def test_list_with_filter_and_creation_button(accordo, consorzio_u, comune_u):
    prima = bozza(accordo, consorzio_u, dal=date(2024, 9, 1), al=date(2024, 10, 31))
    seconda = bozza(accordo, consorzio_u, dal=date(2024, 11, 1), al=date(2024, 12, 31))
    services.invia(rendiconto=seconda, utente=consorzio_u)

    risposta = entra(consorzio_u).get(url("elenco"))
    pagina = leggi(risposta)
    assert "Nuovo rendiconto" in pagina
    assert url("dettaglio", prima) in pagina and url("dettaglio", seconda) in pagina
    assert "Bozza → Inviato" not in pagina  # the last transition, by its target state
    assert "Inviato ·" in pagina

    risposta = entra(comune_u).get(url("elenco"), {"stato": "inviato"})
    pagina = leggi(risposta)
    assert "Nuovo rendiconto" not in pagina
    assert url("dettaglio", seconda) in pagina
    assert url("dettaglio", prima) not in pagina


def test_empty_list(accordo, comune_u):
    pagina = leggi(entra(comune_u).get(url("elenco")))
    assert "Nessun rendiconto" in pagina
    assert "il Consorzio li prepara" in pagina


# Downloads


def test_downloads_of_a_draft_and_of_a_submitted_report(accordo, spesa, consorzio_u, comune_u):
    rendiconto = bozza(accordo, consorzio_u)
    risposta = entra(consorzio_u).get(url("pdf", rendiconto))
    assert risposta["Content-Type"] == "application/pdf"
    assert risposta.content.startswith(b"%PDF-")
    assert "rendiconto-2024-09-01-2024-12-31-bozza.pdf" in risposta["Content-Disposition"]

    services.invia(rendiconto=rendiconto, utente=consorzio_u)
    comune = entra(comune_u)
    risposta = comune.get(url("pdf", rendiconto))
    assert risposta["Content-Type"] == "application/pdf"
    assert risposta["Content-Disposition"] == (
        'attachment; filename="rendiconto-2024-09-01-2024-12-31.pdf"'
    )
    assert b"".join(risposta.streaming_content).startswith(b"%PDF-")

    risposta = comune.get(url("xlsx", rendiconto))
    assert risposta["Content-Type"] == CONTENT_TYPE_XLSX
    assert "rendiconto-2024-09-01-2024-12-31.xlsx" in risposta["Content-Disposition"]
    assert risposta.content.startswith(b"PK")


# Who may see and do what


def test_comune_cannot_create_edit_or_submit(accordo, consorzio_u, comune_u):
    rendiconto = bozza(accordo, consorzio_u)
    comune = entra(comune_u)
    assert comune.get(url("nuovo")).status_code == 403
    assert comune.post(url("nuovo"), dati_rendiconto(accordo)).status_code == 403
    assert comune.get(url("modifica", rendiconto)).status_code == 403
    assert comune.post(url("modifica", rendiconto), dati_rendiconto(accordo)).status_code == 403
    assert comune.post(url("invia", rendiconto)).status_code == 403
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.BOZZA
    assert Rendiconto.objects.count() == 1
    assert "Invia al Comune" not in leggi(comune.get(url("dettaglio", rendiconto)))


def test_consorzio_cannot_approve_or_send_back(accordo, consorzio_u):
    rendiconto = inviato(accordo, consorzio_u)
    consorzio = entra(consorzio_u)
    assert consorzio.post(url("approva", rendiconto)).status_code == 403
    assert consorzio.post(url("rimanda", rendiconto), dati_rimando("No")).status_code == 403
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    assert "Approva il rendiconto" not in leggi(consorzio.get(url("dettaglio", rendiconto)))


def test_cooperatives_see_no_reports(accordo, consorzio_u, utente_coop_a):
    rendiconto = inviato(accordo, consorzio_u)
    coop = entra(utente_coop_a)
    for indirizzo in (
        url("elenco"),
        url("nuovo"),
        url("dettaglio", rendiconto),
        url("modifica", rendiconto),
        url("pdf", rendiconto),
        url("xlsx", rendiconto),
    ):
        assert coop.get(indirizzo).status_code == 404, indirizzo
    assert coop.post(url("invia", rendiconto)).status_code == 404
    assert "Rendiconti" not in [etichetta for etichetta, _url in _menu(utente_coop_a)]


def test_menu_has_reports_for_comune_and_consorzio(comune_u, consorzio_u, superutente):
    for utente in (comune_u, consorzio_u, superutente):
        assert ("Rendiconti", url("elenco")) in _menu(utente)


def test_anonymous_is_sent_to_login(accordo, consorzio_u, client):
    rendiconto = bozza(accordo, consorzio_u)
    for indirizzo in (url("elenco"), url("dettaglio", rendiconto), url("pdf", rendiconto)):
        risposta = client.get(indirizzo)
        assert risposta.status_code == 302
        assert risposta.url.startswith(reverse("login"))
    assert client.post(url("invia", rendiconto)).status_code == 302
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.BOZZA


@pytest.fixture
def utenti_altro_accordo(db):
    """The Comune and consortium of another agreement."""
    comune = Ente.objects.create(nome="Comune di Crema", tipo=TipoEnte.COMUNE)
    consorzio = Ente.objects.create(nome="Consorzio Arcobaleno", tipo=TipoEnte.CONSORZIO)
    Accordo.objects.create(
        titolo="Accordo Crema Giovani",
        ente_pubblico=comune,
        ente_partner=consorzio,
        firmatario_pubblico="Sindaco di Crema",
        firmatario_partner="Presidente",
        data_inizio=date(2024, 1, 1),
        data_fine=date(2025, 12, 31),
    )
    return crea_utente("comune_crema", comune, staff=True), crea_utente(
        "consorzio_crema", consorzio, staff=True
    )


def test_users_of_another_agreement_get_404(accordo, consorzio_u, utenti_altro_accordo):
    rendiconto = inviato(accordo, consorzio_u)
    comune_altro, consorzio_altro = utenti_altro_accordo
    for utente in (comune_altro, consorzio_altro):
        altro = entra(utente)
        for indirizzo in (
            url("dettaglio", rendiconto),
            url("modifica", rendiconto),
            url("pdf", rendiconto),
            url("xlsx", rendiconto),
        ):
            assert altro.get(indirizzo).status_code == 404, indirizzo
        assert altro.post(url("approva", rendiconto)).status_code == 404
        assert altro.post(url("invia", rendiconto)).status_code == 404
        assert url("dettaglio", rendiconto) not in leggi(altro.get(url("elenco")))
    # Nor can the other consortium file a report on this agreement.
    risposta = entra(consorzio_altro).post(
        url("nuovo"), dati_rendiconto(accordo, dal="2025-01-01", al="2025-03-31")
    )
    assert risposta.status_code == 200
    assert Rendiconto.objects.count() == 1


# The admin: read-only


def test_admin_shows_reports_read_only(accordo, consorzio_u, superutente):
    rendiconto = inviato(accordo, consorzio_u)
    admin = entra(superutente)
    assert admin.get(reverse("admin:rendicontazione_rendiconto_changelist")).status_code == 200
    pagina = admin.get(reverse("admin:rendicontazione_rendiconto_change", args=[rendiconto.pk]))
    assert pagina.status_code == 200
    assert "Invio n. 1" in leggi(pagina) or "rendiconto-" in leggi(pagina)
    assert admin.get(reverse("admin:rendicontazione_rendiconto_add")).status_code == 403

    # The history page must not revert the report behind the workflow's back.
    versione = rendiconto.history.order_by("history_id").first()
    indirizzo = reverse(
        "admin:rendicontazione_rendiconto_simple_history",
        args=[rendiconto.pk, versione.history_id],
    )
    assert admin.get(indirizzo).status_code == 200
    assert admin.post(indirizzo, {}).status_code == 403
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    assert Invio.objects.count() == 1
