"""Shared fixtures: the Cremona agreement as loaded by `carica_accordo`, the
demo organisations, one user per role, and a prestazione factory that goes
through the services like every real write.

The clock: every test runs with "today" set by time-machine (the clock
ticking from 10:00 Rome time), so that no outcome depends on the day the
suite runs. The day is OGGI_PREDEFINITO, or the one given with
`pytest --oggi AAAA-MM-GG` (or OGGI_TEST=AAAA-MM-GG); a test whose outcome
depends on a particular day says so with `@pytest.mark.oggi("AAAA-MM-GG")`,
which wins over both. The browser and dashboard tests (marker `date`) must
pass on any day: `make test` runs them a second time at OGGI_SECONDO_GIRO
(scripts/test.sh). Fixtures that record activity dated in the agreement's
years do it with `registrato_il()`, so that "today" never refuses it as
future.
"""

import os
from datetime import date, datetime, time
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from accordo.models import Accordo, Ente, TipoEnte
from budget import services
from budget.models import Tranche
from core.models import Utente
from core.ruoli import gruppo_per_ruolo

PASSWORD = "password-di-prova-123"
ROMA = ZoneInfo("Europe/Rome")
# The day every test runs on unless told otherwise: after the end of the
# Cremona agreement (31/12/2025), when all of its data lies in the past.
OGGI_PREDEFINITO = date(2026, 12, 2)
# When fixtures record the agreement's activity (see registrato_il).
DOPO_L_ACCORDO = date(2026, 1, 15)


def pytest_addoption(parser):
    parser.addoption(
        "--oggi",
        default=os.environ.get("OGGI_TEST") or None,
        help="Data (AAAA-MM-GG) da usare come oggi per tutta la suite.",
    )


def alle_dieci(giorno: date) -> datetime:
    """10:00 in Rome on `giorno`: the moment the clock is set to."""
    return datetime.combine(giorno, time(10, 0), tzinfo=ROMA)


def pytest_collection_modifyitems(config, items):
    # Every browser test looks at pages that show "today": all of them are
    # run at other dates too.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.date)


def oggi_del_test(request) -> date:
    marcatore = request.node.get_closest_marker("oggi")
    if marcatore:
        return date.fromisoformat(marcatore.args[0])
    valore = request.config.getoption("--oggi")
    return date.fromisoformat(valore) if valore else OGGI_PREDEFINITO


@pytest.fixture(autouse=True)
def orologio(request):
    """Today for this test (see the module's docstring)."""
    giorno = oggi_del_test(request)
    with time_machine.travel(alle_dieci(giorno), tick=True):
        yield giorno


def registrato_il(giorno: date = DOPO_L_ACCORDO):
    """The clock at `giorno` for a fixture's writes: activity of 2024-2025
    can be recorded only once it is past, whatever day the test runs on."""
    return time_machine.travel(alle_dieci(giorno), tick=True)


@pytest.fixture(autouse=True)
def cache_vuota():
    """Every test starts with an empty cache. The report pages keep what
    they compute under the newest history ids (core.impronta), and tests roll
    their transactions back, so the next test may write rows with the same
    ids as one cached before with other data: a real database never reuses
    them."""
    cache.clear()


@pytest.fixture
def accordo(db) -> Accordo:
    call_command("carica_accordo", stdout=StringIO())
    return Accordo.objects.get()


@pytest.fixture
def tranche_2024(accordo) -> Tranche:
    return accordo.tranche.get(etichetta="2024")


@pytest.fixture
def tranche_2025(accordo) -> Tranche:
    return accordo.tranche.get(etichetta="2025")


@pytest.fixture
def consorzio(accordo) -> Ente:
    return accordo.ente_partner


@pytest.fixture
def comune(accordo) -> Ente:
    return accordo.ente_pubblico


def _ente(**dati) -> Ente:
    ente = Ente(**dati)
    ente.full_clean()
    ente.save()
    return ente


@pytest.fixture
def fornitore(db) -> Ente:
    return _ente(nome="Falegnameria Bodini", tipo=TipoEnte.FORNITORE, partita_iva="01967800192")


@pytest.fixture
def cooperativa_a(consorzio) -> Ente:
    return _ente(
        nome="Solco Cremona Edu",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva="01523400198",
        consorzio=consorzio,
    )


@pytest.fixture
def cooperativa_b(consorzio) -> Ente:
    return _ente(
        nome="Solco Young",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva="01634500191",
        consorzio=consorzio,
    )


def crea_utente(username: str, ente: Ente | None, *, staff: bool = False, superuser=False):
    utente = Utente.objects.create_user(
        username=username,
        password=PASSWORD,
        ente=ente,
        is_staff=staff or superuser,
        is_superuser=superuser,
    )
    gruppo = gruppo_per_ruolo(utente.ruolo)
    if gruppo is not None:
        utente.groups.add(gruppo)
    return utente


@pytest.fixture
def utente_comune(comune):
    return crea_utente("comune", comune, staff=True)


@pytest.fixture
def utente_consorzio(consorzio):
    return crea_utente("consorzio", consorzio, staff=True)


@pytest.fixture
def utente_coop_a(cooperativa_a):
    return crea_utente("coop_a", cooperativa_a)


@pytest.fixture
def utente_coop_b(cooperativa_b):
    return crea_utente("coop_b", cooperativa_b)


@pytest.fixture
def superutente(db):
    return crea_utente("admin", None, superuser=True)


@pytest.fixture
def crea_prestazione(fornitore):
    """Create a prestazione through the service; defaults fit the 2024 tranche."""

    def crea(tranche: Tranche, importo="100.00", *, tipo="servizi", data=None, **altro):
        return services.prestazione_crea(
            tranche=tranche,
            tipo=tipo,
            fornitore=altro.pop("fornitore", fornitore),
            descrizione=altro.pop("descrizione", "Prestazione di prova"),
            data=data or tranche.data_inizio,
            importo=Decimal(importo),
            **altro,
        )

    return crea


GIORNO_2024 = date(2024, 10, 15)


@pytest.fixture
def browser():
    """Headless Debian Chromium through Playwright (never `playwright install`)."""
    from tests.navigatore import ARGOMENTI_CHROMIUM, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Chromium non installato in /usr/bin")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        istanza = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI_CHROMIUM)
        try:
            yield istanza
        finally:
            istanza.close()
