"""A cooperative educator logs a session on a phone, in a real browser.

Headless Debian Chromium driven by Playwright against pytest-django's live
server, at 375 x 812 CSS pixels with touch: the form must fit the width (no
horizontal scroll, every field inside the screen), a mistake must be
explained on the page, and the saved session must have its attendance.
Screenshots go to artifacts/ for a person to look at.
"""

import os
from datetime import date
from pathlib import Path

import pytest

from laboratori import services
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, TipoLaboratorio
from tests.conftest import PASSWORD, registrato_il
from tests.navigatore import ARTEFATTI, CHROMIUM, TELEFONO

# Playwright's sync API runs an event loop in this thread; the live server's
# ORM calls from the test itself would otherwise be refused as "async".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato in /usr/bin"),
]

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def ciclofficina(accordo, cooperativa_a) -> Laboratorio:
    return services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Ciclofficina Civico 81",
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa_a,
            luogo="Civico 81, Cremona",
            data_inizio=date(2025, 1, 7),
            data_fine=date(2025, 6, 30),
            sessioni_previste=20,
        )
    )


@pytest.fixture
def ragazzi(ciclofficina) -> list[Partecipante]:
    return [
        services.partecipante_crea(
            laboratorio=ciclofficina,
            fascia_eta=fascia,
            genere=genere,
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for fascia, genere in [("11_13", "F"), ("14_15", "M"), ("11_13", "M"), ("16_17", "F")]
    ]


def salva_schermata(pagina, nome: str) -> Path:
    """A full-page PNG in artifacts/, checked not to be blank: a white or
    unstyled page compresses to a few KB, a real page does not."""
    ARTEFATTI.mkdir(exist_ok=True)
    percorso = ARTEFATTI / nome
    dati = pagina.screenshot(path=str(percorso), full_page=True)
    assert dati[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(dati) > 10_000, f"{nome}: schermata sospetta ({len(dati)} byte)"
    return percorso


def controlla_larghezza(pagina, larghezza: int) -> None:
    """No horizontal scroll, and every visible field inside the screen."""
    assert pagina.evaluate("document.documentElement.scrollWidth") <= pagina.evaluate(
        "window.innerWidth"
    )
    fuori = pagina.evaluate(
        """(larghezza) => [...document.querySelectorAll(
               'input:not([type=hidden]), select, textarea, button, label')]
             .filter(e => e.getClientRects().length)
             .filter(e => { const r = e.getBoundingClientRect();
                            return r.left < 0 || r.right > larghezza + 0.5; })
             .map(e => e.id || e.name || e.outerHTML.slice(0, 80))""",
        larghezza,
    )
    assert fuori == [], f"fuori dallo schermo: {fuori}"


def controlla_stile(pagina) -> None:
    """Bootstrap Italia and our CSS were served and applied."""
    colore = pagina.evaluate(
        "getComputedStyle(document.querySelector('.it-header-slim-wrapper')).backgroundColor"
    )
    assert colore not in ("rgba(0, 0, 0, 0)", "transparent"), colore


def entra(pagina, base: str, username: str) -> None:
    pagina.goto(f"{base}/accesso/")
    pagina.fill("#id_username", username)
    pagina.fill("#id_password", PASSWORD)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Entra").click()


# The educator logs on 12 March the session of the day before.
@pytest.mark.oggi("2025-03-12")
def test_a_cooperative_logs_a_session_on_a_phone(
    browser, live_server, utente_coop_a, ciclofficina, ragazzi
):
    contesto = browser.new_context(
        viewport=TELEFONO, is_mobile=True, has_touch=True, device_scale_factor=2, locale="it-IT"
    )
    pagina = contesto.new_page()
    fogli_di_stile = []
    pagina.on(
        "response",
        lambda r: fogli_di_stile.append((r.url, r.status)) if r.url.endswith(".css") else None,
    )

    entra(pagina, live_server.url, utente_coop_a.username)
    # The cooperative lands on its dashboard, then opens its laboratories.
    assert pagina.locator("h1").inner_text() == "Cruscotto"
    pagina.goto(f"{live_server.url}/laboratori/")
    assert pagina.locator("h1").inner_text() == "I miei laboratori"
    assert all(stato in (200, 304) for _url, stato in fogli_di_stile), fogli_di_stile
    assert any("bootstrap-italia.min.css" in url for url, _stato in fogli_di_stile)
    controlla_stile(pagina)
    salva_schermata(pagina, "telefono-1-i-miei-laboratori.png")
    controlla_larghezza(pagina, TELEFONO["width"])

    with pagina.expect_navigation():
        pagina.get_by_role("link", name="Registra sessione di Ciclofficina Civico 81").tap()
    assert pagina.locator("h1").inner_text() == "Registra sessione"
    controlla_larghezza(pagina, TELEFONO["width"])
    assert pagina.locator("input#id_data").get_attribute("type") == "date"
    assert pagina.locator("input#id_ora_inizio").get_attribute("type") == "time"

    # First a slip of the finger: the end before the start.
    pagina.fill("#id_data", "2025-03-11")
    pagina.fill("#id_ora_inizio", "15:00")
    pagina.fill("#id_ora_fine", "13:00")
    pagina.fill("#id_educatori", "Marta, Luca")
    pagina.fill("#id_numero_educatori", "2")
    pagina.fill("#id_ore_educatori", "5")
    for ragazzo in ragazzi[:2]:
        pagina.locator(f"label:has-text('{ragazzo.codice}')").tap()
    pagina.get_by_text("Aggiungi nuovi partecipanti").tap()
    pagina.select_option("#id_nuovi_fascia_eta", "14_15")
    pagina.select_option("#id_nuovi_genere", "F")
    pagina.select_option("#id_nuovi_livello_scolastico", "secondaria_2")
    pagina.select_option("#id_nuovi_servizio_inviante", "spazio_agio")
    pagina.fill("#id_nuovi_quanti", "1")
    salva_schermata(pagina, "telefono-2-modulo-compilato.png")
    controlla_larghezza(pagina, TELEFONO["width"])

    pulsante = pagina.get_by_role("button", name="Salva la sessione")
    larghezza_pulsante = pulsante.bounding_box()["width"]
    assert larghezza_pulsante > TELEFONO["width"] * 0.8  # full width on a phone
    with pagina.expect_navigation():
        pulsante.tap()
    assert "La sessione non è stata salvata" in pagina.locator("#errori-modulo").inner_text()
    assert pagina.get_by_text(
        "L'ora di fine deve essere successiva all'ora di inizio."
    ).is_visible()
    assert Sessione.objects.count() == 0
    assert Partecipante.objects.count() == len(ragazzi)
    salva_schermata(pagina, "telefono-3-errore.png")
    controlla_larghezza(pagina, TELEFONO["width"])

    # Corrected: the ticks and the new participant's data are still there.
    for ragazzo in ragazzi[:2]:
        assert pagina.locator(f"input[name=presenti][value='{ragazzo.pk}']").is_checked()
    assert pagina.locator("#id_nuovi_quanti").input_value() == "1"
    pagina.fill("#id_ora_fine", "17:30")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Salva la sessione").tap()

    messaggio = pagina.locator(".alert-success").inner_text()
    assert "Sessione del 11/03/2025 salvata con 3 presenti." in messaggio
    nuovo = Partecipante.objects.exclude(pk__in=[r.pk for r in ragazzi]).get()
    assert f"Nuovo partecipante: {nuovo.codice}" in messaggio
    salva_schermata(pagina, "telefono-4-laboratorio-dopo-il-salvataggio.png")
    controlla_larghezza(pagina, TELEFONO["width"])

    sessione = Sessione.objects.get()
    assert sessione.laboratorio == ciclofficina
    assert sessione.creata_da == utente_coop_a
    assert set(Presenza.objects.values_list("partecipante_id", flat=True)) == {
        ragazzi[0].pk,
        ragazzi[1].pk,
        nuovo.pk,
    }
    contesto.close()


@pytest.mark.parametrize("larghezza", [375, 1280])
def test_the_consortium_s_pages_fit_the_screen(
    browser, live_server, utente_consorzio, cooperativa_b, ciclofficina, ragazzi, larghezza
):
    with registrato_il():
        services.sessione_salva(
            sessione=Sessione(
                laboratorio=ciclofficina,
                data=date(2025, 3, 4),
                ora_inizio="16:00",
                ora_fine="18:00",
                educatori="Marta",
                numero_educatori=1,
                ore_educatori="2.5",
                volontari=2,
                ore_volontari="4",
            ),
            presenti=ragazzi[:3],
        )
    services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=ciclofficina.accordo,
            titolo="Doposcuola Zaist",
            tipo=TipoLaboratorio.DOPOSCUOLA,
            cooperativa=cooperativa_b,
            luogo="Quartiere Zaist, Cremona",
            data_inizio=date(2024, 10, 1),
            data_fine=date(2025, 5, 31),
            sessioni_previste=30,
        )
    )
    telefono = larghezza < 600
    contesto = browser.new_context(
        viewport={"width": larghezza, "height": 812 if telefono else 900},
        is_mobile=telefono,
        has_touch=telefono,
        locale="it-IT",
    )
    pagina = contesto.new_page()
    entra(pagina, live_server.url, utente_consorzio.username)
    for nome, percorso in [
        ("elenco", "/laboratori/"),
        ("dettaglio", f"/laboratori/{ciclofficina.pk}/"),
        ("modulo", f"/laboratori/{ciclofficina.pk}/sessioni/nuova/"),
    ]:
        pagina.goto(live_server.url + percorso)
        controlla_stile(pagina)
        salva_schermata(pagina, f"consorzio-{nome}-{larghezza}.png")
        controlla_larghezza(pagina, larghezza)
    contesto.close()
