"""Every page of laboratori/views.py, for every role that reaches it, runs
the same few queries whatever the data (uncached).

Two scale sets live side by side in one database (each with its own Comune,
Consorzio and cooperatives, so each user sees only its own set), the second
five times bigger in laboratories, sessions, attendance, participants and
agreements (factors 0,04 and 0,2 of bench.scala). Each page must run the
same number of queries for both, and at most 15 (the target of
`make bench`, measured there at factors 1 and 10).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.scala import genera
from laboratori import services
from laboratori.models import Laboratorio
from tests.conftest import crea_utente

pytestmark = pytest.mark.django_db

QUERY_MASSIME = 15

PAGINE = ("elenco", "dettaglio", "sessione_nuova", "sessione_modifica", "sessione_elimina")
# The Comune reads: the pages that change data answer it 403.
PAGINE_PER_RUOLO = {
    "comune": PAGINE[:2],
    "consorzio": PAGINE,
    "cooperativa": PAGINE,
}


@pytest.fixture(scope="module")
def insiemi(django_db_setup, django_db_blocker):
    """Both sets, built once for the module and rolled back after it (each
    test runs in a savepoint inside this transaction). For each: its users,
    the laboratorio with the most sessions of one cooperative, and that
    laboratorio's latest session."""
    with django_db_blocker.unblock(), transaction.atomic():
        risultato = {}
        for nome, fattore, accordi in (("piccolo", 0.04, 2), ("grande", 0.2, 4)):
            insieme = genera(fattore, seed=1, accordi=accordi)
            laboratorio = (
                Laboratorio.objects.filter(accordo__in=insieme.accordi)
                .annotate(numero=Count("sessioni"))
                .order_by("-numero", "pk")
                .first()
            )
            risultato[nome] = {
                "comune": crea_utente(f"comune_{nome}", insieme.comune, staff=True),
                "consorzio": crea_utente(f"consorzio_{nome}", insieme.consorzio, staff=True),
                "cooperativa": crea_utente(f"coop_{nome}", laboratorio.cooperativa),
                "laboratorio": laboratorio,
                "sessione": laboratorio.sessioni.order_by("-data", "-ora_inizio").first(),
                "laboratori": Laboratorio.objects.filter(accordo__in=insieme.accordi).count(),
            }
        yield risultato
        transaction.set_rollback(True)


def url_di(pagina: str, insieme: dict) -> str:
    if pagina == "elenco":
        return reverse("laboratori:elenco")
    if pagina in ("dettaglio", "sessione_nuova"):
        return reverse(f"laboratori:{pagina}", args=[insieme["laboratorio"].pk])
    return reverse(f"laboratori:{pagina}", args=[insieme["sessione"].pk])


def conta_query(utente, url: str) -> int:
    client = Client()
    client.force_login(utente)
    assert client.get(url).status_code == 200  # warm-up: per-process caches
    cache.clear()
    with CaptureQueriesContext(connection) as contesto:
        risposta = client.get(url)
    assert risposta.status_code == 200
    return len(contesto)


def test_the_big_set_is_bigger(insiemi):
    piccolo, grande = insiemi["piccolo"], insiemi["grande"]
    assert grande["laboratori"] >= 5 * piccolo["laboratori"]
    # The detail pages show more than one page of sessions in both sets.
    assert piccolo["laboratorio"].numero > 20 and grande["laboratorio"].numero > 20


@pytest.mark.parametrize(
    ("ruolo", "pagina"),
    [(ruolo, pagina) for ruolo, pagine in PAGINE_PER_RUOLO.items() for pagina in pagine],
)
def test_page_runs_the_same_few_queries_for_a_five_times_bigger_dataset(
    insiemi, monkeypatch, ruolo, pagina
):
    conteggi = []
    for nome in ("piccolo", "grande"):
        insieme = insiemi[nome]
        # The day after the session: inside the cooperatives' edit window.
        giorno = insieme["sessione"].data + timedelta(days=1)
        monkeypatch.setattr(services, "oggi", lambda giorno=giorno: giorno)
        conteggi.append(conta_query(insieme[ruolo], url_di(pagina, insieme)))
    assert conteggi[0] == conteggi[1], conteggi
    assert max(conteggi) <= QUERY_MASSIME, conteggi
