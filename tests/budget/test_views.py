"""The prestazioni's pages (budget/views.py) through the test client: who
sees and who writes, registering and editing through the services with every
refusal in Italian and nothing saved, the preview of the charge, the history,
the filters, the totals and a query count that does not grow with the data.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum import luhn

from accordo.context_processors import _menu
from accordo.models import Accordo, Ente, PeriodoChiuso, TipoEnte
from budget import rules, services
from budget.models import Prestazione, Tranche
from budget.selectors import in_ordine, saldi
from core.formati import euro
from tests.conftest import crea_utente

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ESEGUIBILE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def url(nome: str, *args) -> str:
    return reverse(f"budget:{nome}", args=args)


def entra(client, utente):
    client.force_login(utente)
    return client


def leggi(risposta) -> str:
    return html.unescape(risposta.content.decode())


def solo_testo(risposta) -> str:
    """The page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", leggi(risposta)))


def messaggi(risposta) -> list[str]:
    return [str(m) for m in risposta.context["messages"]]


def dati_prestazione(tranche: Tranche, fornitore: Ente | None, **modifiche) -> dict:
    dati = {
        "tranche": str(tranche.pk),
        "tipo": "servizi",
        "fornitore": str(fornitore.pk) if fornitore else "",
        "laboratorio": "",
        "descrizione": "Noleggio pulmino per l'uscita al museo del violino",
        "data": "2024-10-15",
        "importo": "1.234,56",
        "numero_documento": "FT-12",
        "data_documento": "2024-10-16",
    }
    dati.update(modifiche)
    return dati


def partita_iva(prime_dieci: str) -> str:
    return prime_dieci + luhn.calc_check_digit(prime_dieci)


def _ente(**dati) -> Ente:
    ente = Ente(**dati)
    ente.full_clean()
    ente.save()
    return ente


@pytest.fixture
def altro_accordo(db) -> dict:
    """A second agreement with its own Comune, consortium, cooperative,
    tranche and prestazione, whose names must never reach the first one's users."""
    comune = _ente(
        nome="Comune di Crema", tipo=TipoEnte.COMUNE, partita_iva=partita_iva("0234567019")
    )
    consorzio = _ente(
        nome="Consorzio Arcobaleno", tipo=TipoEnte.CONSORZIO, partita_iva=partita_iva("0345678019")
    )
    cooperativa = _ente(
        nome="Cooperativa Il Ponte",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva=partita_iva("0456789019"),
        consorzio=consorzio,
    )
    accordo = services.accordo_salva(
        accordo=Accordo(
            titolo="Accordo Crema Giovani",
            ente_pubblico=comune,
            ente_partner=consorzio,
            firmatario_pubblico="Sindaco di Crema",
            firmatario_partner="Presidente Arcobaleno",
            data_inizio=date(2025, 1, 1),
            data_fine=date(2025, 12, 31),
        )
    )
    tranche = services.tranche_salva(
        tranche=Tranche(
            accordo=accordo,
            etichetta="Unica Crema",
            data_inizio=date(2025, 1, 1),
            data_fine=date(2025, 12, 31),
            importo=Decimal("5000.00"),
        )
    )
    prestazione = services.prestazione_crea(
        tranche=tranche,
        tipo="servizi",
        fornitore=cooperativa,
        descrizione="Educatori della cooperativa di Crema",
        data=date(2025, 3, 3),
        importo=Decimal("321.00"),
    )
    return {
        "accordo": accordo,
        "tranche": tranche,
        "prestazione": prestazione,
        "consorzio": consorzio,
        "cooperativa": cooperativa,
        "utente": crea_utente("consorzio_crema", consorzio, staff=True),
    }


@pytest.fixture
def prestazione(crea_prestazione, tranche_2024, utente_consorzio) -> Prestazione:
    return crea_prestazione(
        tranche_2024,
        "1000.00",
        descrizione="Legname per la falegnameria",
        data=date(2024, 10, 4),
        utente=utente_consorzio,
    )


# Who gets in


PAGINE = ["prestazioni", "prestazione", "prestazione_nuova", "prestazione_modifica"]
PAGINE += ["prestazione_elimina", "anteprima"]


def _indirizzo(nome: str, prestazione: Prestazione) -> str:
    if nome in ("prestazione", "prestazione_modifica", "prestazione_elimina"):
        return url(nome, prestazione.pk)
    return url(nome)


@pytest.mark.parametrize("nome", PAGINE)
def test_anonymous_is_sent_to_the_login(client, prestazione, nome):
    risposta = client.get(_indirizzo(nome, prestazione))
    assert risposta.status_code == 302
    assert risposta["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("chi", ["utente_consorzio", "utente_comune", "superutente"])
def test_list_and_detail_open_for_who_sees_the_spending(client, request, chi, prestazione):
    entra(client, request.getfixturevalue(chi))
    elenco = client.get(url("prestazioni"))
    assert elenco.status_code == 200
    assert "Legname per la falegnameria" in leggi(elenco)
    dettaglio = client.get(url("prestazione", prestazione.pk))
    assert dettaglio.status_code == 200
    pagina = leggi(dettaglio)
    assert "€ 1.000,00" in pagina and "€ 30,00" in pagina and "€ 1.030,00" in pagina


@pytest.mark.parametrize("nome", PAGINE)
def test_a_cooperative_sees_no_spending_at_all(client, utente_coop_a, prestazione, nome):
    entra(client, utente_coop_a)
    assert client.get(_indirizzo(nome, prestazione)).status_code == 404
    if nome not in ("prestazioni", "prestazione", "anteprima"):
        assert client.post(_indirizzo(nome, prestazione), {}).status_code == 404
    assert Prestazione.objects.filter(pk=prestazione.pk).exists()


def test_the_receipt_of_a_prestazione_is_no_business_of_a_cooperative(
    client, utente_coop_a, prestazione
):
    entra(client, utente_coop_a)
    assert client.get(url("documento_prestazione", prestazione.pk)).status_code == 404


@pytest.mark.parametrize(
    "nome", ["prestazione_nuova", "prestazione_modifica", "prestazione_elimina", "anteprima"]
)
def test_the_comune_reads_but_may_not_write(
    client, utente_comune, prestazione, tranche_2024, fornitore, nome
):
    entra(client, utente_comune)
    indirizzo = _indirizzo(nome, prestazione)
    assert client.get(indirizzo).status_code == 403
    if nome != "anteprima":
        dati = dati_prestazione(tranche_2024, fornitore, importo="5,00")
        assert client.post(indirizzo, dati).status_code == 403
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("1000.00")
    assert Prestazione.objects.count() == 1


def test_the_comune_sees_no_write_buttons(client, utente_comune, prestazione):
    entra(client, utente_comune)
    elenco = leggi(client.get(url("prestazioni")))
    assert "Nuova prestazione" not in elenco
    assert url("prestazione_nuova") not in elenco
    dettaglio = leggi(client.get(url("prestazione", prestazione.pk)))
    assert url("prestazione_modifica", prestazione.pk) not in dettaglio
    assert url("prestazione_elimina", prestazione.pk) not in dettaglio


def test_a_superuser_writes_like_the_consorzio(client, superutente, prestazione):
    entra(client, superutente)
    for indirizzo in (
        url("prestazione_nuova"),
        url("prestazione_modifica", prestazione.pk),
        url("prestazione_elimina", prestazione.pk),
    ):
        assert client.get(indirizzo).status_code == 200
    assert client.post(url("prestazione_elimina", prestazione.pk)).status_code == 302
    assert not Prestazione.objects.exists()


def test_the_consorzio_sees_its_write_buttons(client, utente_consorzio, prestazione):
    entra(client, utente_consorzio)
    assert url("prestazione_nuova") in leggi(client.get(url("prestazioni")))
    dettaglio = leggi(client.get(url("prestazione", prestazione.pk)))
    assert url("prestazione_modifica", prestazione.pk) in dettaglio
    assert url("prestazione_elimina", prestazione.pk) in dettaglio


@pytest.mark.parametrize(
    "nome", ["prestazione", "prestazione_modifica", "prestazione_elimina", "documento_prestazione"]
)
def test_another_agreement_s_prestazione_is_a_404(
    client, utente_consorzio, utente_comune, altro_accordo, nome
):
    altra = altro_accordo["prestazione"]
    for utente in (utente_consorzio, utente_comune):
        entra(client, utente)
        assert client.get(url(nome, altra.pk)).status_code == 404
    entra(client, utente_consorzio)
    if nome in ("prestazione_modifica", "prestazione_elimina"):
        assert client.post(url(nome, altra.pk), {"importo": "1,00"}).status_code == 404
    altra.refresh_from_db()
    assert altra.importo == Decimal("321.00")


def test_the_preview_of_another_agreement_reveals_nothing(client, utente_consorzio, altro_accordo):
    entra(client, utente_consorzio)
    altra = altro_accordo["prestazione"]
    assert client.get(url("anteprima"), {"pk": altra.pk}).status_code == 404
    risposta = client.get(
        url("anteprima"),
        {"tranche": altro_accordo["tranche"].pk, "tipo": "servizi", "importo": "10"},
    )
    assert risposta.json() == {"pronta": False, "errori": ["Scegliere la tranche."]}


def test_another_agreement_s_names_stay_out_of_lists_filters_and_forms(
    client, utente_consorzio, prestazione, altro_accordo
):
    entra(client, utente_consorzio)
    for indirizzo in (url("prestazioni"), url("prestazione_nuova")):
        pagina = leggi(client.get(indirizzo))
        for nome in (
            "Educatori della cooperativa di Crema",
            "Unica Crema",
            "Consorzio Arcobaleno",
            "Cooperativa Il Ponte",
            "Comune di Crema",
            "Accordo Crema Giovani",
        ):
            assert nome not in pagina, (indirizzo, nome)


def test_a_superuser_sees_both_agreements_and_their_budgets(
    client, superutente, prestazione, altro_accordo
):
    pagina = leggi(entra(client, superutente).get(url("prestazioni")))
    assert "Legname per la falegnameria" in pagina
    assert "Educatori della cooperativa di Crema" in pagina
    assert "Situazione del budget · Accordo Crema Giovani" in pagina
    assert "Unica Crema" in pagina


def test_the_menu_offers_prestazioni_to_who_sees_the_spending(
    utente_consorzio, utente_comune, superutente, utente_coop_a
):
    voce = ("Prestazioni", url("prestazioni"))
    for utente in (utente_consorzio, utente_comune, superutente):
        assert voce in _menu(utente)
    assert voce not in _menu(utente_coop_a)


# Registering


def test_the_consorzio_registers_a_prestazione_typed_the_italian_way(
    client, utente_consorzio, tranche_2024, fornitore
):
    entra(client, utente_consorzio)
    risposta = client.post(url("prestazione_nuova"), dati_prestazione(tranche_2024, fornitore))
    prestazione = Prestazione.objects.get()
    assert risposta.status_code == 302
    assert risposta["Location"] == url("prestazione", prestazione.pk)
    assert prestazione.importo == Decimal("1234.56")
    assert prestazione.aliquota_quota_amministrativa == Decimal("3.00")
    assert prestazione.quota_amministrativa == Decimal("37.04")
    assert prestazione.totale_addebitato == Decimal("1271.60")
    assert prestazione.creata_da == utente_consorzio
    assert prestazione.history.get().history_user == utente_consorzio
    pagina = client.get(risposta["Location"])
    assert messaggi(pagina) == [
        "Prestazione registrata: quota amministrativa € 37,04, "
        "addebitati € 1.271,60 alla tranche 2024."
    ]


def test_a_receipt_is_kept_and_linked_through_the_checking_view(
    client, utente_consorzio, tranche_2024, fornitore
):
    entra(client, utente_consorzio)
    ricevuta = SimpleUploadedFile("ricevuta.pdf", PDF, content_type="application/pdf")
    dati = dati_prestazione(tranche_2024, fornitore, documento=ricevuta)
    assert client.post(url("prestazione_nuova"), dati).status_code == 302
    prestazione = Prestazione.objects.get()
    assert prestazione.documento.name.endswith(".pdf")
    link = url("documento_prestazione", prestazione.pk)
    assert link in leggi(client.get(url("prestazione", prestazione.pk)))
    assert link in leggi(client.get(url("prestazioni")))
    scaricato = client.get(link)
    assert scaricato.status_code == 200
    assert b"".join(scaricato.streaming_content) == PDF


def test_the_form_offers_the_agreement_s_choices_and_an_italian_amount_field(
    client, utente_consorzio, fornitore, cooperativa_a, consorzio
):
    pagina = leggi(entra(client, utente_consorzio).get(url("prestazione_nuova")))
    assert "2024 (01/09/2024 - 31/12/2024)" in pagina
    assert "2025 (01/01/2025 - 31/12/2025)" in pagina
    assert fornitore.nome in pagina and cooperativa_a.nome in pagina and consorzio.nome in pagina
    assert re.search(r'<input type="text" name="importo"[^>]*inputmode="decimal"', pagina)
    assert 'type="date" name="data"' in pagina
    assert 'id="anteprima-addebito"' in pagina and 'aria-live="polite"' in pagina
    assert "js/anteprima-prestazione.js" in pagina
    assert "<script>" not in pagina  # no inline script: the CSP forbids it


def test_over_capacity_is_refused_with_the_rule_s_message(
    client, utente_consorzio, tranche_2024, fornitore, crea_prestazione
):
    crea_prestazione(tranche_2024, "12000.00")
    entra(client, utente_consorzio)
    risposta = client.post(
        url("prestazione_nuova"), dati_prestazione(tranche_2024, fornitore, importo="1.000,00")
    )
    assert risposta.status_code == 200
    pagina = leggi(risposta)
    assert "Capienza della tranche «2024» superata" in pagina
    assert "restano disponibili € 640,00" in pagina
    massimo = rules.valore_massimo(Decimal("640.00"), Decimal("3.00"))
    assert f"Valore massimo registrabile: {euro(massimo)}." in pagina
    assert "La prestazione non è stata salvata" in pagina
    # The preview is rendered by the server too, its message not repeated.
    assert "alla tranche «2024» resteranno -€ 390,00" in pagina
    anteprima = pagina[pagina.index('id="anteprima-addebito"') :]
    assert anteprima.index("alert-danger") < anteprima.index("resteranno -€ 390,00")
    assert pagina.count("Capienza della tranche «2024» superata") == 1
    assert Prestazione.objects.count() == 1


@pytest.mark.parametrize(
    ("campo", "valore", "atteso"),
    [
        ("importo", "-5", "L'importo deve essere maggiore di zero (indicato -€ 5,00)."),
        ("importo", "0", "L'importo deve essere maggiore di zero (indicato € 0,00)."),
        ("importo", "12,345", "«12,345» ha più di due decimali: indicare l'importo al centesimo."),
        ("importo", "1.500", "se indica le migliaia scrivere «1500,00» oppure «1.500,00»"),
        ("importo", "abc", "«abc» non è un importo valido."),
        ("importo", "", "Questo campo è obbligatorio."),
        ("importo", "9" * 30, "Assicurati che non vi siano più di 12 cifre in totale."),
        ("data", "2024-08-31", "è fuori dalla durata dell'accordo (01/09/2024 - 31/12/2025)"),
        ("data", "2025-01-10", "è fuori dal periodo della tranche «2024»"),
        ("data", "31/02/2024", "Inserisci una data valida."),
        ("fornitore", "", "Indicare il fornitore della prestazione."),
        ("descrizione", "", "Questo campo è obbligatorio."),
    ],
)
def test_bad_input_gets_an_italian_message_and_saves_nothing(
    client, utente_consorzio, tranche_2024, fornitore, campo, valore, atteso
):
    entra(client, utente_consorzio)
    dati = dati_prestazione(tranche_2024, fornitore)
    dati[campo] = valore
    risposta = client.post(url("prestazione_nuova"), dati)
    assert risposta.status_code == 200
    assert atteso in " ".join(risposta.context["form"].errors[campo])
    assert atteso in leggi(risposta)
    assert not Prestazione.objects.exists()


def test_a_date_outside_the_agreement_is_refused(client, utente_consorzio, tranche_2025, fornitore):
    entra(client, utente_consorzio)
    dati = dati_prestazione(tranche_2025, fornitore, data="2026-01-10")
    pagina = leggi(client.post(url("prestazione_nuova"), dati))
    assert "La data 10/01/2026 è fuori dalla durata dell'accordo" in pagina
    assert "è fuori dal periodo della tranche «2025»" in pagina
    assert not Prestazione.objects.exists()


@pytest.mark.parametrize(
    ("nome", "contenuto", "atteso"),
    [
        ("fattura.pdf", ESEGUIBILE, "Il file non è un PDF, un JPEG o un PNG"),
        (
            "grande.pdf",
            PDF + b"0" * settings.MAX_UPLOAD_SIZE,
            "Il file pesa 10.0 MB: il massimo consentito è 10 MB.",
        ),
    ],
)
def test_a_wrong_or_oversized_receipt_is_refused(
    client, utente_consorzio, tranche_2024, fornitore, nome, contenuto, atteso
):
    entra(client, utente_consorzio)
    documento = SimpleUploadedFile(nome, contenuto, content_type="application/pdf")
    dati = dati_prestazione(tranche_2024, fornitore, documento=documento)
    risposta = client.post(url("prestazione_nuova"), dati)
    assert risposta.status_code == 200
    assert atteso in " ".join(risposta.context["form"].errors["documento"])
    assert not Prestazione.objects.exists()


def test_the_design_quota_needs_no_supplier_and_no_fee(client, utente_consorzio, tranche_2024):
    entra(client, utente_consorzio)
    dati = dati_prestazione(tranche_2024, None, tipo="progettazione", importo="1.500,00")
    risposta = client.post(url("prestazione_nuova"), dati, follow=True)
    prestazione = Prestazione.objects.get()
    assert prestazione.importo == Decimal("1500.00")
    assert prestazione.quota_amministrativa == Decimal("0.00")
    assert messaggi(risposta) == [
        "Quota progettazione registrata: addebitati € 1.500,00 alla tranche 2024."
    ]


def test_a_closed_period_refuses_new_edited_and_deleted_prestazioni(
    client, utente_consorzio, tranche_2024, fornitore, prestazione, accordo
):
    PeriodoChiuso.objects.create(
        accordo=accordo,
        dal=date(2024, 9, 1),
        al=date(2024, 12, 31),
        motivo="rendiconto approvato",
    )
    entra(client, utente_consorzio)
    nuova = leggi(client.post(url("prestazione_nuova"), dati_prestazione(tranche_2024, fornitore)))
    assert "Il periodo 01/09/2024 - 31/12/2024 è chiuso (rendiconto approvato)" in nuova

    dati = dati_prestazione(tranche_2024, fornitore, data="2024-10-04", importo="2.000,00")
    modifica = leggi(client.post(url("prestazione_modifica", prestazione.pk), dati))
    assert "è chiuso (rendiconto approvato)" in modifica

    eliminata = client.post(url("prestazione_elimina", prestazione.pk), follow=True)
    assert any("è chiuso (rendiconto approvato)" in m for m in messaggi(eliminata))

    dettaglio = leggi(client.get(url("prestazione", prestazione.pk)))
    assert "è chiuso (rendiconto approvato)" in dettaglio
    assert url("prestazione_modifica", prestazione.pk) not in dettaglio
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("1000.00")
    assert Prestazione.objects.count() == 1


# Editing and deleting


def test_editing_keeps_the_rate_the_prestazione_was_registered_with(
    client, utente_consorzio, prestazione, tranche_2024, fornitore, accordo
):
    accordo.aliquota_quota_amministrativa = Decimal("4.00")
    services.accordo_salva(accordo=accordo)
    entra(client, utente_consorzio)
    modulo = client.get(url("prestazione_modifica", prestazione.pk))
    assert 'value="1.000,00"' in leggi(modulo)
    dati = dati_prestazione(
        tranche_2024,
        fornitore,
        descrizione=prestazione.descrizione,
        data="2024-10-04",
        importo="2.000,00",
    )
    risposta = client.post(url("prestazione_modifica", prestazione.pk), dati, follow=True)
    prestazione.refresh_from_db()
    assert prestazione.aliquota_quota_amministrativa == Decimal("3.00")
    assert prestazione.quota_amministrativa == Decimal("60.00")
    assert messaggi(risposta) == [
        "Prestazione modificata: quota amministrativa € 60,00, "
        "addebitati € 2.060,00 alla tranche 2024."
    ]
    # A new prestazione takes the new rate.
    client.post(url("prestazione_nuova"), dati_prestazione(tranche_2024, fornitore))
    nuova = Prestazione.objects.exclude(pk=prestazione.pk).get()
    assert nuova.aliquota_quota_amministrativa == Decimal("4.00")
    assert nuova.quota_amministrativa == Decimal("49.38")


def test_the_detail_shows_who_changed_what_and_when(
    client, utente_consorzio, prestazione, tranche_2024, fornitore
):
    utente_consorzio.first_name, utente_consorzio.last_name = "Marco", "Bianchi"
    utente_consorzio.save()
    entra(client, utente_consorzio)
    dati = dati_prestazione(
        tranche_2024,
        fornitore,
        descrizione="Legname e colle per la falegnameria",
        data="2024-10-04",
        importo="1.500,00",
    )
    client.post(url("prestazione_modifica", prestazione.pk), dati)
    pagina = solo_testo(client.get(url("prestazione", prestazione.pk)))
    storia = pagina[pagina.index("Storia delle modifiche") :]
    assert "Marco Bianchi" in storia
    assert "Registrata" in storia
    assert "Valore lordo (€): € 1.000,00 → € 1.500,00" in storia
    assert "Quota amministrativa (€): € 30,00 → € 45,00" in storia
    assert (
        "Descrizione: Legname per la falegnameria → Legname e colle per la falegnameria" in storia
    )
    assert "Numero documento: — → FT-12" in storia
    assert "Aliquota" not in storia  # unchanged: the rate is kept
    assert storia.index("Valore lordo") < storia.index("Registrata")  # newest first


def test_the_edit_page_previews_the_saved_charge(client, utente_consorzio, prestazione):
    pagina = leggi(entra(client, utente_consorzio).get(url("prestazione_modifica", prestazione.pk)))
    assert (
        "Quota amministrativa 3%: € 30,00 — addebito totale € 1.030,00 — "
        "alla tranche «2024» resteranno € 11.970,00"
    ) in pagina
    assert f'data-pk="{prestazione.pk}"' in pagina


def test_a_prestazione_is_deleted_through_the_page(client, utente_consorzio, prestazione):
    entra(client, utente_consorzio)
    conferma = client.get(url("prestazione_elimina", prestazione.pk))
    assert "Eliminare la prestazione?" in leggi(conferma)
    assert Prestazione.objects.exists()
    risposta = client.post(url("prestazione_elimina", prestazione.pk), follow=True)
    assert risposta.redirect_chain[-1][0] == url("prestazioni")
    assert messaggi(risposta) == ["Prestazione eliminata: la tranche 2024 riacquista € 1.030,00."]
    assert not Prestazione.objects.exists()
    assert prestazione.history.latest().history_type == "-"


# The preview


def test_the_preview_gives_the_rules_figures_for_the_worked_example(
    client, utente_consorzio, tranche_2024, accordo
):
    entra(client, utente_consorzio)
    dati = client.get(
        url("anteprima"), {"tranche": tranche_2024.pk, "tipo": "servizi", "importo": "1.234,56"}
    ).json()
    valore = Decimal("1234.56")
    quota = rules.quota_amministrativa(valore, accordo.aliquota_quota_amministrativa)
    saldi_tranche = saldi(in_ordine(accordo.tranche.all()))
    prima = rules.disponibili(saldi_tranche, accordo.riporto_residui)[0]
    assert (quota, prima) == (Decimal("37.04"), Decimal("13000.00"))
    assert dati == {
        "pronta": True,
        "errori": [],
        "tranche": "2024",
        "progettazione": False,
        "aliquota": "3.00",
        "aliquota_testo": "3%",
        "quota": "37.04",
        "quota_euro": "€ 37,04",
        "totale": "1271.60",
        "totale_euro": "€ 1.271,60",
        "disponibile_prima": "13000.00",
        "disponibile_prima_euro": "€ 13.000,00",
        "disponibile_dopo": "11728.40",
        "disponibile_dopo_euro": "€ 11.728,40",
        "progettazione_disponibile_dopo": None,
        "progettazione_disponibile_dopo_euro": None,
        "violazioni": [],
        "testo": "Quota amministrativa 3%: € 37,04 — addebito totale € 1.271,60 — "
        "alla tranche «2024» resteranno € 11.728,40",
    }


def test_the_preview_lists_the_rules_a_save_would_break(
    client, utente_consorzio, tranche_2024, accordo, crea_prestazione
):
    crea_prestazione(tranche_2024, "12000.00")
    saldi_tranche = saldi(in_ordine(accordo.tranche.all()))
    attese = rules.verifica_addebito(
        saldi_tranche,
        rules.addebito(
            tranche=0, valore=Decimal("1000.00"), aliquota=Decimal("3"), progettazione=False
        ),
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    )
    entra(client, utente_consorzio)
    dati = client.get(
        url("anteprima"), {"tranche": tranche_2024.pk, "tipo": "servizi", "importo": "1000"}
    ).json()
    assert dati["violazioni"] == [v.messaggio for v in attese]
    assert dati["violazioni"][0].startswith("Capienza della tranche «2024» superata")
    assert dati["disponibile_prima"] == "640.00" and dati["disponibile_dopo"] == "-390.00"


def test_the_preview_of_an_edit_uses_the_stored_rate_and_frees_the_old_charge(
    client, utente_consorzio, prestazione, tranche_2024, accordo
):
    accordo.aliquota_quota_amministrativa = Decimal("4.00")
    services.accordo_salva(accordo=accordo)
    entra(client, utente_consorzio)
    richiesta = {"tranche": tranche_2024.pk, "tipo": "servizi", "importo": "2000"}
    modifica = client.get(url("anteprima"), {**richiesta, "pk": prestazione.pk}).json()
    assert (modifica["aliquota"], modifica["quota"]) == ("3.00", "60.00")
    assert modifica["disponibile_prima"] == "11970.00"
    assert modifica["disponibile_dopo"] == "10940.00"  # 13.000 - 2.060
    nuova = client.get(url("anteprima"), richiesta).json()
    assert (nuova["aliquota"], nuova["quota"]) == ("4.00", "80.00")
    assert nuova["disponibile_dopo"] == "9890.00"  # 11.970 - 2.080


def test_the_preview_of_design_work_shows_what_the_cap_keeps(
    client, utente_consorzio, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2025, "5000.00", tipo="progettazione", fornitore=None)
    entra(client, utente_consorzio)
    richiesta = {"tranche": tranche_2025.pk, "tipo": "progettazione", "importo": "600"}
    dati = client.get(url("anteprima"), richiesta).json()
    assert (dati["quota"], dati["totale"]) == ("0.00", "600.00")
    assert dati["progettazione_disponibile_dopo"] == "400.00"
    assert dati["progettazione_disponibile_dopo_euro"] == "€ 400,00"
    assert dati["violazioni"] == []
    troppo = client.get(url("anteprima"), {**richiesta, "importo": "1.200,00"}).json()
    assert troppo["violazioni"][0].startswith("Tetto della quota progettazione superato")


@pytest.mark.parametrize(
    ("importo", "atteso"),
    [
        ("abc", "«abc» non è un importo valido."),
        ("-3", "L'importo deve essere maggiore di zero (indicato -€ 3,00)."),
        ("1,234", "«1,234» ha più di due decimali: indicare l'importo al centesimo."),
        ("", "Questo campo è obbligatorio."),
        ("9" * 30, "Assicurati che non vi siano più di 12 cifre in totale."),
    ],
)
def test_the_preview_explains_a_bad_amount(client, utente_consorzio, tranche_2024, importo, atteso):
    entra(client, utente_consorzio)
    dati = client.get(
        url("anteprima"), {"tranche": tranche_2024.pk, "tipo": "servizi", "importo": importo}
    ).json()
    assert dati == {"pronta": False, "errori": [atteso]}


# The list


def test_the_list_shows_rows_totals_and_the_budget_situation(
    client, utente_consorzio, tranche_2024, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2024, "1234.56", descrizione="Pulmino")
    crea_prestazione(tranche_2025, "1000.00", descrizione="Cancelleria")
    crea_prestazione(tranche_2025, "500.00", tipo="progettazione", fornitore=None)
    pagina = leggi(entra(client, utente_consorzio).get(url("prestazioni")))
    totali = client.get(url("prestazioni")).context["totali"]
    assert totali == {
        "numero": 3,
        "valore": Decimal("2734.56"),
        "quote": Decimal("67.04"),
        "totale": Decimal("2801.60"),
    }
    assert "3 prestazioni" in pagina
    assert "€ 2.734,56" in pagina and "€ 67,04" in pagina and "€ 2.801,60" in pagina
    assert "€ 37,04" in pagina and "(3%)" in pagina and "€ 1.271,60" in pagina
    # Situation: 2024 keeps 11.728,40 of 13.000; the design cap 5.500 of 6.000.
    assert "€ 11.728,40" in pagina and "€ 5.500,00" in pagina
    assert pagina.index("Cancelleria") < pagina.index("Pulmino")  # newest first


def test_the_totals_follow_the_filters(
    client, utente_consorzio, tranche_2024, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2024, "1234.56")
    crea_prestazione(tranche_2025, "1000.00")
    entra(client, utente_consorzio)
    totali = client.get(url("prestazioni"), {"tranche": tranche_2025.pk}).context["totali"]
    assert totali == {
        "numero": 1,
        "valore": Decimal("1000.00"),
        "quote": Decimal("30.00"),
        "totale": Decimal("1030.00"),
    }


def test_an_empty_list_says_so(client, utente_consorzio, accordo):
    pagina = leggi(entra(client, utente_consorzio).get(url("prestazioni")))
    assert "Nessuna prestazione" in pagina
    assert "Registra la prima prestazione" in pagina


def test_the_filters_narrow_the_list(
    client, utente_consorzio, tranche_2024, tranche_2025, fornitore, crea_prestazione
):
    altro_fornitore = _ente(
        nome="Cartoleria Padana", tipo=TipoEnte.FORNITORE, partita_iva=partita_iva("0207890019")
    )
    crea_prestazione(
        tranche_2024,
        descrizione="Legname",
        tipo="beni_consumo",
        data=date(2024, 10, 4),
        numero_documento="FT-77",
    )
    crea_prestazione(
        tranche_2024,
        descrizione="Pulmino",
        data=date(2024, 11, 20),
        fornitore=altro_fornitore,
    )
    crea_prestazione(tranche_2025, descrizione="Educatori estate", data=date(2025, 6, 30))
    entra(client, utente_consorzio)

    def descrizioni(**filtri) -> set[str]:
        risposta = client.get(url("prestazioni"), filtri)
        return {p.descrizione for p in risposta.context["pagina"].object_list}

    assert descrizioni() == {"Legname", "Pulmino", "Educatori estate"}
    assert descrizioni(tipo="beni_consumo") == {"Legname"}
    assert descrizioni(tranche=tranche_2025.pk) == {"Educatori estate"}
    assert descrizioni(dal="2024-10-10", al="2024-12-31") == {"Pulmino"}
    assert descrizioni(dal="2025-01-01") == {"Educatori estate"}
    assert descrizioni(q="pulm") == {"Pulmino"}
    assert descrizioni(q="cartoleria") == {"Pulmino"}
    assert descrizioni(q="FT-77") == {"Legname"}
    assert descrizioni(fornitore=altro_fornitore.pk) == {"Pulmino"}
    assert descrizioni(tipo="servizi", tranche=tranche_2024.pk) == {"Pulmino"}
    # A single agreement in reach: no agreement choice.
    assert "accordo" not in client.get(url("prestazioni")).context["filtro"].form.fields


def test_the_supplier_filter_offers_only_suppliers_of_the_visible_rows(
    client, utente_consorzio, prestazione, fornitore, altro_accordo
):
    entra(client, utente_consorzio)
    campo = client.get(url("prestazioni")).context["filtro"].form.fields["fornitore"]
    assert list(campo.queryset) == [fornitore]


def test_the_list_needs_the_same_queries_for_3_or_60_prestazioni(
    client, utente_consorzio, tranche_2024, tranche_2025, crea_prestazione
):
    for giorno in range(3):
        crea_prestazione(tranche_2024, data=date(2024, 10, giorno + 1))
    entra(client, utente_consorzio)
    client.get(url("prestazioni"))  # warm the session and the user
    with CaptureQueriesContext(connection) as poche:
        assert client.get(url("prestazioni")).status_code == 200
    for giorno in range(57):
        tranche = tranche_2024 if giorno % 2 else tranche_2025
        crea_prestazione(tranche, data=tranche.data_inizio.replace(day=giorno % 28 + 1))
    with CaptureQueriesContext(connection) as molte:
        risposta = client.get(url("prestazioni"))
    assert risposta.context["totali"]["numero"] == 60
    assert len(molte) == len(poche)
    # Recorded: 12 queries. Session, user with its organisation;
    # the agreements' count (filter); the totals, which count the rows for
    # the paginator too; the budget (agreements, tranches, their sums); the
    # header's agreement; the tranche, supplier and laboratory choices; the
    # page's rows.
    assert len(poche) == 12, [q["sql"] for q in poche.captured_queries]


def test_the_list_is_paginated_by_25(client, utente_consorzio, tranche_2024, crea_prestazione):
    for giorno in range(30):
        crea_prestazione(tranche_2024, data=date(2024, 10, 1 + giorno), descrizione=f"P{giorno}")
    entra(client, utente_consorzio)
    prima = client.get(url("prestazioni"))
    assert len(prima.context["pagina"].object_list) == 25
    assert "Pagina 1 di 2" in leggi(prima)
    seconda = client.get(url("prestazioni"), {"pagina": 2})
    assert [p.descrizione for p in seconda.context["pagina"].object_list] == [
        "P4",
        "P3",
        "P2",
        "P1",
        "P0",
    ]
    assert seconda.context["totali"]["numero"] == 30
