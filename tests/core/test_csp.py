"""The Content-Security-Policy (django-csp, config/settings/base.py) and the
pages that satisfy it.

Every kind of page, the admin's included, is served with the header, and
its markup has nothing the policy would block: no <script> without src, no
inline event handler or javascript: URL, no <style> block, no style=""
attribute. Then the same pages in headless Chromium, with a listener for
`securitypolicyviolation` installed before any of the page's own code runs:
no violation and no console message on any of them.
"""

import os
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from tests.core.test_matrice_permessi import crea_oggetti
from tests.navigatore import ARGOMENTI_CHROMIUM, CHROMIUM

POLITICA = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


# The error pages log their own status in the console: that is the page.
ERRORI = {"pagina non trovata": "404 (Not Found)", "accesso negato": "403 (Forbidden)"}


def pagine(o: dict) -> list[tuple[str, str | None, str]]:
    """(what, who, URL) of each kind of page."""
    prestazione = o["prestazione"].pk
    laboratorio = o["laboratorio_a"].pk
    sessione = o["sessione_a"].pk
    inviato = o["rendiconto_inviato"].pk
    bozza = o["rendiconto_bozza"].pk
    return [
        ("accesso", None, "/accesso/"),
        ("cruscotto del Consorzio", "consorzio", "/"),
        ("cruscotto del Comune", "comune", "/"),
        ("cruscotto della cooperativa", "coop_a", "/"),
        ("elenco prestazioni", "consorzio", "/budget/prestazioni/"),
        ("prestazione", "consorzio", f"/budget/prestazioni/{prestazione}/"),
        ("nuova prestazione", "consorzio", "/budget/prestazioni/nuova/"),
        ("modifica prestazione", "consorzio", f"/budget/prestazioni/{prestazione}/modifica/"),
        ("elimina prestazione", "consorzio", f"/budget/prestazioni/{prestazione}/elimina/"),
        ("elenco laboratori", "coop_a", "/laboratori/"),
        ("laboratorio", "coop_a", f"/laboratori/{laboratorio}/"),
        ("nuova sessione", "coop_a", f"/laboratori/{laboratorio}/sessioni/nuova/"),
        ("modifica sessione", "coop_a", f"/laboratori/sessioni/{sessione}/modifica/"),
        ("elimina sessione", "consorzio", f"/laboratori/sessioni/{sessione}/elimina/"),
        ("elenco rendiconti", "comune", "/rendiconti/"),
        ("rendiconto in revisione", "comune", f"/rendiconti/{inviato}/"),
        ("rendiconto in bozza", "consorzio", f"/rendiconti/{bozza}/"),
        ("nuovo rendiconto", "consorzio", "/rendiconti/nuovo/"),
        ("pagina non trovata", "coop_a", "/budget/prestazioni/"),
        ("accesso negato", "comune", "/budget/prestazioni/nuova/"),
        ("admin, indice", "consorzio", "/admin/"),
        ("admin, elenco prestazioni", "consorzio", "/admin/budget/prestazione/"),
        ("admin, prestazione", "consorzio", f"/admin/budget/prestazione/{prestazione}/change/"),
        ("admin, nuova prestazione", "consorzio", "/admin/budget/prestazione/add/"),
        (
            "admin, storia prestazione",
            "consorzio",
            f"/admin/budget/prestazione/{prestazione}/history/",
        ),
        (
            "admin, versione passata",
            "consorzio",
            f"/admin/budget/prestazione/{prestazione}/history/"
            f"{o['prestazione'].history.first().history_id}/",
        ),
        ("admin, accordo", "comune", f"/admin/accordo/accordo/{o['accordo'].pk}/change/"),
        ("admin, laboratorio", "consorzio", f"/admin/laboratori/laboratorio/{laboratorio}/change/"),
        ("admin, utente", "superuser", f"/admin/core/utente/{o['utente_coop_a'].pk}/change/"),
        ("admin, elenco utenti", "superuser", "/admin/core/utente/"),
        ("admin, accesso", None, "/admin/login/"),
    ]


@pytest.fixture
def oggetti(
    monkeypatch,
    accordo,
    cooperativa_a,
    cooperativa_b,
    crea_prestazione,
    utente_consorzio,
    utente_coop_a,
):
    return crea_oggetti(
        monkeypatch,
        accordo=accordo,
        cooperativa_a=cooperativa_a,
        cooperativa_b=cooperativa_b,
        crea_prestazione=crea_prestazione,
        consorzio_u=utente_consorzio,
        coop_a_u=utente_coop_a,
    )


@pytest.fixture
def utenti(oggetti, utente_consorzio, utente_comune, superutente) -> dict:
    return {
        "consorzio": utente_consorzio,
        "comune": utente_comune,
        "coop_a": oggetti["utente_coop_a"],
        "superuser": superutente,
    }


class Inline(HTMLParser):
    """What a page has that `script-src 'self'; style-src 'self'` blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.trovati: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributi = dict(attrs)
        riga = self.getpos()[0]
        if tag == "script" and not attributi.get("src"):
            self.trovati.append(f"riga {riga}: <script> senza src")
        if tag == "style":
            self.trovati.append(f"riga {riga}: blocco <style>")
        for nome, valore in attrs:
            if nome == "style":
                self.trovati.append(f"riga {riga}: <{tag} style={valore!r}>")
            elif nome.startswith("on"):
                self.trovati.append(f"riga {riga}: <{tag} {nome}=...>")
            elif (valore or "").strip().lower().startswith("javascript:"):
                self.trovati.append(f"riga {riga}: <{tag} {nome}={valore!r}>")

    handle_startendtag = handle_starttag


def inline(html: str) -> list[str]:
    parser = Inline()
    parser.feed(html)
    parser.close()
    return parser.trovati


def direttive(intestazione: str) -> dict[str, str]:
    return dict(d.strip().split(None, 1) for d in intestazione.split(";") if d.strip())


def test_la_politica_e_quella_decisa():
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "EXCLUDE_URL_PREFIXES" not in settings.CONTENT_SECURITY_POLICY


def test_il_controllo_trova_cio_che_la_politica_blocca():
    html = (
        '<script src="/static/a.js"></script><script>alert(1)</script>'
        '<style>p{}</style><p style="color:red">x</p><a href="javascript:void(0)">y</a>'
        '<button onclick="f()">z</button><svg><rect fill="red"/></svg>'
    )
    assert len(inline(html)) == 5


def test_ogni_pagina_ha_la_politica_e_nulla_di_inline(oggetti, utenti):
    problemi = []
    for cosa, chi, url in pagine(oggetti):
        client = Client()
        if chi:
            client.force_login(utenti[chi])
        risposta = client.get(url)
        atteso = {"pagina non trovata": 404, "accesso negato": 403}.get(cosa, 200)
        assert risposta.status_code == atteso, (cosa, url, risposta.status_code)
        assert direttive(risposta["Content-Security-Policy"]) == POLITICA, cosa
        for trovato in inline(risposta.content.decode()):
            problemi.append(f"{cosa} ({url}) {trovato}")
    assert problemi == [], "\n".join(problemi)


def test_anche_i_download_e_il_json_hanno_la_politica(oggetti, utenti):
    client = Client()
    client.force_login(utenti["consorzio"])
    for url in (
        f"/budget/prestazioni/{oggetti['prestazione'].pk}/documento/",
        f"/rendiconti/{oggetti['rendiconto_inviato'].pk}/pdf/",
        "/budget/prestazioni/anteprima/",
    ):
        risposta = client.get(url)
        assert risposta.status_code == 200, url
        assert direttive(risposta["Content-Security-Policy"]) == POLITICA, url


# In a real browser

# Installed before the page's own scripts: Playwright's init scripts are not
# subject to the page's policy.
ASCOLTA_VIOLAZIONI = """
window.__violazioni = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violazioni.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`
  );
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato in /usr/bin")
def test_nel_browser_nessuna_violazione(live_server, oggetti, utenti):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    sessioni = {}
    for chi, utente in utenti.items():
        client = Client()
        client.force_login(utente)
        sessioni[chi] = client.cookies[settings.SESSION_COOKIE_NAME].value
    elenco = pagine(oggetti)
    problemi = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI_CHROMIUM)
        try:
            # First a control: the listener does hear what the policy blocks.
            pagina = browser.new_page()
            pagina.add_init_script(ASCOLTA_VIOLAZIONI)
            pagina.goto(live_server.url + "/accesso/")
            pagina.evaluate(
                """() => { const s = document.createElement("style");
                           s.textContent = "body { color: red; }";
                           document.head.appendChild(s); }"""
            )
            pagina.wait_for_function("window.__violazioni.length > 0")
            assert "style-src-elem" in pagina.evaluate("window.__violazioni")[0]
            pagina.close()
            for cosa, chi, url in elenco:
                contesto = browser.new_context(locale="it-IT")
                if chi:
                    contesto.add_cookies(
                        [
                            {
                                "name": settings.SESSION_COOKIE_NAME,
                                "value": sessioni[chi],
                                "url": live_server.url,
                            }
                        ]
                    )
                pagina = contesto.new_page()
                pagina.add_init_script(ASCOLTA_VIOLAZIONI)
                messaggi = []
                pagina.on(
                    "console",
                    lambda m, messaggi=messaggi: messaggi.append(
                        f"{m.type}: {m.text} ({m.location.get('url', '')})"
                    ),
                )
                pagina.on("pageerror", lambda e, messaggi=messaggi: messaggi.append(str(e)))
                # A request the page itself aborts (select2 and the preview drop a
                # stale fetch when the user types on) is not a failure; one
                # blocked by the policy is (net::ERR_BLOCKED_BY_CSP).
                pagina.on(
                    "requestfailed",
                    lambda r, messaggi=messaggi: (
                        None
                        if r.failure == "net::ERR_ABORTED"
                        else messaggi.append(f"{r.url}: {r.failure}")
                    ),
                )
                risposta = pagina.goto(live_server.url + url, wait_until="load")
                assert risposta is not None
                header = risposta.header_value("content-security-policy")
                assert header and direttive(header) == POLITICA, cosa
                if cosa == "nuova prestazione":
                    # The preview of the charge: a fetch, under connect-src.
                    pagina.select_option("#id_tranche", index=1)
                    pagina.select_option("#id_tipo", "servizi")
                    pagina.fill("#id_importo", "100,00")
                    pagina.wait_for_selector("#anteprima-addebito .alert")
                if cosa == "admin, nuova prestazione":
                    # The supplier's autocomplete: select2's dropdown and its fetch.
                    pagina.click(".field-fornitore .select2-selection")
                    pagina.keyboard.type("Fal")
                    pagina.wait_for_selector(
                        ".select2-results__option:has-text('Falegnameria Bodini')"
                    )
                if cosa == "cruscotto del Consorzio":
                    # The bars' widths now come from classes: still the figures.
                    barre = pagina.evaluate(
                        """[...document.querySelectorAll('.progress')].map(p => [
                             Number(p.getAttribute('aria-valuenow')),
                             100 * p.firstElementChild.getBoundingClientRect().width
                                 / p.getBoundingClientRect().width])"""
                    )
                    assert barre and any(valore > 1 for valore, _ in barre), barre
                    for valore, larghezza in barre:
                        assert abs(valore - larghezza) <= 0.6, barre
                pagina.wait_for_timeout(150)
                violazioni = pagina.evaluate("window.__violazioni")
                for testo in violazioni + messaggi:
                    if f"404 (Not Found) ({live_server.url}/favicon.ico)" in testo:
                        continue  # the browser asks for it; the site has none
                    if cosa in ERRORI and f"{ERRORI[cosa]} ({risposta.url})" in testo:
                        continue  # the page's own status
                    problemi.append(f"{cosa} ({url}): {testo}")
                contesto.close()
        finally:
            browser.close()
    assert problemi == [], "\n".join(problemi)
