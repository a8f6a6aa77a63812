"""The main journeys, walked in a real browser by each kind of user.

Headless Debian Chromium driven by Playwright against pytest-django's live
server, with the data the fixtures load (the Cremona agreement: tranche 2024
of € 13.000,00 from 01/09/2024, tranche 2025 of € 27.000,00, fee 3%):

- the Comune reads its dashboard and approves a submitted report;
- the Consorzio records a prestazione that would exceed its tranche, reads
  the refusal, then records one that fits;
- a cooperative's educator logs a session with attendance on a phone.

Each journey leaves screenshots in artifacts/ and checks that they show a
page, not a blank or single-colour picture.
"""

import io
import os
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from budget.models import Prestazione
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, TipoLaboratorio
from rendicontazione import services as rend_services
from rendicontazione.models import Rendiconto, StatoRendiconto
from tests.conftest import PASSWORD
from tests.navigatore import ARTEFATTI, CHROMIUM, SCRIVANIA, TELEFONO

# Playwright's sync API runs an event loop in this thread; the live server's
# ORM calls from the test itself would otherwise be refused as "async".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato in /usr/bin"),
]

sync_api = pytest.importorskip("playwright.sync_api")


def nuova_pagina(browser, viewport=SCRIVANIA):
    telefono = viewport["width"] < 600
    contesto = browser.new_context(
        viewport=viewport,
        is_mobile=telefono,
        has_touch=telefono,
        device_scale_factor=2 if telefono else 1,
        locale="it-IT",
    )
    return contesto, contesto.new_page()


def entra(pagina, base: str, username: str) -> None:
    """Log in through the login page, as a person does."""
    pagina.goto(f"{base}/accesso/")
    assert pagina.locator("h1").inner_text() == "Accesso"
    pagina.get_by_label("Nome utente").fill(username)
    pagina.get_by_label("Password").fill(PASSWORD)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Entra").click()
    assert "/accesso/" not in pagina.url, "accesso non riuscito"


def salva_schermata(pagina, nome: str) -> Path:
    """A full-page PNG in artifacts/, checked to show a page: big enough,
    and no single colour covering almost all of it (a blank or unstyled
    page is one white field)."""
    ARTEFATTI.mkdir(exist_ok=True)
    percorso = ARTEFATTI / nome
    # A ticked box draws its tick in 0.2 s: wait, so the picture shows it.
    pagina.evaluate(
        """() => Promise.race([
             Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))),
             new Promise(r => setTimeout(r, 1000))])"""
    )
    dati = pagina.screenshot(path=str(percorso), full_page=True)
    assert dati[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(dati) > 10_000, f"{nome}: schermata sospetta ({len(dati)} byte)"
    with Image.open(io.BytesIO(dati)) as immagine:
        rgb = immagine.convert("RGB")
        # Every 4th pixel each way is plenty to judge, and quick.
        campione = rgb.resize((max(1, rgb.width // 4), max(1, rgb.height // 4)))
        colori = campione.getcolors(maxcolors=campione.width * campione.height)
    totale = sum(n for n, _colore in colori)
    prevalente = max(n for n, _colore in colori)
    assert len(colori) > 50, f"{nome}: solo {len(colori)} colori"
    assert prevalente / totale < 0.97, f"{nome}: un colore copre il {prevalente / totale:.0%}"
    return percorso


def controlla_larghezza(pagina) -> None:
    """No horizontal scroll on the phone."""
    assert pagina.evaluate("document.documentElement.scrollWidth") <= pagina.evaluate(
        "window.innerWidth"
    )


# (a) The Comune reads the dashboard and approves a report


@pytest.fixture
def rendiconto_inviato(accordo, tranche_2024, crea_prestazione, utente_consorzio) -> Rendiconto:
    crea_prestazione(tranche_2024, "1234.56", data=date(2024, 10, 4), descrizione="Trasporto")
    crea_prestazione(
        tranche_2024, "612.40", tipo="beni_consumo", data=date(2024, 11, 8), descrizione="Legno"
    )
    rendiconto = rend_services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo,
            dal=date(2024, 9, 1),
            al=date(2024, 12, 31),
            attivita_svolte="Avvio della ciclofficina e dei tavoli di co-progettazione.",
        ),
        utente=utente_consorzio,
    )
    rend_services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    rendiconto.refresh_from_db()
    assert rendiconto.stato == StatoRendiconto.INVIATO
    return rendiconto


def test_the_comune_reads_the_dashboard_and_approves_a_report(
    browser, live_server, utente_comune, rendiconto_inviato
):
    contesto, pagina = nuova_pagina(browser)
    entra(pagina, live_server.url, utente_comune.username)

    # The dashboard: the 2024 tranche's amount, in Italian format.
    assert pagina.locator("main").get_by_text("€ 13.000,00").first.is_visible()
    assert pagina.locator("main").get_by_text("€ 27.000,00").first.is_visible()
    salva_schermata(pagina, "percorso-comune-1-cruscotto.png")

    with pagina.expect_navigation():
        pagina.get_by_role("navigation", name="Navigazione principale").get_by_role(
            "link", name="Rendiconti"
        ).click()
    with pagina.expect_navigation():
        pagina.get_by_role("link", name="01/09/2024 – 31/12/2024").click()
    assert pagina.locator("h1").inner_text() == str(rendiconto_inviato)
    assert pagina.locator(".stato-badge").first.inner_text() == "Inviato"
    pagina.get_by_role("link", name="Approva o chiedi integrazioni").click()
    revisione = pagina.locator("#revisione")
    assert revisione.is_visible()
    revisione.get_by_label("Osservazioni").first.fill("Rendiconto completo, grazie.")
    salva_schermata(pagina, "percorso-comune-2-revisione.png")

    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Approva il rendiconto").click()
    assert pagina.locator(".alert-success").is_visible()
    assert pagina.locator(".stato-badge").first.inner_text() == "Approvato"
    salva_schermata(pagina, "percorso-comune-3-approvato.png")

    rendiconto_inviato.refresh_from_db()
    assert rendiconto_inviato.stato == StatoRendiconto.APPROVATO
    ultima = rendiconto_inviato.transizioni.order_by("-quando", "-pk").first()
    assert ultima.utente == utente_comune
    assert ultima.osservazioni == "Rendiconto completo, grazie."
    contesto.close()


# (b) The Consorzio records a prestazione over its tranche, then one that fits


def test_the_consorzio_is_refused_a_prestazione_over_the_tranche_then_records_one_that_fits(
    browser, live_server, utente_consorzio, tranche_2024, crea_prestazione, fornitore
):
    # Already charged to 2024: € 1.234,56 + 3% = € 1.271,60; € 11.728,40 left.
    crea_prestazione(tranche_2024, "1234.56", data=date(2024, 10, 4), descrizione="Trasporto")
    contesto, pagina = nuova_pagina(browser)
    entra(pagina, live_server.url, utente_consorzio.username)

    with pagina.expect_navigation():
        pagina.get_by_role("navigation", name="Navigazione principale").get_by_role(
            "link", name="Prestazioni"
        ).click()
    with pagina.expect_navigation():
        pagina.get_by_role("link", name="Nuova prestazione").click()
    assert pagina.locator("h1").inner_text() == "Nuova prestazione"

    pagina.get_by_label("Tranche").select_option(label="2024 (01/09/2024 - 31/12/2024)")
    pagina.get_by_label("Tipo").select_option(label="Acquisto di servizi")
    pagina.get_by_label("Fornitore").select_option(label=fornitore.nome)
    pagina.get_by_label("Descrizione").fill("Laboratorio di falegnameria, materiali e docenza")
    pagina.locator("#id_data").fill("2024-11-20")
    # € 11.500,00 + 3% = € 11.845,00: more than the € 11.728,40 left.
    pagina.get_by_label("Valore lordo (€)").fill("11.500,00")
    anteprima = pagina.locator("#anteprima-addebito .alert-danger")
    anteprima.wait_for()
    assert "Capienza della tranche «2024» superata" in anteprima.inner_text()

    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Registra la prestazione").click()
    errori = pagina.locator("#errori-modulo")
    assert errori.is_visible()
    testo = pagina.locator("main").inner_text()
    assert "Capienza della tranche «2024» superata" in testo
    assert "€ 11.728,40" in testo  # what is left, said with the refusal
    assert Prestazione.objects.count() == 1
    salva_schermata(pagina, "percorso-consorzio-1-rifiuto.png")

    # What was typed is still there; only the amount changes.
    assert pagina.get_by_label("Descrizione").input_value().startswith("Laboratorio")
    pagina.get_by_label("Valore lordo (€)").fill("11.000,00")
    pagina.locator("#anteprima-addebito .alert-info").wait_for()
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Registra la prestazione").click()
    assert pagina.locator(".alert-success").is_visible()
    salva_schermata(pagina, "percorso-consorzio-2-registrata.png")

    nuova = Prestazione.objects.exclude(descrizione="Trasporto").get()
    assert nuova.tranche == tranche_2024
    assert nuova.importo == Decimal("11000.00")
    assert nuova.quota_amministrativa == Decimal("330.00")
    assert nuova.data == date(2024, 11, 20)
    assert nuova.fornitore == fornitore
    assert nuova.creata_da == utente_consorzio
    contesto.close()


# (c) A cooperative logs a session on a phone


@pytest.fixture
def falegnameria(accordo, cooperativa_a) -> Laboratorio:
    return lab_services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Falegnameria di quartiere",
            tipo=TipoLaboratorio.FALEGNAMERIA,
            cooperativa=cooperativa_a,
            luogo="Via Brescia 12, Cremona",
            data_inizio=date(2025, 1, 14),
            data_fine=date(2025, 6, 30),
            sessioni_previste=20,
        )
    )


@pytest.fixture
def iscritti(falegnameria) -> list[Partecipante]:
    return [
        lab_services.partecipante_crea(
            laboratorio=falegnameria,
            fascia_eta=fascia,
            genere=genere,
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for fascia, genere in [("11_13", "F"), ("14_15", "M"), ("14_15", "F")]
    ]


# The educator logs on 12 March the session of the day before.
@pytest.mark.oggi("2025-03-12")
def test_a_cooperative_logs_a_session_with_attendance_on_a_phone(
    browser, live_server, utente_coop_a, falegnameria, iscritti
):
    lab_services.sessione_salva(
        sessione=Sessione(
            laboratorio=falegnameria,
            data=date(2025, 3, 4),
            ora_inizio=time(16, 0),
            ora_fine=time(18, 0),
            educatori="Paolo",
            numero_educatori=1,
            ore_educatori=Decimal("2"),
        ),
        presenti=iscritti,
    )
    contesto, pagina = nuova_pagina(browser, TELEFONO)
    entra(pagina, live_server.url, utente_coop_a.username)
    controlla_larghezza(pagina)

    # The home page lists the cooperative's laboratories, each with its button.
    assert pagina.locator("main").get_by_text(falegnameria.titolo).first.is_visible()
    salva_schermata(pagina, "percorso-cooperativa-1-cruscotto.png")
    with pagina.expect_navigation():
        pagina.get_by_role("link", name=f"Registra sessione di {falegnameria.titolo}").first.tap()
    assert pagina.locator("h1").inner_text() == "Registra sessione"
    controlla_larghezza(pagina)
    # The last session's hours and educator are offered again.
    assert pagina.locator("#id_ora_inizio").input_value() == "16:00"

    pagina.locator("#id_data").fill("2025-03-11")
    for ragazzo in iscritti[:2]:
        pagina.locator(f"label:has-text('{ragazzo.codice}')").tap()
    pagina.get_by_label("Volontari presenti").fill("1")
    salva_schermata(pagina, "percorso-cooperativa-2-modulo.png")

    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Salva la sessione").tap()
    messaggio = pagina.locator(".alert-success").inner_text()
    assert "Sessione del 11/03/2025 salvata con 2 presenti." in messaggio
    controlla_larghezza(pagina)
    salva_schermata(pagina, "percorso-cooperativa-3-salvata.png")

    sessione = Sessione.objects.get(data=date(2025, 3, 11))
    assert sessione.laboratorio == falegnameria
    assert sessione.creata_da == utente_coop_a
    assert (sessione.ora_inizio, sessione.ora_fine) == (time(16, 0), time(18, 0))
    assert sessione.volontari == 1
    assert set(
        Presenza.objects.filter(sessione=sessione).values_list("partecipante", flat=True)
    ) == {
        iscritti[0].pk,
        iscritti[1].pk,
    }
    contesto.close()
