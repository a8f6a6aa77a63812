"""A cooperative sees no money anywhere (DESIGN.md, "Who sees money"): a
crawl as each cooperative user finds no amount in euro on any page.

The crawl starts from every URL pattern of the URLconf that the permission
matrix (tests/core/matrice_permessi.py) says a cooperative opens, with the
matrix's real objects, plus the home page; it then follows every link of
every page it gets, in Italian and in English. The data is realistic: the
cooperatives' laboratories have sessions, participants and prestazioni
linked to them, a report has been submitted. Every body is searched for a
currency sign or word and for every amount the data holds (each
prestazione's value, fee and total, the tranches, the design cap, and each
laboratorio's cost, cost per participant and per hour as the report counts
them), written the Italian way or plainly.
"""

import html
import re
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from budget.models import Prestazione
from budget.selectors import costi_laboratori
from core.formati import numero
from laboratori import services
from laboratori.models import Laboratorio, Sessione
from laboratori.selectors import indicatori_da_righe, leggi_attivita
from tests.core.matrice_permessi import PAGINE, RUOLI
from tests.core.test_matrice_permessi import (
    azioni_admin,
    crea_oggetti,
    indirizzi,
    richiedi,
    url_di,
    voce_di,
)

VALUTA = re.compile(r"€|&euro;|&#8364;|&#x20ac;|\bEUR\b|\beuro\b", re.IGNORECASE)
PAGINE_MASSIME = 400


@pytest.fixture
def oggetti(
    monkeypatch,
    accordo,
    cooperativa_a,
    cooperativa_b,
    crea_prestazione,
    utente_consorzio,
    utente_coop_a,
    tranche_2025,
):
    """The matrix's objects (a laboratorio and a session for each
    cooperative, a prestazione of A's laboratorio, a submitted report and a
    draft), with more sessions in the cooperatives' edit window and more
    prestazioni linked to both laboratories, at amounts with odd cents."""
    oggetti = crea_oggetti(
        monkeypatch,
        accordo=accordo,
        cooperativa_a=cooperativa_a,
        cooperativa_b=cooperativa_b,
        crea_prestazione=crea_prestazione,
        consorzio_u=utente_consorzio,
        coop_a_u=utente_coop_a,
    )
    for laboratorio in Laboratorio.objects.filter(accordo=accordo):
        iscritti = list(laboratorio.iscritti.all())
        iscritti.append(
            services.partecipante_crea(
                laboratorio=laboratorio,
                fascia_eta="14_15",
                genere="M",
                livello_scolastico="secondaria_2",
                servizio_inviante="tutela_minori",
            )
        )
        for giorno in (date(2025, 2, 10), date(2025, 3, 5), date(2025, 3, 11)):
            services.sessione_salva(
                sessione=Sessione(
                    laboratorio=laboratorio,
                    data=giorno,
                    ora_inizio=time(15),
                    ora_fine=time(17, 20),
                    numero_educatori=2,
                    ore_educatori=Decimal("4.5"),
                    volontari=1,
                    ore_volontari=Decimal("2"),
                ),
                presenti=iscritti,
            )
        for importo in ("1234.56", "987.65"):
            crea_prestazione(tranche_2025, importo, data=date(2025, 2, 17), laboratorio=laboratorio)
    return oggetti


def importi(accordo) -> set[Decimal]:
    """Every amount in euro the data holds."""
    valori = {accordo.tetto_progettazione}
    valori |= {t.importo for t in accordo.tranche.all()}
    for prestazione in Prestazione.objects.filter(tranche__accordo=accordo):
        valori |= {
            prestazione.importo,
            prestazione.quota_amministrativa,
            prestazione.importo + prestazione.quota_amministrativa,
        }
    righe = leggi_attivita(accordo)
    costi = costi_laboratori([lab.id for lab in righe.laboratori])
    risultato = indicatori_da_righe(replace(righe, costi=costi))
    for misure in [risultato.totale, *(i.misure for i in risultato.laboratori)]:
        valori |= {misure.costo, misure.costo_per_partecipante, misure.costo_per_ora}
    return {v for v in valori if v}


def scritture(valori: set[Decimal]) -> set[str]:
    """Each amount as the pages would write it: 1.271,60, 1271,60, 1271.60."""
    testi = set()
    for valore in valori:
        italiano = numero(valore)
        testi |= {italiano, italiano.replace(".", ""), f"{valore:.2f}"}
    return testi


def importi_nella_pagina(testo: str, cercati: set[str]) -> list[str]:
    trovati = VALUTA.findall(testo)
    # An amount counts only as a whole number: "1.234,56" not inside "11.234,567".
    trovati += [
        cercato
        for cercato in cercati
        if re.search(rf"(?<![\d.,]){re.escape(cercato)}(?![\d])", testo)
    ]
    return trovati


def collegamenti(testo: str, da: str) -> list[str]:
    """The site's own addresses linked from a page (path and query)."""
    indirizzi_ = []
    for href in re.findall(r'(?:href|action)="([^"]*)"', testo):
        indirizzo = urljoin(da, html.unescape(href))
        parti = urlsplit(indirizzo)
        if parti.netloc not in ("", "testserver") or parti.scheme not in ("", "http"):
            continue
        if parti.path.startswith((settings.STATIC_URL, "/media/")):
            continue
        indirizzi_.append(parti.path + (f"?{parti.query}" if parti.query else ""))
    return indirizzi_


def semi(oggetti) -> tuple[list[str], list[str]]:
    """The URLs a cooperative opens (GET 200 in the matrix, for cooperative
    A, whose objects the matrix uses) and those whose empty POST it gets
    back as a page (a form with its errors)."""
    colonna = RUOLI.index("coop_a")
    per_admin = azioni_admin()
    get, post = [reverse("home")], []
    for indirizzo in indirizzi():
        voce = voce_di(indirizzo.chiave, per_admin)
        if voce.get[colonna] == 200:
            get.append(url_di(indirizzo, voce, oggetti))
        if voce.post and voce.post[colonna] == 200:
            post.append(url_di(indirizzo, voce, oggetti))
    return get, post


def crawl(client: Client, inizio: list[str], cercati: set[str]) -> tuple[set[str], list[str]]:
    """Every page reached from `inizio` by GET and by following links and
    redirects; the amounts found, with the page they are on."""
    da_visitare, visitate, trovati = list(inizio), set(), []
    while da_visitare and len(visitate) < PAGINE_MASSIME:
        url = da_visitare.pop(0)
        if url in visitate:
            continue
        visitate.add(url)
        risposta = richiedi(client, "GET", url)
        if risposta.status_code in (301, 302, 303, 307, 308):
            da_visitare.append(urljoin(url, risposta["Location"]))
            continue
        if risposta.status_code != 200 or not hasattr(risposta, "content"):
            continue
        testo = risposta.content.decode(risposta.charset or "utf-8", errors="replace")
        trovati += [f"{url}: {x}" for x in importi_nella_pagina(testo, cercati)]
        da_visitare += [u for u in collegamenti(testo, url) if u not in visitate]
    return visitate, trovati


@pytest.fixture
def lingua_ripristinata():
    """The language middleware activates the chosen language in this thread
    and leaves it there: put Italian back, or the next test would look up
    the role groups by their English names (core.ruoli.gruppo_per_ruolo)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize("lingua", ["it", "en"])
@pytest.mark.parametrize("chi", ["utente_coop_a", "utente_coop_b"])
def test_a_crawl_as_a_cooperative_finds_no_amount_in_euro(
    request, oggetti, accordo, lingua_ripristinata, chi, lingua
):
    utente = request.getfixturevalue(chi)
    client = Client(raise_request_exception=False)
    client.force_login(utente)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lingua
    cercati = scritture(importi(accordo))
    get, post = semi(oggetti)

    visitate, trovati = crawl(client, get, cercati)
    for url in post:
        risposta = richiedi(client, "POST", url)
        if risposta.status_code == 200:
            testo = risposta.content.decode()
            trovati += [f"POST {url}: {x}" for x in importi_nella_pagina(testo, cercati)]

    # The crawl reached the cooperative's pages, and the laboratorio's page
    # shows its activity (which the cost figures would sit beside).
    laboratorio = Laboratorio.objects.get(accordo=accordo, cooperativa=utente.ente)
    dettaglio = reverse("laboratori:dettaglio", args=[laboratorio.pk])
    assert {reverse("home"), reverse("laboratori:elenco"), dettaglio} <= visitate
    assert reverse("laboratori:sessione_nuova", args=[laboratorio.pk]) in visitate
    assert any("/sessioni/" in url and url.endswith("/modifica/") for url in visitate)
    assert len(visitate) >= 10
    assert trovati == [], "\n".join(trovati)


def test_the_search_finds_the_amounts_on_a_page_that_shows_money(
    oggetti, accordo, utente_consorzio
):
    """The same search, on the prestazioni of a laboratorio as the Consorzio
    sees them: it finds the euro sign and the amounts (so the crawl above
    would see them)."""
    client = Client()
    client.force_login(utente_consorzio)
    laboratorio = oggetti["laboratorio_a"]
    url = f"{reverse('budget:prestazioni')}?laboratorio={laboratorio.pk}"
    testo = client.get(url).content.decode()
    trovati = importi_nella_pagina(testo, scritture(importi(accordo)))
    assert "€" in trovati
    assert numero(Decimal("1271.60")) in trovati  # 1.234,56 + 3% = 1.271,60
    # The laboratorio's own page links there for the Consorzio.
    pagina = client.get(reverse("laboratori:dettaglio", args=[laboratorio.pk])).content.decode()
    assert html.escape(url) in pagina
    assert not importi_nella_pagina(pagina, scritture(importi(accordo)))


def test_every_page_of_the_matrix_is_known_to_the_crawl():
    # The crawl seeds from the matrix: a page of the laboratori app that
    # cooperatives open is among them.
    colonna = RUOLI.index("coop_a")
    aperte = {chiave for chiave, voce in PAGINE.items() if voce.get[colonna] == 200}
    assert {"laboratori:elenco", "laboratori:dettaglio", "laboratori:sessione_nuova"} <= aperte
