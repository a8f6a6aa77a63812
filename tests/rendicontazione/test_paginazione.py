"""The report page shows the summary's lists a page at a time, with the
totals of the whole period; the PDF and the workbook keep the lists whole.
A draft reads only the page it shows; a submitted report pages through the
frozen list."""

import dataclasses
import html
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.formati import euro
from rendicontazione import services
from rendicontazione.models import Rendiconto
from rendicontazione.riepilogo import Riepilogo, riepilogo
from rendicontazione.views import PRESTAZIONI_PER_PAGINA

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)
QUANTE = PRESTAZIONI_PER_PAGINA + 5


@pytest.fixture
def rendiconto(accordo, tranche_2024, crea_prestazione, utente_consorzio) -> Rendiconto:
    for n in range(QUANTE):
        crea_prestazione(
            tranche_2024,
            f"{100 + n}.00",
            data=DAL + timedelta(days=n),
            descrizione=f"Voce numero {n + 1:02d}",
        )
    return services.rendiconto_salva(
        rendiconto=Rendiconto(accordo=accordo, dal=DAL, al=AL, attivita_svolte="Attività."),
        utente=utente_consorzio,
    )


def pagina(utente, rendiconto: Rendiconto, parametri: str = "") -> str:
    client = Client()
    client.force_login(utente)
    url = reverse("rendicontazione:dettaglio", args=[rendiconto.pk]) + parametri
    risposta = client.get(url)
    assert risposta.status_code == 200
    return html.unescape(risposta.content.decode())


def test_a_draft_shows_one_page_of_prestazioni_and_the_totals_of_the_period(
    rendiconto, utente_consorzio
):
    riassunto = riepilogo(rendiconto.accordo, DAL, AL)
    prima = pagina(utente_consorzio, rendiconto)
    assert "Voce numero 01" in prima
    assert f"Voce numero {PRESTAZIONI_PER_PAGINA:02d}" in prima
    assert f"Voce numero {PRESTAZIONI_PER_PAGINA + 1:02d}" not in prima
    assert f"Voci da 1 a {PRESTAZIONI_PER_PAGINA} di {QUANTE}." in prima
    assert f"Totale ({QUANTE} voci)" in prima
    assert euro(riassunto.spesa_periodo.totale) in prima
    assert reverse("rendicontazione:pdf", args=[rendiconto.pk]) in prima
    assert reverse("rendicontazione:xlsx", args=[rendiconto.pk]) in prima
    indirizzo = reverse("rendicontazione:dettaglio", args=[rendiconto.pk])
    assert f'href="{indirizzo}?pagina_prestazioni=2#prestazioni"' in prima

    seconda = pagina(utente_consorzio, rendiconto, "?pagina_prestazioni=2")
    assert "Voce numero 01" not in seconda
    assert f"Voce numero {QUANTE:02d}" in seconda
    assert "Pagina 2 di 2" in seconda
    assert euro(riassunto.spesa_periodo.totale) in seconda


def test_the_pages_hold_the_rows_of_the_summary_in_its_order(rendiconto, utente_consorzio):
    riassunto = riepilogo(rendiconto.accordo, DAL, AL)
    testo = pagina(utente_consorzio, rendiconto) + pagina(
        utente_consorzio, rendiconto, "?pagina_prestazioni=2"
    )
    posizioni = [testo.index(f'id="prestazione-{voce.id}"') for voce in riassunto.prestazioni]
    assert len(riassunto.prestazioni) == QUANTE
    assert posizioni == sorted(posizioni)


def test_a_draft_page_reads_one_page_of_rows_whatever_the_number(
    rendiconto, utente_consorzio, tranche_2024, crea_prestazione
):
    client = Client()
    client.force_login(utente_consorzio)
    url = reverse("rendicontazione:dettaglio", args=[rendiconto.pk])
    client.get(url)
    # Both read from the database: the page keeps what it read in the cache.
    cache.clear()
    with CaptureQueriesContext(connection) as prima:
        client.get(url)
    for n in range(PRESTAZIONI_PER_PAGINA):
        crea_prestazione(tranche_2024, "10.00", data=date(2024, 12, 1) + timedelta(days=n % 30))
    cache.clear()
    with CaptureQueriesContext(connection) as dopo:
        testo = client.get(url).content.decode()
    assert len(prima) == len(dopo)
    assert testo.count('id="prestazione-') == PRESTAZIONI_PER_PAGINA


def test_the_summary_without_the_list_has_the_same_figures(rendiconto):
    completo = riepilogo(rendiconto.accordo, DAL, AL)
    senza = riepilogo(rendiconto.accordo, DAL, AL, con_prestazioni=False)
    assert senza.prestazioni is None
    assert dataclasses.replace(completo, prestazioni=None, calcolato_il=senza.calcolato_il) == senza


def test_a_submitted_report_pages_through_its_frozen_list(
    rendiconto, utente_consorzio, utente_comune, tranche_2024, crea_prestazione
):
    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    # Recorded after the submission: not in the frozen list.
    tardiva = crea_prestazione(
        tranche_2024, "50.00", data=date(2024, 12, 30), descrizione="Voce tardiva"
    )
    congelato = Riepilogo.from_json(rendiconto.invii.get().riepilogo)

    seconda = pagina(utente_comune, rendiconto, "?pagina_prestazioni=2")
    assert f"Voce numero {QUANTE:02d}" in seconda
    assert f'id="prestazione-{tardiva.pk}"' not in seconda
    assert "I dati attuali differiscono" in seconda
    assert f"Totale ({QUANTE} voci)" in seconda
    assert euro(congelato.spesa_periodo.totale) in seconda


def test_a_remark_links_to_the_page_its_item_is_on(rendiconto, utente_consorzio, utente_comune):
    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    ultima = Riepilogo.from_json(rendiconto.invii.get().riepilogo).prestazioni[-1]
    services.rimanda(
        rendiconto=rendiconto,
        utente=utente_comune,
        osservazioni="Manca un documento.",
        osservazioni_voci=[
            services.OsservazioneVoce(testo="Allegare la fattura.", prestazione_id=ultima.id)
        ],
    )
    indirizzo = reverse("rendicontazione:dettaglio", args=[rendiconto.pk])
    prima = pagina(utente_consorzio, rendiconto)
    assert f'href="{indirizzo}?pagina_prestazioni=2#prestazione-{ultima.id}"' in prima
    seconda = pagina(utente_consorzio, rendiconto, "?pagina_prestazioni=2")
    assert f'<tr id="prestazione-{ultima.id}" class="con-osservazione">' in seconda
