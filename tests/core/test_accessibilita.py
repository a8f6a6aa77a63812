"""Accessibility in a real browser: axe-core on every kind of page, and the
keyboard.

axe-core (bundled by axe-playwright-python) runs in headless Debian Chromium
against pytest-django's live server, on each kind of page the application
has, in the states a person meets: empty forms, forms showing an error, the
Comune's review form, the error pages, a phone-width cooperative. A
violation whose impact is "serious" or "critical" fails the test; the
moderate and minor ones are printed for a person to weigh.

The keyboard tests tab through the two forms people fill most, at phone
width too, and check that focus is always visible and reaches the submit
button, and that the skip link comes first and lands in <main>.
"""

import os
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils.text import slugify

from laboratori import services as lab_services
from laboratori.models import Laboratorio, Partecipante, Sessione, TipoLaboratorio
from rendicontazione import services as rend_services
from rendicontazione.models import Rendiconto
from tests.conftest import PASSWORD, registrato_il
from tests.navigatore import CHROMIUM, SCRIVANIA, TELEFONO

# Playwright's sync API runs an event loop in this thread; the live server's
# ORM calls from the test itself would otherwise be refused as "async".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RADICE = Path(__file__).resolve().parents[2]
RAPPORTI = RADICE / "artifacts" / "axe"
GRAVI = ("serious", "critical")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato in /usr/bin"),
]

sync_api = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

# Violations that belong to Django's admin, not to our templates: each
# (rule, start of the node's CSS selector) is excluded from the admin pages
# only, with the reason. Our own pages get no exclusion.
ESCLUSIONI_ADMIN: dict[tuple[str, str], str] = {
    ("link-in-text-block", ".breadcrumbs > a"): (
        "Django's admin stylesheet draws the breadcrumbs' links white, not underlined, "
        "on light-blue text (1.42:1 between link and text); the admin is not our design"
    ),
}


@pytest.fixture
def axe():
    return axe_sync.Axe()


def entra(pagina, base: str, username: str) -> None:
    pagina.goto(f"{base}/accesso/")
    pagina.fill("#id_username", username)
    pagina.fill("#id_password", PASSWORD)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Entra").click()


def nuova_pagina(browser, viewport=SCRIVANIA):
    telefono = viewport["width"] < 600
    contesto = browser.new_context(
        viewport=viewport, is_mobile=telefono, has_touch=telefono, locale="it-IT"
    )
    return contesto, contesto.new_page()


def _selettore(nodo: dict) -> str:
    return ", ".join(map(str, nodo["target"]))


class Verifica:
    """Runs axe on pages and keeps what it finds, so that one test reports
    every page's problems at once instead of stopping at the first."""

    def __init__(self, axe):
        self.axe = axe
        self.gravi: list[str] = []
        self.lievi: list[str] = []
        self.pagine: list[str] = []

    def controlla(self, pagina, nome: str, *, esclusioni: dict | None = None) -> None:
        esclusioni = esclusioni or {}
        risultato = self.axe.run(pagina, options={"resultTypes": ["violations", "incomplete"]})
        # The whole answer, for a person to read what axe could not decide.
        RAPPORTI.mkdir(parents=True, exist_ok=True)
        risultato.save_to_file(RAPPORTI / f"{slugify(nome)}.json")
        violazioni = risultato.response["violations"]
        da_rivedere = sorted({voce["id"] for voce in risultato.response["incomplete"]})
        riassunto = f"{nome}: " + (
            ", ".join(f"{v['id']} ({v['impact']})" for v in violazioni) or "nessuna violazione"
        )
        if da_rivedere:
            riassunto += f"; da rivedere a mano: {', '.join(da_rivedere)}"
        self.pagine.append(riassunto)
        for violazione in violazioni:
            nodi = [
                nodo
                for nodo in violazione["nodes"]
                if not any(
                    regola == violazione["id"] and _selettore(nodo).startswith(inizio)
                    for regola, inizio in esclusioni
                )
            ]
            if not nodi:
                self.pagine[-1] += f" [{violazione['id']}: esclusa, dell'admin di Django]"
                continue
            righe = "".join(
                f"\n      {_selettore(n)}: {n['html'][:160]}"
                f"\n        {n.get('failureSummary', '').replace(chr(10), ' ')[:300]}"
                for n in nodi[:6]
            )
            testo = (
                f"[{nome}] {violazione['id']} ({violazione['impact']}): "
                f"{violazione['help']}, {len(nodi)} nodi{righe}"
            )
            (self.gravi if violazione["impact"] in GRAVI else self.lievi).append(testo)

    def esito(self) -> None:
        print("\n" + "\n".join(self.pagine))
        if self.lievi:
            print("\nViolazioni moderate o lievi (non bloccanti):")
            print("\n".join(self.lievi))
        assert not self.gravi, "Violazioni gravi:\n" + "\n".join(self.gravi)


# Data: one of each thing a page can show.


@pytest.fixture
def dati(accordo, tranche_2024, cooperativa_a, crea_prestazione, utente_consorzio):
    """One of each thing a page can show, recorded once its days are past."""
    with registrato_il():
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
                fascia_eta=fascia,
                genere=genere,
                livello_scolastico="secondaria_1",
                servizio_inviante="scuola",
            )
            for fascia, genere in [("11_13", "F"), ("14_15", "M"), ("11_13", "M")]
        ]
        lab_services.sessione_salva(
            sessione=Sessione(
                laboratorio=laboratorio,
                data=date(2024, 10, 15),
                ora_inizio=time(15, 0),
                ora_fine=time(17, 0),
                educatori="Marta",
                numero_educatori=1,
                ore_educatori=Decimal("2"),
            ),
            presenti=ragazzi[:2],
        )
        prestazioni = [
            crea_prestazione(
                tranche_2024,
                "1234.56",
                data=date(2024, 10, 4),
                descrizione="Trasporto",
                laboratorio=laboratorio,
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
        rendiconto = rend_services.rendiconto_salva(
            rendiconto=Rendiconto(
                accordo=accordo,
                dal=date(2024, 9, 1),
                al=date(2024, 12, 31),
                attivita_svolte="Avvio dei laboratori.",
            ),
            utente=utente_consorzio,
        )
        rend_services.invia(rendiconto=rendiconto, utente=utente_consorzio)
        return {"laboratorio": laboratorio, "prestazioni": prestazioni, "rendiconto": rendiconto}


# axe on every kind of page


def test_login_and_error_pages_have_no_serious_violation(
    browser, live_server, axe, utente_comune, dati
):
    verifica = Verifica(axe)
    contesto, pagina = nuova_pagina(browser)
    base = live_server.url

    pagina.goto(f"{base}/accesso/")
    verifica.controlla(pagina, "accesso")
    pagina.fill("#id_username", utente_comune.username)
    pagina.fill("#id_password", "sbagliata")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Entra").click()
    assert pagina.locator(".alert-danger").is_visible()
    verifica.controlla(pagina, "accesso con errore")

    entra(pagina, base, utente_comune.username)
    # The Comune reads the spending but may not register it: 403.
    risposta = pagina.goto(f"{base}/budget/prestazioni/nuova/")
    assert risposta.status == 403
    verifica.controlla(pagina, "403")
    risposta = pagina.goto(f"{base}/budget/prestazioni/999999/")
    assert risposta.status == 404
    verifica.controlla(pagina, "404")
    # The 500 page stands alone (no base layout, no context), rendered as
    # Django's server_error view renders it.
    pagina.set_content(render_to_string("500.html"))
    verifica.controlla(pagina, "500")
    contesto.close()
    verifica.esito()


@pytest.mark.parametrize("viewport", [TELEFONO, SCRIVANIA], ids=["telefono", "scrivania"])
def test_comune_pages_have_no_serious_violation(
    browser, live_server, axe, utente_comune, dati, viewport
):
    verifica = Verifica(axe)
    larghezza = f"{viewport['width']} px"
    contesto, pagina = nuova_pagina(browser, viewport)
    base = live_server.url
    entra(pagina, base, utente_comune.username)
    verifica.controlla(pagina, f"cruscotto del Comune, {larghezza}")
    rendiconto = dati["rendiconto"]
    pagina.goto(f"{base}/rendiconti/")
    verifica.controlla(pagina, f"elenco rendiconti (Comune), {larghezza}")
    pagina.goto(f"{base}/rendiconti/{rendiconto.pk}/")
    assert pagina.locator("#revisione").is_visible()
    verifica.controlla(pagina, f"rendiconto inviato con revisione (Comune), {larghezza}")
    # Sending back without remarks is refused: the review form with its error.
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Rimanda al Consorzio").click()
    verifica.controlla(pagina, f"revisione con errore (Comune), {larghezza}")
    contesto.close()
    verifica.esito()


@pytest.mark.parametrize("viewport", [TELEFONO, SCRIVANIA], ids=["telefono", "scrivania"])
def test_consorzio_pages_have_no_serious_violation(
    browser, live_server, axe, utente_consorzio, dati, viewport
):
    verifica = Verifica(axe)
    larghezza = f"{viewport['width']} px"
    contesto, pagina = nuova_pagina(browser, viewport)
    base = live_server.url
    entra(pagina, base, utente_consorzio.username)
    verifica.controlla(pagina, f"cruscotto del Consorzio, {larghezza}")

    prestazione = dati["prestazioni"][0]
    pagina.goto(f"{base}/budget/prestazioni/")
    verifica.controlla(pagina, f"elenco prestazioni, {larghezza}")
    pagina.goto(f"{base}/budget/prestazioni/{prestazione.pk}/")
    verifica.controlla(pagina, f"dettaglio prestazione, {larghezza}")
    pagina.goto(f"{base}/budget/prestazioni/nuova/")
    verifica.controlla(pagina, f"nuova prestazione, {larghezza}")
    pagina.fill("#id_importo", "20000")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Registra la prestazione").click()
    assert pagina.locator("#errori-modulo").is_visible()
    verifica.controlla(pagina, f"nuova prestazione con errori, {larghezza}")

    laboratorio = dati["laboratorio"]
    pagina.goto(f"{base}/laboratori/")
    verifica.controlla(pagina, f"elenco laboratori, {larghezza}")
    pagina.goto(f"{base}/laboratori/{laboratorio.pk}/")
    verifica.controlla(pagina, f"dettaglio laboratorio, {larghezza}")

    rendiconto = dati["rendiconto"]
    pagina.goto(f"{base}/rendiconti/")
    verifica.controlla(pagina, f"elenco rendiconti, {larghezza}")
    pagina.goto(f"{base}/rendiconti/{rendiconto.pk}/")
    verifica.controlla(pagina, f"dettaglio rendiconto, {larghezza}")
    pagina.goto(f"{base}/rendiconti/nuovo/")
    verifica.controlla(pagina, f"nuovo rendiconto, {larghezza}")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Salva il rendiconto").click()
    assert pagina.locator("#errori-modulo").is_visible()
    verifica.controlla(pagina, f"nuovo rendiconto con errori, {larghezza}")
    contesto.close()
    verifica.esito()


@pytest.mark.parametrize("viewport", [TELEFONO, SCRIVANIA], ids=["telefono", "scrivania"])
def test_cooperative_pages_have_no_serious_violation(
    browser, live_server, axe, utente_coop_a, dati, viewport
):
    verifica = Verifica(axe)
    larghezza = f"{viewport['width']} px"
    contesto, pagina = nuova_pagina(browser, viewport)
    base = live_server.url
    laboratorio = dati["laboratorio"]
    entra(pagina, base, utente_coop_a.username)
    verifica.controlla(pagina, f"cruscotto della cooperativa, {larghezza}")
    pagina.goto(f"{base}/laboratori/")
    verifica.controlla(pagina, f"i miei laboratori, {larghezza}")
    pagina.goto(f"{base}/laboratori/{laboratorio.pk}/")
    verifica.controlla(pagina, f"dettaglio laboratorio (cooperativa), {larghezza}")
    pagina.goto(f"{base}/laboratori/{laboratorio.pk}/sessioni/nuova/")
    verifica.controlla(pagina, f"registra sessione, {larghezza}")
    pagina.fill("#id_data", "2025-03-11")
    pagina.fill("#id_ora_inizio", "15:00")
    pagina.fill("#id_ora_fine", "13:00")
    pagina.get_by_text("Aggiungi nuovi partecipanti").click()
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Salva la sessione").click()
    assert pagina.locator("#errori-modulo").is_visible()
    verifica.controlla(pagina, f"registra sessione con errori, {larghezza}")
    contesto.close()
    verifica.esito()


def test_admin_pages_have_no_serious_violation_of_ours(
    browser, live_server, axe, superutente, dati
):
    verifica = Verifica(axe)
    contesto, pagina = nuova_pagina(browser)
    base = live_server.url
    entra(pagina, base, superutente.username)
    prestazione = dati["prestazioni"][0]
    pagina.goto(f"{base}/admin/budget/prestazione/")
    verifica.controlla(pagina, "admin: elenco prestazioni", esclusioni=ESCLUSIONI_ADMIN)
    pagina.goto(f"{base}/admin/budget/prestazione/{prestazione.pk}/change/")
    verifica.controlla(pagina, "admin: modifica prestazione", esclusioni=ESCLUSIONI_ADMIN)
    contesto.close()
    verifica.esito()


def test_axe_core_comes_from_the_python_package(browser, live_server, axe):
    """The engine is the axe-core bundled with axe-playwright-python: nothing
    is fetched from the network, and the version is the pinned package's."""
    contesto, pagina = nuova_pagina(browser)
    richieste = []
    pagina.on("request", lambda r: richieste.append(r.url))
    pagina.goto(f"{live_server.url}/accesso/")
    risultato = axe.run(pagina)
    assert risultato.response["testEngine"]["name"] == "axe-core"
    assert risultato.response["testEngine"]["version"].startswith("4.")
    assert all(url.startswith(live_server.url) for url in richieste), richieste
    contesto.close()


# The keyboard

# The focused element, and whether its focus shows. Bootstrap Italia draws
# focus as a ring (box-shadow) on the element, or, for the checkboxes it
# hides (opacity 0), on their label: the ring must have a visible colour and
# lie inside the screen.
FUOCO_JS = """async () => {
  // Let the ring finish fading in: Bootstrap Italia animates it.
  const fine = Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
  await Promise.race([fine, new Promise(r => setTimeout(r, 1000))]);
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  let segno = e;
  if (getComputedStyle(e).opacity === '0' && e.id) {
    segno = document.querySelector(`label[for="${e.id}"]`) || e;
  }
  const s = getComputedStyle(segno);
  const colori = (testo) => (testo.match(/rgba?\\([^)]*\\)/g) || [])
    .filter(c => !/,\\s*0\\)$/.test(c));
  const anello = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                  && colori(s.outlineColor).length > 0)
                 || (s.boxShadow !== 'none' && colori(s.boxShadow).length > 0);
  const r = segno.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
    valore: e.type === 'checkbox' ? e.value : '',
    testo: (e.innerText || '').trim().slice(0, 60),
    anello: anello,
    nello_schermo: r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
                   && r.bottom > 0 && r.top < innerHeight,
    in_main: !!document.querySelector('main') && document.querySelector('main').contains(e),
  };
}"""


def fuoco(pagina) -> dict | None:
    return pagina.evaluate(FUOCO_JS)


def percorso_tastiera(pagina, *, fino_a: str, massimo: int = 80) -> list[dict]:
    """Press Tab until the button named `fino_a` has focus; the elements met
    on the way, once each (a date field has a tab stop per part)."""
    fermate: list[dict] = []
    for _ in range(massimo):
        pagina.keyboard.press("Tab")
        attuale = fuoco(pagina)
        assert attuale is not None, f"il fuoco è tornato al documento dopo {fermate[-1:]}"
        chiave = (
            attuale["tag"],
            attuale["id"],
            attuale["name"],
            attuale["valore"],
            attuale["testo"],
        )
        if not fermate or fermate[-1]["chiave"] != chiave:
            fermate.append({**attuale, "chiave": chiave})
        if attuale["tag"] == "button" and attuale["testo"] == fino_a:
            return fermate
    raise AssertionError(f"{fino_a!r} non raggiunto con {massimo} Tab: {fermate}")


def tab_fino_a(pagina, massimo: int = 60, **atteso) -> None:
    """Press Tab until the focused element has the given properties."""
    for _ in range(massimo):
        attuale = fuoco(pagina)
        if attuale and all(attuale[chiave] == valore for chiave, valore in atteso.items()):
            return
        pagina.keyboard.press("Tab")
    raise AssertionError(f"{atteso} non raggiunto con {massimo} Tab")


def controlla_fuoco_visibile(fermate: list[dict]) -> None:
    senza = [f["chiave"] for f in fermate if not (f["anello"] and f["nello_schermo"])]
    assert senza == [], f"fuoco non visibile su: {senza}"


def pagina_tastiera(browser, viewport=SCRIVANIA):
    """Reduced motion: Bootstrap's transitions off, so the focus ring is
    read as drawn, not halfway through fading in."""
    telefono = viewport["width"] < 600
    contesto = browser.new_context(
        viewport=viewport,
        is_mobile=telefono,
        has_touch=telefono,
        locale="it-IT",
        reduced_motion="reduce",
    )
    return contesto, contesto.new_page()


@pytest.mark.parametrize("viewport", [TELEFONO, SCRIVANIA], ids=["telefono", "scrivania"])
def test_the_skip_link_comes_first_and_moves_focus_to_main(
    browser, live_server, utente_consorzio, dati, viewport
):
    contesto, pagina = pagina_tastiera(browser, viewport)
    entra(pagina, live_server.url, utente_consorzio.username)
    for percorso in ["/", "/budget/prestazioni/", f"/laboratori/{dati['laboratorio'].pk}/"]:
        pagina.goto(live_server.url + percorso)
        pagina.keyboard.press("Tab")
        primo = fuoco(pagina)
        assert primo["tag"] == "a" and primo["testo"] == "Vai al contenuto", (percorso, primo)
        assert primo["anello"] and primo["nello_schermo"], primo
        pagina.keyboard.press("Enter")
        assert pagina.evaluate("document.activeElement.id") == "contenuto", percorso
        assert pagina.url.endswith("#contenuto")
        pagina.keyboard.press("Tab")
        assert fuoco(pagina)["in_main"], (percorso, fuoco(pagina))
    contesto.close()


# The educator types on 4 March the session of 3 March.
@pytest.mark.oggi("2025-03-04")
def test_the_session_form_works_by_keyboard_on_a_phone(browser, live_server, utente_coop_a, dati):
    laboratorio = dati["laboratorio"]
    iscritti = Partecipante.objects.filter(laboratori=laboratorio).count()
    contesto, pagina = pagina_tastiera(browser, TELEFONO)
    entra(pagina, live_server.url, utente_coop_a.username)
    pagina.goto(f"{live_server.url}/laboratori/{laboratorio.pk}/sessioni/nuova/")

    fermate = percorso_tastiera(pagina, fino_a="Salva la sessione")
    controlla_fuoco_visibile(fermate)
    nel_modulo = [f["id"] or f["testo"] for f in fermate if f["in_main"]]
    attesi = [
        "id_data",
        "id_ora_inizio",
        "id_ora_fine",
        *[f"id_presenti_{i}" for i in range(iscritti)],
        "Aggiungi nuovi partecipanti",
        "id_educatori",
        "id_numero_educatori",
        "id_ore_educatori",
        "id_volontari",
        "id_ore_volontari",
        "id_note",
        "Salva la sessione",
    ]
    assert [voce for voce in nel_modulo if voce in attesi] == attesi, nel_modulo

    # Now the whole session by keyboard alone: type, tick, open, choose, send.
    pagina.reload()
    pagina.keyboard.press("Tab")
    pagina.keyboard.press("Enter")  # the skip link
    tab_fino_a(pagina, id="id_data")
    # Chromium orders a date field's parts by its own interface language,
    # not the page's: 3 March reads the same day-first or month-first.
    pagina.keyboard.type("03032025")
    assert pagina.input_value("#id_data") == "2025-03-03"
    tab_fino_a(pagina, id="id_ora_inizio")
    pagina.keyboard.type("1500")
    tab_fino_a(pagina, id="id_ora_fine")
    pagina.keyboard.type("1700")
    assert (pagina.input_value("#id_ora_inizio"), pagina.input_value("#id_ora_fine")) == (
        "15:00",
        "17:00",
    )
    tab_fino_a(pagina, id="id_presenti_0")
    pagina.keyboard.press("Space")
    pagina.keyboard.press("Tab")
    pagina.keyboard.press("Space")
    spuntati = {int(pagina.locator(f"#id_presenti_{i}").get_attribute("value")) for i in (0, 1)}
    assert pagina.locator("input[name=presenti]:checked").count() == 2
    tab_fino_a(pagina, tag="summary")
    pagina.keyboard.press("Enter")
    assert pagina.locator("details.nuovi-partecipanti").evaluate("d => d.open")
    for campo in ["fascia_eta", "genere", "livello_scolastico", "servizio_inviante"]:
        tab_fino_a(pagina, id=f"id_nuovi_{campo}")
        pagina.keyboard.press("ArrowDown")
        assert pagina.input_value(f"#id_nuovi_{campo}") != ""
    tab_fino_a(pagina, id="id_nuovi_quanti")
    pagina.keyboard.press("Control+A")
    pagina.keyboard.type("1")
    tab_fino_a(pagina, testo="Salva la sessione")
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")

    assert "salvata con 3 presenti" in pagina.locator(".alert-success").inner_text()
    sessione = Sessione.objects.get(data=date(2025, 3, 3))
    assert sessione.righe_presenza.count() == 3
    presenti = set(sessione.righe_presenza.values_list("partecipante_id", flat=True))
    assert spuntati < presenti  # the two ticked and the new participant
    contesto.close()


def test_the_prestazione_form_works_by_keyboard(browser, live_server, utente_consorzio, dati):
    contesto, pagina = pagina_tastiera(browser)
    entra(pagina, live_server.url, utente_consorzio.username)
    pagina.goto(f"{live_server.url}/budget/prestazioni/nuova/")

    fermate = percorso_tastiera(pagina, fino_a="Registra la prestazione")
    controlla_fuoco_visibile(fermate)
    nel_modulo = [f["id"] or f["testo"] for f in fermate if f["in_main"]]
    attesi = [
        "id_tranche",
        "id_tipo",
        "id_fornitore",
        "id_laboratorio",
        "id_descrizione",
        "id_data",
        "id_importo",
        "id_numero_documento",
        "id_data_documento",
        "id_documento",
        "Registra la prestazione",
    ]
    assert [voce for voce in nel_modulo if voce in attesi] == attesi, nel_modulo

    # Sent empty from the keyboard: the errors are on the page, announced.
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    riepilogo = pagina.locator("#errori-modulo")
    assert riepilogo.get_attribute("role") == "alert"
    assert "La prestazione non è stata salvata" in riepilogo.inner_text()
    contesto.close()


def test_the_phone_menu_works_by_keyboard(browser, live_server, utente_consorzio, dati):
    contesto, pagina = pagina_tastiera(browser, TELEFONO)
    entra(pagina, live_server.url, utente_consorzio.username)
    menu = pagina.get_by_role("navigation", name="Navigazione principale")
    voce = menu.get_by_role("link", name="Prestazioni")
    assert not voce.is_visible()  # folded away on a phone

    pulsante = pagina.get_by_role("button", name="Mostra o nascondi il menu")
    for _ in range(10):
        pagina.keyboard.press("Tab")
        if pulsante.evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError("il pulsante del menu non riceve il fuoco")
    assert fuoco(pagina)["anello"]
    pagina.keyboard.press("Enter")
    voce.wait_for(state="visible")
    assert pulsante.get_attribute("aria-expanded") == "true"

    tab_fino_a(pagina, tag="a", testo="Prestazioni")
    assert fuoco(pagina)["anello"] and fuoco(pagina)["nello_schermo"]
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    assert pagina.url.endswith("/budget/prestazioni/")
    contesto.close()
